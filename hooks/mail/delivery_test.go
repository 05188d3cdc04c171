package mail_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	netmail "net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"printlab/hooks/mail"
	"printlab/hooks/pace"
	"printlab/internal/testapp"
	"printlab/schema"
)

var linkRE = regexp.MustCompile(`https?://[^\s"<>]+`)

// Every kind of email reaches a real SMTP server with the right recipient,
// subject, both parts, its own Message-ID and links that point at the lab's
// public URL.
func TestEveryKindArrives(t *testing.T) {
	mp := startMailpit(t)
	app, fx, lab := newApp(t)
	useSMTP(app, mp.smtpPort)
	job := newJob(t, app, fx, nil)
	rows := map[string]*core.Record{}
	for _, kind := range mail.Kinds() {
		r := enqueue(t, app, lab, message(job, kind, "arrive:"+string(kind)))
		rows[r.GetString("subject")] = r
	}
	w := mail.NewWorker(app, mail.Options{})
	res, err := w.Drain(context.Background(), time.Now())
	if err != nil || res.Sent != len(mail.Kinds()) {
		t.Fatalf("drain: %v, %v", res, err)
	}

	list := mp.list()
	if len(list) != len(mail.Kinds()) {
		t.Fatalf("%d messages arrived, want %d", len(list), len(mail.Kinds()))
	}
	for _, s := range list {
		m := mp.message(s.ID)
		row, ok := rows[m.Subject]
		if !ok {
			t.Errorf("unexpected subject %q", m.Subject)
			continue
		}
		if len(m.To) != 1 || m.To[0].Address != job.GetString("email") {
			t.Errorf("%s: to %v", m.Subject, m.To)
		}
		if m.From.Address != "noreply@lab.example.edu" || m.From.Name != "Makerspace 3D Printing" {
			t.Errorf("%s: from %v", m.Subject, m.From)
		}
		if "<"+m.MessageID+">" != row.GetString("message_id") {
			t.Errorf("%s: Message-ID %q, row has %q", m.Subject, m.MessageID, row.GetString("message_id"))
		}
		if strings.TrimSpace(m.Text) == "" || strings.TrimSpace(m.HTML) == "" {
			t.Errorf("%s: a part is missing", m.Subject)
		}
		links := append(linkRE.FindAllString(m.Text, -1), linkRE.FindAllString(m.HTML, -1)...)
		var status bool
		for _, l := range links {
			l = strings.ReplaceAll(l, "&amp;", "&")
			if !strings.HasPrefix(l, publicURL+"/") {
				t.Errorf("%s: link %q is not under %s", m.Subject, l, publicURL)
			}
			if l == publicURL+statusPath(job) {
				status = true
			}
		}
		if !status {
			t.Errorf("%s: no link to the status page", m.Subject)
		}
		if kind := row.GetString("kind"); kind == string(mail.KindConfirm) && !strings.Contains(m.Text, publicURL+confirmPath(job)) {
			t.Errorf("the confirm email lacks the confirm link")
		}
		got, _ := app.FindRecordById(schema.Emails, row.Id)
		if got.GetString("state") != schema.EmailSent || got.GetDateTime("sent_at").IsZero() {
			t.Errorf("%s: row state %q", m.Subject, got.GetString("state"))
		}
	}
}

