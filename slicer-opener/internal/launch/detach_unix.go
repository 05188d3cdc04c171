//go:build !windows

package launch

import (
	"os/exec"
	"syscall"
)

// detach starts the slicer in its own session so that it survives the helper and is not killed
// with the terminal or the browser process that started the helper.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
}
