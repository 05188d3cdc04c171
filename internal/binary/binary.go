// Package binary starts the built printlab binary for black-box tests and
// benchmarks: serve on a free port with a fresh data dir, wait for health.
package binary

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var build struct {
	once sync.Once
	path string
	err  error
}

// Path returns the printlab binary: $PRINTLAB_BIN when set (make test builds it
// first), else one built once into a temp dir.
func Path(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("PRINTLAB_BIN"); p != "" {
		return p
	}
	build.once.Do(func() {
		dir, err := os.MkdirTemp("", "printlab-bin-")
		if err != nil {
			build.err = err
			return
		}
		build.path = filepath.Join(dir, "printlab")
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		cmd := exec.Command("go", "build", "-o", build.path, ".")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if build.err != nil {
		tb.Fatal(build.err)
	}
	return build.path
}

// Server is a running printlab serve process.
type Server struct {
	URL     string
	DataDir string
	Cmd     *exec.Cmd
	// Ready is how long the process took from start to its first health 200.
	Ready time.Duration
	out   *bytes.Buffer
}

// FreeAddr returns a loopback address with a free port.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Start runs `printlab serve` on dataDir (a new temp dir when empty) and waits
// until health answers 200. The process is stopped at the end of the test.
func Start(tb testing.TB, dataDir string, extraArgs ...string) *Server {
	tb.Helper()
	bin := Path(tb)
	if dataDir == "" {
		dataDir = tb.TempDir()
	}
	addr := FreeAddr(tb)
	args := append([]string{"serve", "--http=" + addr, "--dir=" + dataDir}, extraArgs...)
	cmd := exec.Command(bin, args...)
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	began := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	s := &Server{URL: "http://" + addr, DataDir: dataDir, Cmd: cmd, out: out}
	tb.Cleanup(s.Stop)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get(s.URL + "/api/printlab/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				s.Ready = time.Since(began)
				return s
			}
		}
		if ctx.Err() != nil {
			tb.Fatalf("printlab did not become healthy in 20 s; output:\n%s", out.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Stop ends the process (interrupt, then kill after 5 s).
func (s *Server) Stop() {
	if s.Cmd.Process == nil || s.Cmd.ProcessState != nil {
		return
	}
	_ = s.Cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.Cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.Cmd.Process.Kill()
		<-done
	}
}

// Output is what the process printed so far.
func (s *Server) Output() string { return s.out.String() }

// RSS is the process's resident memory in bytes (Linux).
func (s *Server) RSS() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.Cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("VmRSS not found")
}
