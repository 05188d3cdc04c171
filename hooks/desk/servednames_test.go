package desk_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tools/filesystem"

	"printlab/internal/testapp"
)

// A staff member downloading a job's files through PocketBase's file route (as
// the dashboard does) gets them under the standard names (SPEC §4), not the
// stored names with their random suffix or a name from before an edit.
func TestFileDownloadsUseTheStandardName(t *testing.T) {
	app, fx, job := linksApp(t)
	print, err := filesystem.NewFileFromBytes([]byte("; gcode\nG28\n"), "print.gcode")
	if err != nil {
		t.Fatal(err)
	}
	print.Name = "JaneDoe_Filament_TrueRed_LINK01_4bqkhw.gcode" // as the print-file route stores it
	job.Set("print_file", print)
	job.Set("print_name", "JaneDoe_Filament_TrueRed_LINK01.gcode")
	// The student's colour was corrected at the desk: the names follow (hooks/intake),
	// the stored keys stay.
	job.Set("color", "Blue")
	if err := app.Save(job); err != nil {
		t.Fatal(err)
	}
	job, err = app.FindRecordById(job.Collection(), job.Id)
	if err != nil {
		t.Fatal(err)
	}
	token, err := fx.Workstation.NewFileToken()
	if err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]string{
		"print_file": "JaneDoe_Filament_Blue_LINK01.gcode",
		"model":      "JaneDoe_Filament_Blue_LINK01.3mf",
	} {
		stored := job.GetString(field)
		if stored == want {
			t.Fatalf("%s: the fixture's stored name is already the standard one", field)
		}
		rec := testapp.Do(t, app, httptest.NewRequest("GET", "/api/files/jobs/"+job.Id+"/"+stored+"?token="+token+"&download=1", nil))
		cd := rec.Header().Get("Content-Disposition")
		if rec.Code != 200 || cd != "attachment; filename="+want {
			t.Errorf("%s: %d, Content-Disposition %q, want the standard name %s", field, rec.Code, cd, want)
		}
	}

	// A job without the name fields keeps PocketBase's stored name.
	job.Set("print_name", "")
	if err := app.Save(job); err != nil {
		t.Fatal(err)
	}
	rec := testapp.Do(t, app, httptest.NewRequest("GET", "/api/files/jobs/"+job.Id+"/"+job.GetString("print_file")+"?token="+token+"&download=1", nil))
	if cd := rec.Header().Get("Content-Disposition"); rec.Code != 200 || !strings.HasSuffix(cd, "filename="+job.GetString("print_file")) {
		t.Errorf("without print_name: %d %q", rec.Code, cd)
	}
}
