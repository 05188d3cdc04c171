package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// The Windows build is a GUI program (-H windowsgui) so that a console window does not flash up
// every time the browser opens a link. When started from a terminal for install, detect or
// config, it attaches to that terminal so its output is still seen.
func init() {
	if h, err := windows.GetStdHandle(windows.STD_OUTPUT_HANDLE); err == nil && h != 0 && h != windows.InvalidHandle {
		return // output is already going somewhere (a redirect or a console build)
	}
	const attachParentProcess = ^uintptr(0)
	attach := windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")
	if attach.Find() != nil {
		return
	}
	if r, _, _ := attach.Call(attachParentProcess); r == 0 {
		return
	}
	if f, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0); err == nil {
		os.Stdout, os.Stderr = f, f
	}
}
