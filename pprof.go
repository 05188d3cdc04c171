//go:build pprof

// Built only with -tags pprof, for performance work (BENCHMARKS.md): serves
// net/http/pprof on PRINTLAB_PPROF (e.g. 127.0.0.1:6060) beside the app.
package main

import (
	"log"
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	if addr := os.Getenv("PRINTLAB_PPROF"); addr != "" {
		go func() { log.Println(http.ListenAndServe(addr, nil)) }()
	}
}
