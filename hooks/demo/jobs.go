package demo

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"

	"printlab/hooks/jobs"
	"printlab/model3d"
	"printlab/model3d/testmesh"
	"printlab/schema"
)

// student is one demo submission and how far along the lifecycle it goes.
type student struct {
	first, last, email, discipline, course string
	resin                                  bool
	color                                  string
	shape                                  func() *model3d.Mesh
	path                                   []jobs.Action // moves made by staff after submission
	ageHours                               float64       // how long ago it was submitted
}

var demoStudents = []student{
	{"Maya", "Chen", "maya.chen@student.example.edu", "Architecture", "ARCH 2110", false, "True White", cube(40), nil, 2},
	{"Omar", "Haddad", "omar.haddad@student.example.edu", "Engineering", "ME 3350", false, "Blue", torus(30, 10), nil, 30},
	{"Lena", "Novak", "lena.novak@student.example.edu", "Art", "ART 1020", true, "Gray", cube(20), []jobs.Action{jobs.ActionReview}, 52},
	{"Diego", "Ramírez", "diego.ramirez@student.example.edu", "Interior Design", "IDES 2200", false, "Forest Green", torus(45, 12), []jobs.Action{jobs.ActionApprove}, 80},
	{"Priya", "Raman", "priya.raman@student.example.edu", "Engineering", "ECE 4410", false, "True Black", cube(60), []jobs.Action{jobs.ActionApprove, jobs.ActionConfirm}, 20},
	{"Sam", "O'Neil", "sam.oneil@student.example.edu", "Hobby/Personal", "N/A", false, "Electric Blue", torus(25, 8), []jobs.Action{jobs.ActionApprove, jobs.ActionConfirm, jobs.ActionStart}, 10},
	{"Hana", "Sato", "hana.sato@student.example.edu", "Landscape Architecture", "LA 3001", true, "Clear", cube(25), []jobs.Action{jobs.ActionApprove, jobs.ActionConfirm, jobs.ActionStart, jobs.ActionComplete}, 40},
	{"Noah", "Williams", "noah.williams@student.example.edu", "Art", "ART 3340", false, "True Gold", torus(35, 9), []jobs.Action{jobs.ActionApprove, jobs.ActionConfirm, jobs.ActionStart, jobs.ActionComplete, jobs.ActionPickup}, 120},
	{"Ava", "Kowalski", "ava.kowalski@student.example.edu", "Other", "N/A", false, "True Red", cube(300), []jobs.Action{jobs.ActionReject}, 60},
	{"Liam", "Brown", "liam.brown@student.example.edu", "Engineering", "ME 1010", false, "Gray", cube(15), []jobs.Action{jobs.ActionCancel}, 26},
	{"Zoe", "Martin", "zoe.martin@student.example.edu", "Architecture", "ARCH 1100", false, "Light Purple", torus(20, 6), []jobs.Action{jobs.ActionApprove, jobs.ActionConfirm, jobs.ActionStart, jobs.ActionComplete, jobs.ActionPickup, jobs.ActionArchive}, 24 * 50},
}

// Students is how many demo jobs SeedJobs creates, one per demo student.
func Students() []string {
	names := make([]string, len(demoStudents))
	for i, st := range demoStudents {
		names[i] = st.first + " " + st.last
	}
	return names
}

func cube(mm float64) func() *model3d.Mesh { return func() *model3d.Mesh { return testmesh.Cube(mm) } }
func torus(r1, r2 float64) func() *model3d.Mesh {
	return func() *model3d.Mesh { return testmesh.Torus(r1, r2, 96, 48) }
}

