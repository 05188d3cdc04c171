package main

import (
	"embed"
	"io/fs"
	"os"
)

//go:embed all:pb_public
var publicFiles embed.FS

// frontEnd returns the static front end: the folder dir when given (so edits show
// on reload during development), else the copy embedded in the binary.
func frontEnd(dir string) fs.FS {
	if dir != "" {
		return os.DirFS(dir)
	}
	sub, err := fs.Sub(publicFiles, "pb_public")
	if err != nil {
		panic(err) // cannot happen: the folder is embedded at build time
	}
	return sub
}
