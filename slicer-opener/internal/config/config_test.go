package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestParseAndFormatRoundTrip(t *testing.T) {
	in := "\ufeff# comment\n\nserver = https://printlab.example.edu/\nworkdir = /tmp/jobs\nkeep_days = 7\n" +
		"slicer.3mf = \"/opt/Prusa Slicer/prusa-slicer\"\nslicer..STL = /usr/bin/orca-slicer\n"
	c, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if c.Server != "https://printlab.example.edu" || c.Workdir != "/tmp/jobs" || c.KeepDays != 7 {
		t.Fatalf("parsed %+v", c)
	}
	if c.Slicers["3mf"] != "/opt/Prusa Slicer/prusa-slicer" || c.Slicers["stl"] != "/usr/bin/orca-slicer" {
		t.Fatalf("slicers %v", c.Slicers)
	}
	again, err := Parse(strings.NewReader(Format(c)))
	if err != nil {
		t.Fatal(err)
	}
	if Format(again) != Format(c) {
		t.Fatalf("round trip changed the file:\n%s\n---\n%s", Format(c), Format(again))
	}
}

func TestParseRefuses(t *testing.T) {
	for _, in := range []string{
		"server",
		"sever = https://x",
		"server = ftp://x",
		"server = https://",
		"server = https://user:pw@x",
		"server = https://x/?a=b",
		"server = https://x/#f",
		"server = printjob://open",
		"workdir = relative/dir",
		"keep_days = 0",
		"keep_days = many",
		"slicer.exe = /bin/sh",
		"slicer.3mf = relative/prusa",
	} {
		if _, err := Parse(strings.NewReader(in)); err == nil {
			t.Errorf("Parse(%q) accepted", in)
		}
	}
}

func TestLoadMissingAndSave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", FileName)
	c, found, err := Load(path)
	if err != nil || found {
		t.Fatalf("Load missing: %v %v", found, err)
	}
	if c.KeepDays != DefaultKeepDays || c.Workdir == "" {
		t.Fatalf("defaults %+v", c)
	}
	c.Server = "http://127.0.0.1:8090"
	c.Slicers["form"] = "/opt/preform"
	if err := Save(path, c); err != nil {
		t.Fatal(err)
	}
	got, found, err := Load(path)
	if err != nil || !found || got.Server != c.Server || got.Slicers["form"] != "/opt/preform" {
		t.Fatalf("Load after Save: %+v %v %v", got, found, err)
	}
}
