package rotlog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRotateKeepsThree(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "x.log")
	l := Open(path)
	l.maxSize = 100
	for i := 0; i < 40; i++ {
		l.Printf("line %d with some padding", i)
	}
	for _, suffix := range []string{"", ".1", ".2", ".3"} {
		fi, err := os.Stat(path + suffix)
		if err != nil {
			t.Fatalf("missing %s: %v", suffix, err)
		}
		if fi.Size() > 200 {
			t.Fatalf("%s not rotated: %d bytes", suffix, fi.Size())
		}
	}
	if _, err := os.Stat(path + ".4"); err == nil {
		t.Fatal("kept more than three old logs")
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), "line 39") {
		t.Fatalf("newest line missing: %q", b)
	}
}

func TestNoForgedLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	l := Open(path)
	l.Printf("refused %s", "a\nFAKE ok\r\n")
	b, _ := os.ReadFile(path)
	if strings.Count(string(b), "\n") != 1 {
		t.Fatalf("log line split: %q", b)
	}
	var nilLogger *Logger
	nilLogger.Printf("no panic")
}
