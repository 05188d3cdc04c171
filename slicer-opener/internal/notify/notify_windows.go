package notify

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

var messageBox = windows.NewLazySystemDLL("user32.dll").NewProc("MessageBoxW")

// Error shows msg in a Windows message box (and on stderr, for a terminal).
func Error(msg string) {
	msg = clip(msg)
	fmt.Fprintln(os.Stderr, msg)
	text, err1 := windows.UTF16PtrFromString(msg)
	title, err2 := windows.UTF16PtrFromString(Title)
	if err1 != nil || err2 != nil || messageBox.Find() != nil {
		return
	}
	const mbOK, mbIconError, mbSetForeground = 0x0, 0x10, 0x10000
	messageBox.Call(0, uintptr(unsafe.Pointer(text)), uintptr(unsafe.Pointer(title)), mbOK|mbIconError|mbSetForeground)
}
