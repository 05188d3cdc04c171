package jobs_test

import (
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/jobs"
	"printlab/schema"
)

func TestStandardName(t *testing.T) {
	cases := []struct{ first, last, method, color, id, ext, want string }{
		{"Jane", "Doe", "filament", "True Red", "7F3K2Q", "stl", "JaneDoe_Filament_TrueRed_7F3K2Q.stl"},
		{"José", "de la Cruz", "resin", "Clear", "ABC234", ".3MF", "JoseDeLaCruz_Resin_Clear_ABC234.3mf"},
		{"../../etc", "<script>", "filament", "Glow in the Dark", "X2", "obj", "EtcScript_Filament_GlowInTheDark_X2.obj"},
		{"", "", "", "", "Q", "", "Student_Print_Any_Q"},
	}
	for _, c := range cases {
		if got := jobs.StandardName(c.first, c.last, c.method, c.color, c.id, c.ext); got != c.want {
			t.Errorf("StandardName(%q %q) = %q, want %q", c.first, c.last, got, c.want)
		}
	}
	id := jobs.NewShortID()
	if len(id) != 6 || strings.ContainsAny(id, "01OILU") {
		t.Errorf("short id %q", id)
	}
}

func TestSubmitWritesJobEventAndReceivedEmail(t *testing.T) {
	app, fx := seeded(t)
	c, _ := app.FindCollectionByNameOrId(schema.Jobs)
	j := core.NewRecord(c)
	j.Load(map[string]any{"first_name": "Jane", "last_name": "Doe", "email": "jane@student.example.edu",
		"discipline": "Art", "course": "ART 101", "method": "filament", "material": fx.Material.Id,
		"color": "True Red", "printer": fx.Printer.Id, "ack_min_charge": true, "ack_mm": true})
	job, link, err := jobs.Submit(app, j, "stl", t0)
	if err != nil {
		t.Fatal(err)
	}
	if job.GetString("status") != "uploaded" || !strings.HasSuffix(job.GetString("display_name"), "_"+job.GetString("short_id")+".stl") {
		t.Errorf("job %s %q", job.GetString("status"), job.GetString("display_name"))
	}
	if !strings.Contains(link, "/status/#"+job.Id+".") {
		t.Errorf("status link %q", link)
	}
	key := link[strings.LastIndex(link, ".")+1:]
	if !jobs.CheckStatusKey(app, job, key) || jobs.CheckStatusKey(app, job, key[:len(key)-1]+"A") {
		t.Error("the status key does not check out (or a changed one does)")
	}
	evs := events(t, app, job.Id)
	if len(evs) != 1 || evs[0].GetString("type") != "submit" || evs[0].GetString("from_status") != "" || evs[0].GetString("actor") != "student" {
		t.Errorf("events %v", evs)
	}
	if k := emailKinds(t, app, job.Id); len(k) != 1 || k[0] != "received" {
		t.Errorf("emails %v", k)
	}
}

func TestArchiveOnlyFromTheSelectedFinalStatus(t *testing.T) {
	app, fx := seeded(t)
	done := newJob(t, app, fx, schema.StatusPickedUp)
	if err := jobs.Archive(app, done.Id, "picked_up", t0); err != nil {
		t.Fatal(err)
	}
	got, _ := app.FindRecordById(schema.Jobs, done.Id)
	evs := events(t, app, done.Id)
	if got.GetString("status") != "archived" || got.GetDateTime("archived_at").IsZero() || len(evs) != 1 || evs[0].GetString("actor") != "system" {
		t.Errorf("archived job: %s, %d events", got.GetString("status"), len(evs))
	}
	moved := newJob(t, app, fx, schema.StatusCompleted)
	if err := jobs.Archive(app, moved.Id, "picked_up", t0); err == nil {
		t.Error("a job that moved since selection was archived")
	}
	active := newJob(t, app, fx, schema.StatusPrinting)
	if err := jobs.Archive(app, active.Id, "printing", t0); err == nil {
		t.Error("an active job was archived")
	}
}
