package mail_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"printlab/hooks/mail"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"printlab/hooks/settings"
	"printlab/internal/testapp"
	"printlab/schema"
)

func TestMain(m *testing.M) { testapp.Main(m) }

const publicURL = "https://print.lab.example.edu"

// newApp returns a seeded app whose lab settings have a recognisable public
// URL, with the mail hooks registered (once, whether or not hooks.Register
// already does it).
func newApp(t testing.TB) (*tests.TestApp, *testapp.Fixtures, settings.Lab) {
	t.Helper()
	app, fx := testapp.NewSeeded(t)
	t.Cleanup(app.Cleanup)
	mail.Register(app)
	rec, err := settings.Record(app)
	if err != nil {
		t.Fatal(err)
	}
	rec.Set("public_url", publicURL)
	rec.Set("contact_email", "makerspace@example.edu")
	if err := app.Save(rec); err != nil {
		t.Fatal(err)
	}
	lab, err := settings.Load(app)
	if err != nil {
		t.Fatal(err)
	}
	app.Settings().Meta.SenderName = "Makerspace 3D Printing"
	app.Settings().Meta.SenderAddress = "noreply@lab.example.edu"
	return app, fx, lab
}

var jobSeq atomic.Int64

// newJob saves a job with the fields the submit page would have set.
func newJob(t testing.TB, app core.App, fx *testapp.Fixtures, fields map[string]any) *core.Record {
	t.Helper()
	col, err := app.FindCollectionByNameOrId(schema.Jobs)
	if err != nil {
		t.Fatal(err)
	}
	n := jobSeq.Add(1)
	r := core.NewRecord(col)
	r.Load(map[string]any{
		"short_id":     fmt.Sprintf("T%06d", n),
		"status":       string(schema.StatusUploaded),
		"first_name":   "Jane",
		"last_name":    "Doe",
		"email":        fmt.Sprintf("jane%d@student.example.edu", n),
		"discipline":   "Architecture",
		"course":       "ARCH 4000",
		"method":       schema.MethodFilament,
		"material":     fx.Material.Id,
		"color":        "True Red",
		"printer":      fx.Printer.Id,
		"display_name": fmt.Sprintf("JaneDoe_Filament_TrueRed_T%06d.stl", n),
		"quote_cents":  1234,
		"grams":        110.4,
		"hours":        3.2,
	})
	for k, v := range fields {
		r.Set(k, v)
	}
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	return r
}

// statusPath and confirmPath are the student links the engine builds.
func statusPath(job *core.Record) string  { return "/status/" + job.Id + "?key=statuskey" + job.Id }
func confirmPath(job *core.Record) string { return "/confirm/token" + job.Id }

// message builds a message of kind for job with every field a template uses.
func message(job *core.Record, kind mail.Kind, key string) mail.Message {
	return mail.Message{Job: job, Kind: kind, DedupeKey: key, Data: mail.Data{
		StatusURL:      statusPath(job),
		ConfirmURL:     confirmPath(job),
		ConfirmExpires: time.Date(2026, 3, 6, 22, 30, 0, 0, time.UTC),
		Reasons:        []string{"walls too thin", "not manifold / has holes"},
		Note:           "Please thicken the base.",
		CancelReason:   "changed my mind",
		CancelledBy:    "student",
		FinalCents:     1399,
		FinalGrams:     126.2,
		PaymentRef:     "TC-99812",
		PickedUpBy:     "Jane Doe",
		ReminderDay:    7,
	}}
}