// An SMTP outage: 20 emails across 4 jobs are queued while the server is down
// (queueing never waits on SMTP), retried with backoff, and all arrive exactly
// once and in order per job when it is back.
func TestOutageThenRecovery(t *testing.T) {
	mp := startMailpit(t)
	app, fx, lab := newApp(t)
	useSMTP(app, mp.smtpPort)
	mp.stop()

	kinds := []mail.Kind{mail.KindReceived, mail.KindConfirm, mail.KindConfirmReminder, mail.KindReady, mail.KindReceipt}
	var jobs []*core.Record
	for range 4 {
		jobs = append(jobs, newJob(t, app, fx, nil))
	}
	var slowest time.Duration
	for _, k := range kinds {
		for _, j := range jobs {
			start := time.Now()
			enqueue(t, app, lab, message(j, k, string(k)+":"+j.Id))
			slowest = max(slowest, time.Since(start))
		}
	}
	if slowest > 250*time.Millisecond {
		t.Errorf("queueing took %v while SMTP was down", slowest)
	}

	w := mail.NewWorker(app, mail.Options{AttemptTimeout: time.Second})
	t0 := time.Now()
	res, err := w.Drain(context.Background(), t0)
	if err == nil || res.Sent != 0 || res.Retried != 20 {
		t.Fatalf("with the server down: %v, %v", res, err)
	}
	if res, _ := w.Drain(context.Background(), t0.Add(30*time.Second)); res != (mail.Result{}) {
		t.Fatalf("rows were retried before their backoff: %v", res)
	}

	mp.start()
	total := 0
	now := t0.Add(2 * time.Minute)
	for range 5 {
		res, err := w.Drain(context.Background(), now)
		if err != nil {
			t.Fatal(err)
		}
		total += res.Sent
		now = now.Add(time.Minute)
	}
	if total != 20 {
		t.Fatalf("%d sent after recovery, want 20", total)
	}
	list := mp.list()
	if len(list) != 20 {
		t.Fatalf("%d messages arrived, want 20", len(list))
	}
	seen := map[string]bool{}
	order := map[string][]string{}
	for _, m := range list {
		if seen[m.MessageID] {
			t.Errorf("message %s arrived twice", m.MessageID)
		}
		seen[m.MessageID] = true
		order[m.To[0].Address] = append(order[m.To[0].Address], m.Subject)
	}
	for _, j := range jobs {
		got := order[j.GetString("email")]
		if len(got) != len(kinds) {
			t.Fatalf("job %s: %d messages", j.Id, len(got))
		}
		for i, k := range kinds {
			if want, _ := mail.RenderSubject(app, lab, j, k, message(j, k, "").Data); got[i] != want {
				t.Errorf("job %s message %d: %q, want %q", j.Id, i, got[i], want)
			}
		}
	}
}

// When the server refuses one message, that job's later emails wait behind
// its retry (order per job) while other jobs' emails still go out on the same
// connection.
func TestRefusedMessageHoldsItsJobOnly(t *testing.T) {
	// "Try again later" for one mailbox; the others are accepted.
	port, delivered := fakeSMTP(t, func(addr string) string {
		if strings.HasPrefix(addr, "nobody@") {
			return "451 4.7.1 Greylisted, try again later"
		}
		return "250 ok"
	})
	app, fx, lab := newApp(t)
	useSMTP(app, port)
	refused := newJob(t, app, fx, map[string]any{"email": "nobody@student.example.edu"})
	fine := newJob(t, app, fx, nil)
	first := enqueue(t, app, lab, message(refused, mail.KindReceived, "r1"))
	second := enqueue(t, app, lab, message(refused, mail.KindConfirm, "r2"))
	enqueue(t, app, lab, message(fine, mail.KindReceived, "f1"))
	enqueue(t, app, lab, message(fine, mail.KindConfirm, "f2"))

	w := mail.NewWorker(app, mail.Options{Senders: 1, AttemptTimeout: 5 * time.Second})
	now := time.Now()
	res, err := w.Drain(context.Background(), now)
	if err != nil || res.Sent != 2 || res.Retried != 1 {
		t.Fatalf("%v %v", res, err)
	}
	if n := delivered.Load(); n != 2 {
		t.Errorf("%d messages arrived, want the other job's 2", n)
	}
	got, _ := app.FindRecordById(schema.Emails, first.Id)
	if got.GetString("state") != schema.EmailQueued || got.GetInt("attempts") != 1 || got.GetString("last_error") == "" {
		t.Errorf("refused row: %q attempts %d error %q", got.GetString("state"), got.GetInt("attempts"), got.GetString("last_error"))
	}
	got, _ = app.FindRecordById(schema.Emails, second.Id)
	if got.GetString("state") != schema.EmailQueued || got.GetInt("attempts") != 0 {
		t.Errorf("the job's later email was tried before the first: %q attempts %d", got.GetString("state"), got.GetInt("attempts"))
	}
	if res, _ := w.Drain(context.Background(), now.Add(10*time.Second)); res != (mail.Result{}) {
		t.Errorf("the later email went out while the first waits for its retry: %v", res)
	}
}

