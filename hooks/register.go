// Package hooks wires PrintLab's capability packages to PocketBase. It holds no
// business rules of its own: main and every test app call the same Register, so
// tests run the application the binary runs.
package hooks

import (
	"io/fs"
	"os"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	"printlab/cmd/modelcmd"
	"printlab/hooks/demo"
	"printlab/hooks/desk"
	"printlab/hooks/guard"
	"printlab/hooks/intake"
	"printlab/hooks/integrity"
	"printlab/hooks/jobs"
	"printlab/hooks/mail"
	"printlab/hooks/ops"
	"printlab/hooks/schedule"
	"printlab/hooks/settings"
	"printlab/hooks/signin"
	"printlab/hooks/stmts"
	"printlab/schema"
)

// Options are what main knows and the capabilities need.
type Options struct {
	// Version is the build's version string, shown by the health endpoint.
	Version string
	// PublicFS is the static front end; nil serves none (tests of the API alone).
	PublicFS fs.FS
}

// Register binds every hook and route of PrintLab to app.
func Register(app core.App, opts Options) {
	settings.Register(app)
	// Who acts, the materials and the printers are read by every move, the
	// signed-in workstation or superuser by every request.
	stmts.CacheRecords(app, append([]string{schema.Staff, schema.Materials, schema.Printers}, signin.Cached...)...)
	guard.Register(app)
	signin.Register(app)
	desk.Register(app)
	desk.RegisterLinks(app)
	intake.Register(app)
	mail.Register(app)
	integrity.Register(app)
	schedule.Register(app, schedule.Options{Archive: jobs.Archive, Integrity: integrity.Scheduled})
	ops.Register(app, ops.Options{Version: opts.Version, PublicFS: opts.PublicFS})
}

// RegisterCommands adds PrintLab's own command-line commands (beside PocketBase's
// serve, superuser and migrate).
func RegisterCommands(app *pocketbase.PocketBase) {
	demo.RegisterCommand(app)
	integrity.RegisterCommand(app)
	app.RootCmd.AddCommand(&cobra.Command{
		Use:                "model FILE [--json] [--thumb OUT.png] [--size N]",
		Short:              "Analyse a 3D model (STL, OBJ, 3MF) or read a sliced file's estimate, as the server would",
		DisableFlagParsing: true, // modelcmd parses its own flags
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := modelcmd.Run(args, cmd.OutOrStdout(), cmd.ErrOrStderr()); code != 0 {
				os.Exit(code)
			}
			return nil
		},
	})
}
