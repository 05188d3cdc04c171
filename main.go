// Command printlab runs PrintLab: the 3D-print service desk of a makerspace, one
// binary with an embedded database, admin UI and front end.
package main

import (
	"log"
	"os"
	"runtime/debug"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/plugins/migratecmd"

	"printlab/cmd/modelcmd"
	"printlab/hooks"
	_ "printlab/pb_migrations"
)

// version is set at build time: go build -ldflags "-X main.version=1.2.3".
var version = "dev"

func main() {
	// `printlab model FILE` needs no database: answer it before PocketBase boots
	// (opening the data dir would cost more than analysing most models).
	if len(os.Args) > 1 && os.Args[1] == "model" {
		os.Exit(modelcmd.Run(os.Args[2:], os.Stdout, os.Stderr))
	}

	// A desk server's heap is small and steady: collecting at twice its live
	// size instead of Go's default (once more) halves the collector's share of
	// a busy desk's CPU (BENCHMARKS.md). GOGC in the environment still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}

	app := pocketbase.NewWithConfig(dbConfig("./pb_data"))
	app.RootCmd.Use = "printlab"
	app.RootCmd.Short = "PrintLab: the 3D-print service desk of a makerspace"
	app.RootCmd.Version = version
	checkpointer(app)

	var publicDir string
	app.RootCmd.PersistentFlags().StringVar(&publicDir, "publicDir", "",
		"serve the front end from this folder instead of the embedded copy (development)")
	_ = app.RootCmd.ParseFlags(os.Args[1:])

	migratecmd.MustRegister(app, app.RootCmd, migratecmd.Config{
		Dir:          "pb_migrations",
		TemplateLang: migratecmd.TemplateLangGo,
	})

	hooks.Register(app, hooks.Options{Version: version, PublicFS: frontEnd(publicDir)})
	hooks.RegisterCommands(app)

	if err := app.Start(); err != nil {
		log.Fatal(err)
	}
}