func enqueue(t testing.TB, app core.App, lab settings.Lab, msg mail.Message) *core.Record {
	t.Helper()
	var rec *core.Record
	err := app.RunInTransaction(func(tx core.App) error {
		var err error
		rec, err = mail.Enqueue(tx, lab, msg)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func useSMTP(app core.App, port int) {
	s := app.Settings()
	s.SMTP.Enabled = true
	s.SMTP.Host = "127.0.0.1"
	s.SMTP.Port = port
	s.SMTP.TLS = false
	s.SMTP.Username = ""
	s.SMTP.Password = ""
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// mailpitBinary finds mailpit on PATH or in GOPATH/bin. Without it the test
// is skipped on a developer machine but fails in CI, where .ci/run installs it.
func mailpitBinary(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gopath = string(out[:len(out)-1])
		}
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", "mailpit")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("mailpit is not installed; run: go install github.com/axllent/mailpit@v1.33.1")
	}
	t.Skip("mailpit is not installed (go install github.com/axllent/mailpit@v1.33.1); skipping the real-SMTP test")
	return ""
}

// mailpit is a real SMTP server with a REST API, run on free ports.
type mailpit struct {
	t        testing.TB
	bin      string
	smtpPort int
	httpPort int
	cmd      *exec.Cmd
	extra    []string
}

// startMailpit runs mailpit with extra flags (e.g. to refuse recipients).
func startMailpit(t testing.TB, extra ...string) *mailpit {
	t.Helper()
	m := &mailpit{t: t, bin: mailpitBinary(t), smtpPort: freePort(t), httpPort: freePort(t), extra: extra}
	m.start()
	t.Cleanup(m.stop)
	return m
}

func (m *mailpit) start() {
	m.t.Helper()
	args := append([]string{
		"--smtp", "127.0.0.1:" + strconv.Itoa(m.smtpPort),
		"--listen", "127.0.0.1:" + strconv.Itoa(m.httpPort),
		"--max", "0", "--quiet",
		"--smtp-disable-rdns",
	}, m.extra...)
	m.cmd = exec.Command(m.bin, args...)
	if err := m.cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(m.smtpPort), 200*time.Millisecond)
		if err == nil {
			c.Close()
			if resp, err := http.Get(m.url("/api/v1/messages")); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	m.t.Fatal("mailpit did not start")
}

func (m *mailpit) stop() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	m.cmd.Process.Kill()
	m.cmd.Wait()
	m.cmd = nil
}

func (m *mailpit) url(path string) string {
	return "http://127.0.0.1:" + strconv.Itoa(m.httpPort) + path
}

type mpAddress struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

type mpSummary struct {
	ID        string      `json:"ID"`
	MessageID string      `json:"MessageID"`
	To        []mpAddress `json:"To"`
	Subject   string      `json:"Subject"`
	Created   time.Time   `json:"Created"`
}

type mpMessage struct {
	ID        string      `json:"ID"`
	MessageID string      `json:"MessageID"`
	From      mpAddress   `json:"From"`
	To        []mpAddress `json:"To"`
	Subject   string      `json:"Subject"`
	Text      string      `json:"Text"`
	HTML      string      `json:"HTML"`
}

func (m *mailpit) getJSON(path string, dst any) {
	m.t.Helper()
	resp, err := http.Get(m.url(path))
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		m.t.Fatalf("mailpit %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(dst); err != nil {
		m.t.Fatal(err)
	}
}

// list returns every message, oldest first.
func (m *mailpit) list() []mpSummary {
	m.t.Helper()
	var out struct {
		Total    int         `json:"total"`
		Messages []mpSummary `json:"messages"`
	}
	m.getJSON("/api/v1/messages?limit=5000", &out)
	for i, j := 0, len(out.Messages)-1; i < j; i, j = i+1, j-1 {
		out.Messages[i], out.Messages[j] = out.Messages[j], out.Messages[i]
	}
	return out.Messages
}

func (m *mailpit) message(id string) mpMessage {
	m.t.Helper()
	var out mpMessage
	m.getJSON("/api/v1/message/"+id, &out)
	return out
}

// fakeSMTP is a minimal SMTP server on loopback: rcpt decides the answer to
// each RCPT TO (e.g. "250 ok", "451 try later", "550 no such mailbox"); it
// returns the port and a counter of messages accepted after DATA.
func fakeSMTP(t testing.TB, rcpt func(addr string) string) (int, *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var delivered atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				r := bufio.NewReader(c)
				fmt.Fprint(c, "220 fake ESMTP\r\n")
				inData := false
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if inData {
						if line == ".\r\n" {
							inData = false
							delivered.Add(1)
							fmt.Fprint(c, "250 queued\r\n")
						}
						continue
					}
					cmd := strings.ToUpper(strings.TrimSpace(line))
					switch {
					case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
						fmt.Fprint(c, "250 fake\r\n")
					case strings.HasPrefix(cmd, "RCPT"):
						addr := strings.Trim(strings.TrimSpace(line[strings.Index(line, ":")+1:]), "<>")
						fmt.Fprint(c, rcpt(strings.ToLower(addr))+"\r\n")
					case cmd == "DATA":
						inData = true
						fmt.Fprint(c, "354 go ahead\r\n")
					case strings.HasPrefix(cmd, "QUIT"):
						fmt.Fprint(c, "221 bye\r\n")
						return
					default:
						fmt.Fprint(c, "250 ok\r\n")
					}
				}
			}(c)
		}
	}()
	return l.Addr().(*net.TCPAddr).Port, &delivered
}
