package notify

import (
	"fmt"
	"os"
	"os/exec"
)

// Error shows msg in a dialog through osascript. The message is passed as a script argument
// (argv), never spliced into the script text, so quotes in it cannot change the script.
func Error(msg string) {
	msg = clip(msg)
	fmt.Fprintln(os.Stderr, msg)
	_ = exec.Command("osascript",
		"-e", "on run argv",
		"-e", `display dialog (item 1 of argv) with title (item 2 of argv) buttons {"OK"} default button 1 with icon stop`,
		"-e", "end run",
		"--", msg, Title).Run()
}
