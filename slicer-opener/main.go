// Command slicer-opener is PrintLab's staff-PC helper: it handles printjob:// links from the
// dashboard by downloading the job's file from the configured PrintLab server, checking it, and
// opening it in the slicer set for its file type.
//
//	slicer-opener install [-server URL]   register printjob:// links for this user
//	slicer-opener uninstall               remove that registration
//	slicer-opener detect [-reset]         find installed slicers and write them to the config
//	slicer-opener open LINK               handle one link (what the OS calls)
//	slicer-opener config [set KEY VALUE]  show the config file, or change one setting
//	slicer-opener version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"printlab/slicer-opener/internal/config"
	"printlab/slicer-opener/internal/detect"
	"printlab/slicer-opener/internal/fetch"
	"printlab/slicer-opener/internal/link"
	"printlab/slicer-opener/internal/notify"
	"printlab/slicer-opener/internal/opener"
	"printlab/slicer-opener/internal/register"
	"printlab/slicer-opener/internal/rotlog"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `slicer-opener: opens PrintLab print jobs in your slicer.

Usage:
  slicer-opener install [-server URL]   register printjob:// links for this user
  slicer-opener uninstall               remove that registration
  slicer-opener detect [-reset]         find installed slicers and write them to the config
  slicer-opener open LINK               handle one printjob:// link (the OS calls this)
  slicer-opener config                  show the config file and its contents
  slicer-opener config set KEY VALUE    change one setting (server, workdir, keep_days, slicer.EXT)
  slicer-opener version
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// paths are where the config and the log live.
type paths struct{ config, log string }

func defaultPaths() (paths, error) {
	dir, err := config.Dir()
	if err != nil {
		return paths{}, err
	}
	return paths{filepath.Join(dir, config.FileName), filepath.Join(dir, config.LogName)}, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	p, err := defaultPaths()
	if err != nil {
		fmt.Fprintln(stderr, "slicer-opener:", err)
		return 1
	}
	log := rotlog.Open(p.log)
	fetch.UserAgent = "PrintLab-slicer-opener/" + version
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	if cmd == "open" {
		return cmdOpen(rest, p, log)
	}
	log.Printf("%s %s", cmd, strings.Join(rest, " "))
	switch cmd {
	case "install":
		err = cmdInstall(rest, p, stdout)
	case "uninstall":
		err = cmdUninstall(stdout)
	case "detect":
		err = cmdDetect(rest, p, stdout)
	case "config":
		err = cmdConfig(rest, p, stdout)
	case "version":
		fmt.Fprintf(stdout, "slicer-opener %s (%s/%s)\n", version, runtime.GOOS, runtime.GOARCH)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		log.Printf("%s failed: %v", cmd, err)
		fmt.Fprintln(stderr, "slicer-opener:", err)
		return 1
	}
	log.Printf("%s ok", cmd)
	return 0
}

// cmdOpen handles a link. It is usually started by the browser with no terminal, so every
// failure is also shown in a dialog.
func cmdOpen(args []string, p paths, log *rotlog.Logger) int {
	fail := func(msg string) int {
		notify.Error(msg)
		return 1
	}
	if len(args) != 1 {
		// A link split into several arguments means something broke out of the quotes.
		log.Printf("open refused: %d arguments", len(args))
		return fail("This link was refused: expected exactly one link.")
	}
	cfg, _, err := config.Load(p.config)
	if err != nil {
		log.Printf("open: link=%q config: %v", link.Redact(args[0]), err)
		return fail(fmt.Sprintf("The config file has a mistake, so nothing was opened: %v", err))
	}
	o := &opener.Opener{Config: cfg, Log: log}
	if _, err := o.Open(context.Background(), args[0]); err != nil {
		return fail(err.Error())
	}
	return 0
}

func cmdInstall(args []string, p paths, stdout io.Writer) error {
	fs := flag.NewFlagSet("install", flag.ContinueOnError)
	server := fs.String("server", "", "PrintLab server base URL, e.g. https://printlab.example.edu")
	if err := fs.Parse(args); err != nil {
		return err
	}
	exe, err := selfPath()
	if err != nil {
		return err
	}
	done, err := register.Install(exe)
	for _, d := range done {
		fmt.Fprintln(stdout, d)
	}
	if err != nil {
		return err
	}
	cfg, found, err := config.Load(p.config)
	if err != nil {
		return err
	}
	if *server != "" {
		if err := cfg.Set("server", *server); err != nil {
			return err
		}
	}
	if !found || *server != "" {
		if !found {
			found := detect.Find(detect.DefaultRoots(runtime.GOOS))
			detect.Merge(cfg.Slicers, detect.Assign(found), false)
			fmt.Fprintln(stdout, "slicers:", detect.Describe(found))
		}
		if err := config.Save(p.config, cfg); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "wrote", p.config)
	}
	if cfg.Server == "" {
		fmt.Fprintln(stdout, "next: slicer-opener config set server https://your-printlab-server")
	}
	return nil
}

// selfPath is this program's absolute path with symlinks resolved, so the registration keeps
// working when it was started through a link.
func selfPath() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	if r, err := filepath.EvalSymlinks(exe); err == nil {
		exe = r
	}
	return filepath.Abs(exe)
}

func cmdUninstall(stdout io.Writer) error {
	done, err := register.Uninstall()
	for _, d := range done {
		fmt.Fprintln(stdout, d)
	}
	return err
}

func cmdDetect(args []string, p paths, stdout io.Writer) error {
	fs := flag.NewFlagSet("detect", flag.ContinueOnError)
	reset := fs.Bool("reset", false, "replace every slicer setting with the detected ones")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, _, err := config.Load(p.config)
	if err != nil {
		return err
	}
	found := detect.Find(detect.DefaultRoots(runtime.GOOS))
	for _, f := range found {
		fmt.Fprintf(stdout, "found %-26s %s\n", f.Name, f.Path)
	}
	if len(found) == 0 {
		fmt.Fprintln(stdout, "no slicers found in the usual places; set them in the config by hand")
	}
	changed := detect.Merge(cfg.Slicers, detect.Assign(found), *reset)
	if err := config.Save(p.config, cfg); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "updated %d file type(s) in %s\n", len(changed), p.config)
	for _, ext := range config.Extensions {
		if s, ok := cfg.Slicers[ext]; ok {
			fmt.Fprintf(stdout, "  .%-7s %s\n", ext, s)
		}
	}
	return nil
}

func cmdConfig(args []string, p paths, stdout io.Writer) error {
	cfg, found, err := config.Load(p.config)
	if len(args) == 0 {
		fmt.Fprintln(stdout, "config file:", p.config)
		fmt.Fprintln(stdout, "log file:   ", p.log)
		if err != nil {
			return err
		}
		if !found {
			fmt.Fprintln(stdout, "(no config file yet; these are the defaults)")
		}
		fmt.Fprint(stdout, "\n"+config.Format(cfg))
		return nil
	}
	if len(args) != 3 || args[0] != "set" {
		return errors.New("usage: slicer-opener config set KEY VALUE")
	}
	if err != nil {
		return err
	}
	if err := cfg.Set(args[1], args[2]); err != nil {
		return err
	}
	if err := config.Save(p.config, cfg); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "set %s in %s\n", args[1], p.config)
	return nil
}
