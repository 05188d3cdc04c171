//go:build !windows && !darwin

package notify

import (
	"fmt"
	"os"
	"os/exec"
)

// Error writes msg to stderr and, when notify-send exists, shows it as a desktop notification.
// The message follows "--" so a leading dash cannot be read as an option.
func Error(msg string) {
	msg = clip(msg)
	fmt.Fprintln(os.Stderr, msg)
	if p, err := exec.LookPath("notify-send"); err == nil {
		_ = exec.Command(p, "--urgency=critical", "--app-name="+Title, "--", Title, msg).Run()
	}
}