// A server that accepts the connection and never answers: the attempt gives up
// at its deadline and schedules a retry, and queueing stays instant meanwhile.
func TestStalledServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never answered
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()

	app, fx, lab := newApp(t)
	useSMTP(app, l.Addr().(*net.TCPAddr).Port)
	job := newJob(t, app, fx, nil)
	row := enqueue(t, app, lab, message(job, mail.KindReceived, "stall"))
	other := newJob(t, app, fx, nil)
	enqueue(t, app, lab, message(other, mail.KindReceived, "stall-other"))

	w := mail.NewWorker(app, mail.Options{AttemptTimeout: time.Second})
	now := time.Now()
	done := make(chan error, 1)
	start := time.Now()
	go func() { _, err := w.Drain(context.Background(), now); done <- err }()

	time.Sleep(200 * time.Millisecond) // the worker is now waiting on the server
	q := time.Now()
	enqueue(t, app, lab, message(newJob(t, app, fx, nil), mail.KindReceived, "while-stalled"))
	if d := time.Since(q); d > 250*time.Millisecond {
		t.Errorf("queueing took %v while the worker waited on SMTP", d)
	}

	select {
	case err = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the attempt did not give up")
	}
	elapsed := time.Since(start)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("drain error %v, want a timeout", err)
	}
	if elapsed < 900*time.Millisecond || elapsed > 3*time.Second {
		t.Errorf("the attempt took %v, want about the 1 s deadline", elapsed)
	}
	got, _ := app.FindRecordById(schema.Emails, row.Id)
	if got.GetString("state") != schema.EmailQueued || got.GetInt("attempts") != 1 {
		t.Fatalf("state %q attempts %d", got.GetString("state"), got.GetInt("attempts"))
	}
	next := got.GetDateTime("next_attempt").Time()
	if d := next.Sub(now); d < 59*time.Second || d > 61*time.Second {
		t.Errorf("the retry is %v away, want the first backoff (1 min)", d)
	}
	if !strings.Contains(got.GetString("last_error"), "timeout") {
		t.Errorf("last error %q", got.GetString("last_error"))
	}
}

