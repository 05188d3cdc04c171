package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/jobs"
	"printlab/schema"
)

// seedCmd writes n active jobs straight into a data dir that `printlab demo`
// prepared: thousands of submissions through the HTTP route would take minutes
// of model analysis that the dashboard's figures do not measure.
func seedCmd(args []string) error {
	fs := flag.NewFlagSet("seed", flag.ExitOnError)
	dir := fs.String("dir", "pb_data", "PrintLab's data dir")
	n := fs.Int("n", 5000, "jobs to add")
	fs.Parse(args)

	app := core.NewBaseApp(core.BaseAppConfig{DataDir: *dir})
	if err := app.Bootstrap(); err != nil {
		return err
	}
	defer app.ResetBootstrapState()
	printer, err := app.FindFirstRecordByFilter(schema.Printers, "method = 'filament' && active = true")
	if err != nil {
		return fmt.Errorf("no filament printer: run printlab demo first: %w", err)
	}
	material, err := app.FindFirstRecordByFilter(schema.Materials, "method = 'filament'", dbx.Params{})
	if err != nil {
		return err
	}
	col, err := app.FindCollectionByNameOrId(schema.Jobs)
	if err != nil {
		return err
	}
	firsts := []string{"Ana", "Ben", "Chloe", "Dev", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jia"}
	lasts := []string{"Silva", "Okafor", "Martin", "Patel", "Nguyen", "Haddad", "Berg", "Kim", "Novak", "Wei"}
	active := []schema.Status{schema.StatusUploaded, schema.StatusPending, schema.StatusReadyToPrint, schema.StatusPrinting, schema.StatusCompleted}
	start := time.Now()
	for batch := 0; batch < *n; batch += 500 {
		err := app.RunInTransaction(func(tx core.App) error {
			for i := batch; i < batch+500 && i < *n; i++ {
				first, last := firsts[i%len(firsts)], lasts[(i/len(firsts))%len(lasts)]
				short := jobs.NewShortID()
				r := core.NewRecord(col)
				r.Load(map[string]any{"short_id": short, "status": string(active[i%len(active)]), "first_name": first, "last_name": last,
					"email": fmt.Sprintf("%s.%s%d@student.example.edu", first, last, i), "discipline": "Engineering",
					"course": fmt.Sprintf("ENGR %d", 100+i%50), "method": "filament", "material": material.Id, "color": "True Red",
					"printer": printer.Id, "reviewed": i%3 != 0, "status_changed": time.Now().Add(-time.Duration(i) * time.Minute),
					"display_name": jobs.StandardName(first, last, "filament", "True Red", short, "stl")})
				if err := tx.SaveNoValidate(r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	fmt.Printf("added %d jobs in %v\n", *n, time.Since(start).Round(time.Millisecond))
	return nil
}
