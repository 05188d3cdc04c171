package launch

import (
	"os/exec"
	"syscall"
)

// detach starts the slicer in its own process group so that it is not tied to the helper, which
// exits right after.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}