// After the last retry an email is failed, the dashboard's status route warns,
// and staff's mail.Resend delivers it.
// resend queues a copy of email id in its own transaction, as the desk's
// Resend route does.
func resend(t *testing.T, app core.App, id string, now time.Time) *core.Record {
	t.Helper()
	var resent *core.Record
	if err := app.RunInTransaction(func(tx core.App) error {
		var err error
		resent, err = mail.Resend(tx, id, now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return resent
}

// TestResendGoesToTheCorrectedAddress: a student typed their address wrong,
// the emails failed, staff corrected the job's email in the admin UI; Resend
// sends the copy to the corrected address.
func TestResendGoesToTheCorrectedAddress(t *testing.T) {
	mp := startMailpit(t)
	app, fx, lab := newApp(t)
	useSMTP(app, mp.smtpPort)
	job := newJob(t, app, fx, map[string]any{"email": "jane.doe@studnet.example.edu"})
	row := enqueue(t, app, lab, message(job, mail.KindReady, "ready:"+job.Id))
	job.Set("email", "jane.doe@student.example.edu")
	if err := app.Save(job); err != nil {
		t.Fatal(err)
	}
	resent := resend(t, app, row.Id, time.Now())
	if resent.GetString("recipient") != "jane.doe@student.example.edu" {
		t.Fatalf("the copy goes to %q", resent.GetString("recipient"))
	}
	w := mail.NewWorker(app, mail.Options{AttemptTimeout: 5 * time.Second})
	if res, err := w.Drain(context.Background(), time.Now().Add(time.Minute)); err != nil || res.Sent != 2 {
		t.Fatalf("drain: %v %v", res, err)
	}
	var to []string
	for _, m := range mp.list() {
		to = append(to, m.To[0].Address)
	}
	slices.Sort(to)
	if fmt.Sprint(to) != "[jane.doe@student.example.edu jane.doe@studnet.example.edu]" {
		t.Fatalf("mailpit holds mail for %v", to)
	}
}

func TestFailedThenResent(t *testing.T) {
	mp := startMailpit(t)
	app, fx, lab := newApp(t)
	useSMTP(app, freePort(t)) // nothing listens here
	job := newJob(t, app, fx, nil)
	row := enqueue(t, app, lab, message(job, mail.KindReady, "ready:"+job.Id))

	w := mail.NewWorker(app, mail.Options{Backoff: []time.Duration{time.Minute, time.Minute}, AttemptTimeout: time.Second})
	now := time.Now()
	for i := range 3 {
		w.Drain(context.Background(), now.Add(time.Duration(i)*2*time.Minute))
	}
	got, _ := app.FindRecordById(schema.Emails, row.Id)
	if got.GetString("state") != schema.EmailFailed || got.GetInt("attempts") != 3 {
		t.Fatalf("state %q attempts %d", got.GetString("state"), got.GetInt("attempts"))
	}
	st, err := mail.ReadStatus(app)
	if err != nil || st.Failed != 1 || !strings.Contains(st.Warning, "could not be delivered after every retry") {
		t.Fatalf("status after the last retry: %+v %v", st, err)
	}

	useSMTP(app, mp.smtpPort)
	resent := resend(t, app, row.Id, now)
	if resent.GetString("dedupe_key") != "resend:"+row.Id+":1" || resent.GetString("message_id") == row.GetString("message_id") {
		t.Errorf("resend row: key %q id %q", resent.GetString("dedupe_key"), resent.GetString("message_id"))
	}
	if res, err := w.Drain(context.Background(), now.Add(10*time.Minute)); err != nil || res.Sent != 1 {
		t.Fatalf("resend: %v %v", res, err)
	}
	list := mp.list()
	if len(list) != 1 || list[0].Subject != row.GetString("subject") || list[0].To[0].Address != job.GetString("email") {
		t.Fatalf("after resend mailpit has %+v", list)
	}
	statusScenario(t, app, fx, `"failed":0`, `"delivery":"smtp"`, `"warning":""`)
}

// Without SMTP (a fresh install) each email becomes a .eml file with both
// parts, and the status route says mail is not being delivered.
func TestNoSMTPWritesFiles(t *testing.T) {
	app, fx, lab := newApp(t)
	app.Settings().SMTP.Enabled = false
	job := newJob(t, app, fx, nil)
	a := enqueue(t, app, lab, message(job, mail.KindReceived, "f1"))
	b := enqueue(t, app, lab, message(job, mail.KindConfirm, "f2"))
	res, err := mail.NewWorker(app, mail.Options{}).Drain(context.Background(), time.Now())
	if err != nil || res.Filed != 2 {
		t.Fatalf("%v %v", res, err)
	}
	for _, r := range []*core.Record{a, b} {
		got, _ := app.FindRecordById(schema.Emails, r.Id)
		if got.GetString("state") != schema.EmailFile {
			t.Errorf("state %q", got.GetString("state"))
		}
		files, _ := filepath.Glob(filepath.Join(app.DataDir(), "mail", "*"+r.Id+".eml"))
		if len(files) != 1 {
			t.Fatalf("no .eml file for %s", r.Id)
		}
		checkEML(t, files[0], got)
	}
	// The warning names the folder the files are in, wherever the data is.
	where, _ := json.Marshal(filepath.Join(app.DataDir(), "mail"))
	statusScenario(t, app, fx, `"delivery":"file"`, "not being delivered", string(where[1:len(where)-1]))
}

func checkEML(t *testing.T, path string, row *core.Record) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	msg, err := netmail.ReadMessage(f)
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subj, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
	if subj != row.GetString("subject") || msg.Header.Get("Message-ID") != row.GetString("message_id") ||
		msg.Header.Get("To") != "<"+row.GetString("recipient")+">" {
		t.Errorf("headers: %v", msg.Header)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q", msg.Header.Get("Content-Type"))
	}
	parts := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(p)
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		parts[ct] = string(body)
	}
	if parts["text/plain"] != strings.ReplaceAll(row.GetString("text"), "\n", "\r\n") {
		t.Errorf("text part differs from the row")
	}
	if parts["text/html"] != strings.ReplaceAll(row.GetString("html"), "\n", "\r\n") {
		t.Errorf("HTML part differs from the row")
	}
}

// The worker started by the server wakes when a row commits, and a rolled
// back transition sends nothing.
func TestWorkerWakesOnCommit(t *testing.T) {
	app, fx, lab := newApp(t)
	app.Settings().SMTP.Enabled = false
	w := mail.WorkerOf(app)
	w.Start()
	defer w.Stop()
	job := newJob(t, app, fx, nil)

	app.RunInTransaction(func(tx core.App) error {
		mail.Enqueue(tx, lab, message(job, mail.KindReceived, "rolled-back"))
		return errors.New("the transition failed")
	})
	row := enqueue(t, app, lab, message(job, mail.KindReceived, "committed"))
	deadline := time.Now().Add(3 * time.Second)
	for {
		got, _ := app.FindRecordById(schema.Emails, row.Id)
		if got.GetString("state") == schema.EmailFile {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the worker did not deliver a committed row promptly")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n, _ := app.CountRecords(schema.Emails); n != 1 {
		t.Fatalf("%d rows; the rolled back one must not exist", n)
	}
}

// statusScenario asks GET /api/printlab/mail/status as a workstation and
// checks the answer. (One scenario per app: each one triggers OnServe again.)
func statusScenario(t *testing.T, app *tests.TestApp, fx *testapp.Fixtures, want ...string) {
	t.Helper()
	(&tests.ApiScenario{
		Name:                  "mail status as workstation",
		Method:                http.MethodGet,
		URL:                   "/api/printlab/mail/status",
		Headers:               map[string]string{"Authorization": testapp.Token(t, fx.Workstation)},
		ExpectedStatus:        http.StatusOK,
		ExpectedContent:       want,
		ExpectedEvents:        map[string]int{"*": 0},
		TestAppFactory:        func(testing.TB) *tests.TestApp { return app },
		DisableTestAppCleanup: true,
	}).Test(t)
}

func TestStatusRouteIsForWorkstations(t *testing.T) {
	for _, sc := range []tests.ApiScenario{
		{Name: "guest", ExpectedStatus: http.StatusUnauthorized},
		{Name: "superuser", ExpectedStatus: http.StatusForbidden, Headers: map[string]string{"Authorization": "superuser"}},
	} {
		app, fx, _ := newApp(t)
		if sc.Headers != nil {
			sc.Headers["Authorization"] = testapp.Token(t, fx.Superuser)
		}
		sc.Method = http.MethodGet
		sc.URL = "/api/printlab/mail/status"
		sc.ExpectedContent = []string{`"data":{}`}
		sc.NotExpectedContent = []string{"delivery"}
		sc.ExpectedEvents = map[string]int{"*": 0}
		sc.TestAppFactory = func(testing.TB) *tests.TestApp { return app }
		sc.DisableTestAppCleanup = true
		sc.Test(t)
	}
}

// A server that says the mailbox does not exist (550) gets no retries: the email
// is failed at once, so the dashboard shows it while the student is still there.
func TestUnknownMailboxFailsAtOnce(t *testing.T) {
	port, delivered := fakeSMTP(t, func(addr string) string {
		if strings.HasPrefix(addr, "nobody@") {
			return "550 5.1.1 No such mailbox"
		}
		return "250 ok"
	})
	app, fx, lab := newApp(t)
	useSMTP(app, port)
	job := newJob(t, app, fx, map[string]any{"email": "nobody@student.example.edu"})
	row := enqueue(t, app, lab, message(job, mail.KindReceived, "nomailbox"))
	w := mail.NewWorker(app, mail.Options{AttemptTimeout: 2 * time.Second})
	if _, err := w.Drain(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	got, err := app.FindRecordById(schema.Emails, row.Id)
	if err != nil {
		t.Fatal(err)
	}
	if got.GetString("state") != schema.EmailFailed || got.GetInt("attempts") != 1 || !strings.Contains(got.GetString("last_error"), "No such mailbox") {
		t.Errorf("after a 550: state %s, attempts %d, error %q", got.GetString("state"), got.GetInt("attempts"), got.GetString("last_error"))
	}
	if delivered.Load() != 0 {
		t.Error("a refused message was delivered")
	}
}

// TestDueQueryUsesIndex keeps the worker's pass cheap when the outbox holds a
// year of sent mail: the query must search the (state, next_attempt) index, not
// scan every row and its bodies, even when SQLite's statistics were taken while
// the outbox was small (as PRAGMA optimize leaves them on a new lab).
func TestDueQueryUsesIndex(t *testing.T) {
	app, _, _ := newApp(t)
	fill := func(n int, state string) {
		t.Helper()
		if _, err := app.DB().NewQuery(`WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {:n})
			INSERT INTO emails (id, kind, recipient, state, dedupe_key, html, created, updated)
			SELECT printf('%s%010d', {:state}, x), 'approved', 'a@example.edu', {:state}, {:state} || x, hex(randomblob(500)), '', '' FROM n`).
			Bind(dbx.Params{"n": n, "state": state}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	fill(24, schema.EmailQueued)
	if _, err := app.DB().NewQuery("ANALYZE").Execute(); err != nil {
		t.Fatal(err)
	}
	fill(3000, schema.EmailSent)
	q := mail.DueQuery(app, time.Now(), 20)
	var plan []struct {
		Detail string `db:"detail"`
	}
	if err := app.DB().NewQuery("EXPLAIN QUERY PLAN " + q.SQL()).Bind(q.Params()).All(&plan); err != nil {
		t.Fatal(err)
	}
	if len(plan) == 0 || !strings.Contains(plan[0].Detail, "USING INDEX idx_emails_state_next") {
		t.Fatalf("the due query does not search the outbox's state index: %+v", plan)
	}
}

// The worker writes an email's parts when it sends it, from the job as it is
// then: a name corrected after the move is spelled right, and an email whose
// job is gone fails for good at once, saying why, without holding up others.
func TestBodiesAreWrittenWhenSent(t *testing.T) {
	app, fx, lab := newApp(t)
	app.Settings().SMTP.Enabled = false
	job := newJob(t, app, fx, map[string]any{"first_name": "Jnae"})
	gone := newJob(t, app, fx, nil)
	a := enqueue(t, app, lab, message(job, mail.KindReceived, "w1"))
	b := enqueue(t, app, lab, message(gone, mail.KindReceived, "w2"))
	if a.GetString("html") != "" || a.GetString("subject") == "" {
		t.Fatalf("queued: subject %q, html %d bytes; want the subject only", a.GetString("subject"), len(a.GetString("html")))
	}
	job.Set("first_name", "Jane")
	if err := app.Save(job); err != nil {
		t.Fatal(err)
	}
	// Deleted behind the app's back: the record API would have deleted its emails too.
	if _, err := app.DB().NewQuery("DELETE FROM jobs WHERE id = {:id}").Bind(map[string]any{"id": gone.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	res, err := mail.NewWorker(app, mail.Options{}).Drain(context.Background(), time.Now())
	if err != nil || res.Filed != 1 || res.Failed != 1 {
		t.Fatalf("%v %v; want one filed, one failed", res, err)
	}
	sent, _ := app.FindRecordById(schema.Emails, a.Id)
	if sent.GetString("state") != schema.EmailFile || !strings.Contains(sent.GetString("text"), "Jane") ||
		strings.Contains(sent.GetString("html"), "Jnae") || sent.GetString("subject") != a.GetString("subject") {
		t.Errorf("sent row: state %q, subject %q, text:\n%s", sent.GetString("state"), sent.GetString("subject"), sent.GetString("text"))
	}
	failed, _ := app.FindRecordById(schema.Emails, b.Id)
	if failed.GetString("state") != schema.EmailFailed || failed.GetInt("attempts") != 1 ||
		!strings.Contains(failed.GetString("last_error"), "no longer exists") {
		t.Errorf("orphan row: state %q after %d attempts: %q", failed.GetString("state"), failed.GetInt("attempts"), failed.GetString("last_error"))
	}
}

// While staff moves are being answered, the emails they queue wait for a
// quiet desk (for at most pace.MaxHold), then go out.
func TestEmailsWaitForAQuietDesk(t *testing.T) {
	app, fx, lab := newApp(t)
	app.Settings().SMTP.Enabled = false
	w := mail.WorkerOf(app)
	w.Start()
	defer w.Stop()
	job := newJob(t, app, fx, nil)

	state := func(id string) string {
		got, err := app.FindRecordById(schema.Emails, id)
		if err != nil {
			t.Fatal(err)
		}
		return got.GetString("state")
	}
	end := pace.For(app).Begin() // a move in flight
	row := enqueue(t, app, lab, message(job, mail.KindReceived, "busy-desk"))
	time.Sleep(500 * time.Millisecond)
	if s := state(row.Id); s != schema.EmailQueued {
		t.Fatalf("the email was handled (%s) while a move was in flight", s)
	}
	end()
	deadline := time.Now().Add(3 * time.Second)
	for state(row.Id) != schema.EmailFile {
		if time.Now().After(deadline) {
			t.Fatal("the email did not go out once the desk was quiet")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Emails saved as files before SMTP was set up never reached their students.
// Once SMTP is set up, the jobs that wait on their student because of such an
// email (a quote to confirm, a print to collect) are named in the warning,
// until staff resend it; jobs that wait on staff are not.
func TestJobsWhoseEmailWasOnlyFiledAreNamed(t *testing.T) {
	app, fx, lab := newApp(t)
	app.Settings().SMTP.Enabled = false
	w := mail.WorkerOf(app)

	pending := newJob(t, app, fx, map[string]any{"status": string(schema.StatusPending)})
	ready := newJob(t, app, fx, map[string]any{"status": string(schema.StatusCompleted)})
	printing := newJob(t, app, fx, map[string]any{"status": string(schema.StatusPrinting)})
	confirm := enqueue(t, app, lab, message(pending, mail.KindConfirm, "filed-confirm"))
	enqueue(t, app, lab, message(ready, mail.KindReady, "filed-ready"))
	enqueue(t, app, lab, message(printing, mail.KindReceived, "filed-received"))
	if res, err := w.Drain(context.Background(), time.Now()); err != nil || res.Filed != 3 {
		t.Fatalf("drain without SMTP: %v, %v", res, err)
	}
	st, err := mail.ReadStatus(app)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Unsent) != 0 {
		t.Errorf("without SMTP the file warning says it all; unsent = %v", st.Unsent)
	}

	useSMTP(app, freePort(t))
	st, err = mail.ReadStatus(app)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{pending.GetString("short_id"), ready.GetString("short_id")}
	if !slices.Equal(st.Unsent, want) {
		t.Errorf("unsent = %v, want %v", st.Unsent, want)
	}
	for _, s := range append(want, "2 jobs", "Resend") {
		if !strings.Contains(st.Warning, s) {
			t.Errorf("the warning does not say %q: %s", s, st.Warning)
		}
	}
	if strings.Contains(st.Warning, printing.GetString("short_id")) {
		t.Errorf("a job waiting on staff is named: %s", st.Warning)
	}

	// Resending the confirmation takes its job off the list.
	if err := app.RunInTransaction(func(tx core.App) error {
		_, err := mail.Resend(tx, confirm.Id, time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	st, err = mail.ReadStatus(app)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.Unsent, want[1:]) || strings.Contains(st.Warning, pending.GetString("short_id")) {
		t.Errorf("after the resend: unsent = %v, warning %q", st.Unsent, st.Warning)
	}
}
