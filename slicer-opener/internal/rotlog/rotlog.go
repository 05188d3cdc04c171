// Package rotlog is the helper's small rotating log file.
//
// Each call of the helper appends a few lines; when the file passes MaxSize it is renamed to
// .1 (older ones to .2, .3) so the log never grows without bound on a staff PC.
package rotlog

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Limits of the log.
const (
	MaxSize = 1 << 20 // rotate when the file reaches this many bytes
	Keep    = 3       // rotated files kept: .1 … .3
)

// Logger appends timestamped lines to one file. A Logger whose file cannot be opened still
// works and writes nothing, because a broken log must never stop a file from opening.
type Logger struct {
	mu      sync.Mutex
	path    string
	maxSize int64
	now     func() time.Time
}

// Open returns a logger for path, creating its folder.
func Open(path string) *Logger {
	_ = os.MkdirAll(filepath.Dir(path), 0o700)
	return &Logger{path: path, maxSize: MaxSize, now: time.Now}
}

// Printf writes one line: time, process id, and the formatted text with line breaks escaped so
// that hostile input cannot forge extra log lines.
func (l *Logger) Printf(format string, args ...any) {
	if l == nil || l.path == "" {
		return
	}
	msg := fmt.Sprintf(format, args...)
	msg = strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(msg)
	line := fmt.Sprintf("%s pid=%d %s\n", l.now().Format(time.RFC3339), os.Getpid(), msg)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rotate()
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.WriteString(line)
}

// rotate shifts path → path.1 → … → path.Keep when path is full.
func (l *Logger) rotate() {
	fi, err := os.Stat(l.path)
	if err != nil || fi.Size() < l.maxSize {
		return
	}
	_ = os.Remove(fmt.Sprintf("%s.%d", l.path, Keep))
	for i := Keep - 1; i >= 1; i-- {
		_ = os.Rename(fmt.Sprintf("%s.%d", l.path, i), fmt.Sprintf("%s.%d", l.path, i+1))
	}
	_ = os.Rename(l.path, l.path+".1")
}

// Path is the log file's location.
func (l *Logger) Path() string { return l.path }
