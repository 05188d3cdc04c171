// Package demo fills a data dir with a living lab: staff, a workstation and jobs
// in every status, made through the lifecycle engine, so a newcomer sees a working
// dashboard at once. It is run on request only: `printlab demo`.
package demo

import (
	"crypto/rand"
	"fmt"
	"io"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	"printlab/schema"
)

// Staff are the demo staff members; the last one is inactive, to show that
// deactivated staff stay in history but leave the choice lists.
var Staff = []struct {
	Name   string
	Active bool
}{
	{"Sam Lee", true}, {"Alex Kim", true}, {"Jordan Rivera", true}, {"Casey Morgan", false},
}

// Workstation is the demo lab PC's username.
const Workstation = "frontdesk"

// RegisterCommand adds `printlab demo` to the command line.
func RegisterCommand(app *pocketbase.PocketBase) {
	var password string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Add demo staff, a workstation and jobs to the data dir (for trying PrintLab out)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := app.RunAllMigrations(); err != nil {
				return err
			}
			return Seed(app, password, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&password, "password", "", "the demo workstation's password (random when empty)")
	app.RootCmd.AddCommand(cmd)
}

// Seed adds the demo staff and workstation unless they exist, and prints how to
// sign in. It is safe to run twice.
func Seed(app core.App, password string, out io.Writer) error {
	staffCol, err := app.FindCollectionByNameOrId(schema.Staff)
	if err != nil {
		return err
	}
	for _, s := range Staff {
		if _, err := app.FindFirstRecordByData(schema.Staff, "name", s.Name); err == nil {
			continue
		}
		r := core.NewRecord(staffCol)
		r.Set("name", s.Name)
		r.Set("active", s.Active)
		if !s.Active {
			r.Set("deactivated", "2026-01-15 12:00:00.000Z")
		}
		if err := app.Save(r); err != nil {
			return fmt.Errorf("demo staff %s: %w", s.Name, err)
		}
	}

	if password == "" {
		password = randomPassword()
	}
	ws, err := app.FindFirstRecordByData(schema.Workstations, "username", Workstation)
	if err != nil {
		wsCol, err := app.FindCollectionByNameOrId(schema.Workstations)
		if err != nil {
			return err
		}
		ws = core.NewRecord(wsCol)
		ws.Set("username", Workstation)
		ws.Set("name", "Front Desk")
		ws.Set("can_override", true)
	}
	ws.SetPassword(password)
	if err := app.Save(ws); err != nil {
		return fmt.Errorf("demo workstation: %w", err)
	}

	if err := SeedJobs(app, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "Demo data added.\n  Staff dashboard: sign in as %q with password %q\n", Workstation, password)
	return nil
}

// randomPassword is 16 characters a person can type, from an alphabet without
// look-alikes (0/o, 1/l/i).
func randomPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
