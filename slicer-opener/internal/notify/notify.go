// Package notify shows an error to the person at the staff PC. The helper usually runs without
// a terminal (the browser starts it), so a message on stderr alone would never be seen.
package notify

import "strings"

// Title is the caption of every message.
const Title = "PrintLab Slicer Opener"

// MaxLen caps a message: dialogs with a wall of text are not read.
const MaxLen = 600

// clip keeps a message to MaxLen bytes without cutting a character in half.
func clip(msg string) string {
	msg = strings.TrimSpace(msg)
	if len(msg) <= MaxLen {
		return msg
	}
	cut := MaxLen
	for cut > 0 && msg[cut]&0xC0 == 0x80 {
		cut--
	}
	return msg[:cut] + "…"
}