// SeedJobs submits the demo students' models and moves each job through the
// engine to its demo status, so every tab of the dashboard has something in it.
// It does nothing when jobs exist already.
func SeedJobs(app core.App, out io.Writer) error {
	if n, err := app.CountRecords(schema.Jobs); err != nil || n > 0 {
		return err
	}
	staff, err := app.FindRecordsByFilter(schema.Staff, "active = true", "name", 0, 0)
	if err != nil || len(staff) == 0 {
		return fmt.Errorf("demo jobs need active staff: %v", err)
	}
	ws, err := app.FindFirstRecordByData(schema.Workstations, "username", Workstation)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	for i, st := range demoStudents {
		// The job is sent ageHours ago and its moves are spread evenly over
		// its life since, each made through the engine at its own time, so
		// the ages on the dashboard (in the queue, in this status, waiting
		// on the student) and the history read like a real lab's.
		age := time.Duration(st.ageHours * float64(time.Hour))
		sent := now.Add(-age)
		began := time.Now()
		job, err := submitDemo(app, st, sent)
		if err != nil {
			return fmt.Errorf("demo job for %s: %w", st.first, err)
		}
		if err := dateMove(app, job.Id, began, sent); err != nil {
			return err
		}
		by := jobs.Actor{Kind: jobs.ByStaff, StaffID: staff[i%len(staff)].Id, WorkstationID: ws.Id, CanOverride: true}
		for k, a := range st.path {
			at := sent.Add(age * time.Duration(k+1) / time.Duration(len(st.path)+1))
			req := jobs.Request{JobID: job.Id, Action: a, Expected: schema.Status(job.GetString("status")), By: by, Now: at}
			switch a {
			case jobs.ActionApprove:
				g := model3d.EstimateGrams(model3d.Analyze(st.shape()).VolumeMM3, 1.24, 0.35)
				req.Input = jobs.Input{Grams: &g, Hours: ptrFloat(g / 12)}
			case jobs.ActionConfirm:
				req.Input.Reason = "Student confirmed at the front desk"
			case jobs.ActionReject:
				req.Input = jobs.Input{Reasons: []string{"Too large for the printer", "Not scaled correctly"},
					Note: "The model is 300 mm on each side; please scale it to fit within 250 × 210 × 220 mm."}
			case jobs.ActionCancel:
				req.Input.Reason = "Student asked to cancel by email"
			case jobs.ActionPickup:
				g := job.GetFloat("grams") * 1.04
				req.Input = jobs.Input{Grams: &g, Reference: fmt.Sprintf("POS-%04d", 1200+i), PickedUpBy: st.first + " " + st.last, AcceptOverQuote: true}
			case jobs.ActionArchive:
				req.By, req.Expected = jobs.Actor{Kind: jobs.BySystem}, ""
			}
			began := time.Now()
			if job, err = jobs.Do(app, req); err != nil {
				return fmt.Errorf("demo %s for %s: %w", a, st.first, err)
			}
			if err := dateMove(app, job.Id, began, at); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(out, "  %d demo jobs, one or more in every status.\n", len(demoStudents))
	return nil
}

func ptrFloat(f float64) *float64 { return &f }

// dateMove dates at the rows of the job that a move begun at began wrote with
// the real time (the job itself when it was sent, its events, emails and
// payments). The rows of earlier moves are dated in the past by then, so they
// are left alone. The move set the job's own times (status_changed,
// confirmed_at, …) from the request.
func dateMove(app core.App, jobID string, began, at time.Time) error {
	const layout = "2006-01-02 15:04:05.000Z"
	p := dbx.Params{"job": jobID, "began": began.UTC().Truncate(time.Millisecond).Format(layout), "at": at.UTC().Format(layout)}
	for _, q := range []string{
		"UPDATE jobs SET created = {:at} WHERE id = {:job} AND created >= {:began}",
		"UPDATE events SET created = {:at} WHERE job = {:job} AND created >= {:began}",
		"UPDATE emails SET created = {:at}, next_attempt = {:at} WHERE job = {:job} AND created >= {:began}",
		"UPDATE payments SET created = {:at} WHERE job = {:job} AND created >= {:began}",
	} {
		if _, err := app.DB().NewQuery(q).Bind(p).Execute(); err != nil {
			return err
		}
	}
	return nil
}

// submitDemo stores a generated STL and its thumbnail and creates the job
// through the engine, as the submit route does.
func submitDemo(app core.App, st student, now time.Time) (*core.Record, error) {
	mesh := st.shape()
	var stl, png bytes.Buffer
	if err := model3d.WriteBinarySTL(&stl, mesh); err != nil {
		return nil, err
	}
	if err := model3d.ThumbnailWith(&png, mesh, 256, model3d.RenderOptions{Color: model3d.ColorFor(st.color)}); err != nil {
		return nil, err
	}
	stats := model3d.Analyze(mesh)
	method, materialName, printerName := schema.MethodFilament, "PLA", "Prusa MK4S"
	if st.resin {
		method, materialName, printerName = schema.MethodResin, "Resin", "Formlabs Form 3"
	}
	material, err := app.FindFirstRecordByData(schema.Materials, "name", materialName)
	if err != nil {
		return nil, err
	}
	printer, err := app.FindFirstRecordByData(schema.Printers, "name", printerName)
	if err != nil {
		return nil, err
	}
	model, err := filesystem.NewFileFromBytes(stl.Bytes(), "model.stl")
	if err != nil {
		return nil, err
	}
	thumb, err := filesystem.NewFileFromBytes(png.Bytes(), "thumbnail.png")
	if err != nil {
		return nil, err
	}
	col, err := app.FindCollectionByNameOrId(schema.Jobs)
	if err != nil {
		return nil, err
	}
	job := core.NewRecord(col)
	job.Load(map[string]any{
		"first_name": st.first, "last_name": st.last, "email": st.email, "discipline": st.discipline,
		"course": st.course, "method": method, "material": material.Id, "color": st.color, "printer": printer.Id,
		"ack_min_charge": true, "ack_mm": true, "original_name": st.first + "-model.stl", "model_stats": stats,
		"model": model, "thumbnail": thumb, "sha256": fmt.Sprintf("%x", sha256.Sum256(stl.Bytes())),
	})
	job, _, err = jobs.Submit(app, job, "stl", now)
	return job, err
}
