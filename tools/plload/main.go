// Command plload measures PrintLab's engine and dashboard reads under load on
// this machine (BENCHMARKS.md): it seeds a data dir with many jobs and events,
// starts the built binary on it, and drives concurrent clients over loopback.
//
//	go run ./tools/plload -bin bin/printlab -jobs 100000 -events 1000000
package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/core"

	"printlab/hooks/demo"
	_ "printlab/pb_migrations"
	"printlab/schema"
)

const password = "load-test-password"

func main() {
	bin := flag.String("bin", "bin/printlab", "the printlab binary to measure")
	nJobs := flag.Int("jobs", 100000, "jobs to seed")
	nEvents := flag.Int("events", 1000000, "events to seed")
	dur := flag.Duration("duration", 10*time.Second, "how long each read scenario runs")
	actions := flag.Int("actions", 2000, "approve and pickup requests per scenario")
	keep := flag.String("dir", "", "seed into this dir and keep it (default: a temp dir, removed)")
	from := flag.String("from", "", "copy this dir (kept from an earlier -dir run) instead of seeding")
	only := flag.String("only", "", "run only the scenarios whose names contain this (or one of these, comma-separated)")
	mailTo := flag.String("mail", "smtp", `where the server's emails go: "smtp" (a sink in this tool, as a lab's relay) or "files" (no SMTP set: pb_data/mail)`)
	flag.Parse()

	dir := *keep
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "plload-"); err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
	}
	began := time.Now()
	var uploaded, completed []string
	var err error
	if *from != "" {
		if err = exec.Command("cp", "-a", *from+"/.", dir).Run(); err == nil {
			uploaded, completed, err = ids(dir)
		}
		fmt.Printf("copied %s (%d uploaded, %d completed jobs) in %s\n", *from, len(uploaded), len(completed), time.Since(began).Round(time.Millisecond))
	} else {
		uploaded, completed, err = seed(dir, *nJobs, *nEvents)
		fmt.Printf("seeded %d jobs and %d events in %s\n", *nJobs, *nEvents, time.Since(began).Round(time.Millisecond))
	}
	if err != nil {
		log.Fatal(err)
	}
	sinkAddr := ""
	if *mailTo == "smtp" {
		sinkAddr = sink()
	}
	peerIDs, err := seedPeer(dir, *actions, sinkAddr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("emails go to %s\n", map[bool]string{true: "an SMTP sink at " + sinkAddr, false: "files (no SMTP)"}[sinkAddr != ""])
	run := func(name string) bool {
		for _, o := range strings.Split(*only, ",") {
			if strings.Contains(name, o) {
				return true
			}
		}
		return false
	}

	url, stop := serve(*bin, dir)
	defer stop()
	ws := login(url, "workstations", demo.Workstation, password)
	su := login(url, "_superusers", "load@example.com", password)
	staff := firstStaff(url, ws)

	fmt.Printf("\n%-52s %8s %8s %8s %9s %9s %9s  %s\n", "scenario", "p50", "p95", "p99", "req/s", "cpu ms/req", "+after", "emails (last, after the last answer)")
	approve := func(i int) (*http.Request, error) {
		body := fmt.Sprintf(`{"staff":%q,"expected_status":"uploaded","grams":42.5,"hours":2.2}`, staff)
		return post(url+"/api/printlab/jobs/"+uploaded[i]+"/approve", ws, body), nil
	}
	pickup := func(i int) (*http.Request, error) {
		body := fmt.Sprintf(`{"staff":%q,"expected_status":"completed","grams":50,"reference":"R-%d","picked_up_by":"Student","accept_over_quote":true}`, staff, i)
		return post(url+"/api/printlab/jobs/"+completed[i]+"/pickup", ws, body), nil
	}
	n := min(*actions, len(uploaded), len(completed))
	if run("approve") {
		report("approve, 8 concurrent clients", fixed(n, 8, approve))
	}
	if run("single") && len(uploaded) >= n+300 {
		// For context: what one person at the desk waits when no one else is acting.
		one := func(i int) (*http.Request, error) { return approve(n + i) }
		report("approve, 1 client (for context)", fixed(300, 1, one))
	}
	if run("peer") {
		// The floor any PocketBase app stands on: PocketBase's own update of one
		// small record through its REST API, no rules, no hooks, no side effects.
		patch := func(i int) (*http.Request, error) {
			req := post(url+"/api/collections/plload_notes/records/"+peerIDs[i], su, fmt.Sprintf(`{"body":"edit %d"}`, i))
			req.Method = "PATCH"
			return req, nil
		}
		report("peer: PocketBase PATCH of a plain record, 8 cl", fixed(min(*actions, len(peerIDs)), 8, patch))
	}
	if run("pickup") {
		report("pickup, 8 concurrent clients", fixed(n, 8, pickup))
	}

	list := func(token, path string) func(int) (*http.Request, error) {
		return func(int) (*http.Request, error) {
			req, err := http.NewRequest("GET", url+path, nil)
			req.Header.Set("Authorization", token)
			return req, err
		}
	}
	if run("dashboard") {
		report("dashboard list (status, -created, 50), 50 clients", timed(*dur, 50,
			list(ws, "/api/printlab/desk/jobs?status=ready_to_print&sort=-created&perPage=50")))
	}
	if run("generic") {
		report("same list through PocketBase's records API, 50 cl", timed(*dur, 50,
			list(ws, "/api/collections/jobs/records?filter=(status%3D'ready_to_print')&sort=-created&perPage=50&skipTotal=1")))
	}
	if run("plain") {
		report("PocketBase plain list (20 of all, skipTotal), 50 cl", timed(*dur, 50,
			list(su, "/api/collections/jobs/records?perPage=20&skipTotal=1")))
	}
}

// seedPeer adds a plain collection with n small records to dir, for the peer
// scenario, and returns their ids. With smtpAddr set, the server sends its
// emails there; without, it writes them to files.
func seedPeer(dir string, n int, smtpAddr string) ([]string, error) {
	app := pocketbase.NewWithConfig(pocketbase.Config{DefaultDataDir: dir, HideStartBanner: true})
	if err := app.Bootstrap(); err != nil {
		return nil, err
	}
	defer app.ResetBootstrapState()
	smtp := &app.Settings().SMTP
	smtp.Enabled = smtpAddr != ""
	if host, port, err := net.SplitHostPort(smtpAddr); err == nil {
		smtp.Host = host
		fmt.Sscan(port, &smtp.Port)
	}
	if err := app.Save(app.Settings()); err != nil {
		return nil, err
	}
	// A dir kept from an earlier run (-dir, then -from) has the collection
	// already: start it afresh.
	if old, err := app.FindCollectionByNameOrId("plload_notes"); err == nil {
		if err := app.Delete(old); err != nil {
			return nil, err
		}
	}
	col := core.NewBaseCollection("plload_notes")
	col.Fields.Add(&core.TextField{Name: "body"}, &core.NumberField{Name: "n"})
	if err := app.Save(col); err != nil {
		return nil, err
	}
	ids := make([]string, n)
	for i := range ids {
		r := core.NewRecord(col)
		r.Set("body", "note")
		r.Set("n", i)
		if err := app.Save(r); err != nil {
			return nil, err
		}
		ids[i] = r.Id
	}
	return ids, nil
}

// mailed counts the messages the sink accepted, lastMail is when the last came.
var mailed, lastMail atomic.Int64

// sink accepts SMTP on loopback and drops every message, standing in for the
// lab's mail relay (which runs elsewhere): the server pays for sending its
// emails, not for a mail server's work. It returns its address.
func sink() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				say := func(s string) bool { _, err := io.WriteString(c, s+"\r\n"); return err == nil }
				if !say("220 plload sink") {
					return
				}
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
					case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
						say("250 plload")
					case cmd == "DATA":
						say("354 end with .")
						for {
							l, err := r.ReadString('\n')
							if err != nil {
								return
							}
							if l == ".\r\n" || l == ".\n" {
								break
							}
						}
						mailed.Add(1)
						lastMail.Store(time.Now().UnixNano())
						say("250 accepted")
					case cmd == "QUIT":
						say("221 bye")
						return
					default: // MAIL, RCPT, RSET, NOOP
						say("250 ok")
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

// ids returns the uploaded and completed jobs of a seeded dir.
func ids(dir string) (uploaded, completed []string, err error) {
	app := pocketbase.NewWithConfig(pocketbase.Config{DefaultDataDir: dir, HideStartBanner: true})
	if err := app.Bootstrap(); err != nil {
		return nil, nil, err
	}
	defer app.ResetBootstrapState()
	for st, out := range map[schema.Status]*[]string{schema.StatusUploaded: &uploaded, schema.StatusCompleted: &completed} {
		if err := app.DB().NewQuery("SELECT id FROM jobs WHERE status = {:s} ORDER BY id").
			Bind(map[string]any{"s": string(st)}).Column(out); err != nil {
			return nil, nil, err
		}
	}
	// Every real job has its folder from the moment it is submitted (its model
	// is in it), so a move never creates one: give the seeded jobs theirs.
	col, err := app.FindCollectionByNameOrId(schema.Jobs)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range append(append([]string{}, uploaded...), completed...) {
		if err := os.MkdirAll(filepath.Join(dir, "storage", col.Id, id), 0o755); err != nil {
			return nil, nil, err
		}
	}
	return uploaded, completed, nil
}

// seed creates the schema, demo staff and workstation, a superuser, and n jobs
// with m events by direct inserts, and returns ids of uploaded and completed jobs.
func seed(dir string, n, m int) (uploaded, completed []string, err error) {
	app := pocketbase.NewWithConfig(pocketbase.Config{DefaultDataDir: dir, HideStartBanner: true})
	if err := app.Bootstrap(); err != nil {
		return nil, nil, err
	}
	if err := app.RunAllMigrations(); err != nil {
		return nil, nil, err
	}
	if err := demo.Seed(app, password, io.Discard); err != nil {
		return nil, nil, err
	}
	su, _ := app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	admin := core.NewRecord(su)
	admin.SetEmail("load@example.com")
	admin.SetPassword(password)
	if err := app.Save(admin); err != nil {
		return nil, nil, err
	}
	mat, _ := app.FindFirstRecordByData(schema.Materials, "name", "PLA")
	prn, _ := app.FindFirstRecordByData(schema.Printers, "name", "Prusa MK4S")
	staff, _ := app.FindFirstRecordByData(schema.Staff, "name", "Sam Lee")

	// Realistic mix: most jobs are finished; a few thousand are active.
	mix := []struct {
		st    schema.Status
		share float64
	}{
		{schema.StatusUploaded, 0.05}, {schema.StatusPending, 0.03}, {schema.StatusReadyToPrint, 0.04},
		{schema.StatusPrinting, 0.01}, {schema.StatusCompleted, 0.04}, {schema.StatusPickedUp, 0.5},
		{schema.StatusRejected, 0.08}, {schema.StatusCancelled, 0.05}, {schema.StatusArchived, 0.2},
	}
	start := time.Now().Add(-2 * 365 * 24 * time.Hour)
	ids := make([]string, n)
	statuses := make([]schema.Status, n)
	k := 0
	for _, x := range mix {
		for c := 0; c < int(x.share*float64(n)+0.5) && k < n; c++ {
			statuses[k] = x.st
			k++
		}
	}
	for ; k < n; k++ {
		statuses[k] = schema.StatusPickedUp
	}
	// Multi-row INSERTs of values this tool generates itself: fast enough to seed
	// a million rows in seconds. Every job has its status-key salt, as submitted
	// jobs do (a job without one gets it on its first email, an extra save).
	const batch = 500
	for from := 0; from < n; from += batch {
		var sb strings.Builder
		sb.WriteString("INSERT INTO jobs (id, short_id, status, first_name, last_name, email, discipline, course, method, material, color, printer, grams, hours, quote_cents, display_name, created, updated, status_changed, model_stats, print_estimate, notes, status_key_salt) VALUES ")
		for i := from; i < min(from+batch, n); i++ {
			ids[i] = randomID()
			at := start.Add(time.Duration(i) * (2 * 365 * 24 * time.Hour / time.Duration(n))).UTC().Format("2006-01-02 15:04:05.000Z")
			if i > from {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, "('%s','L%07d','%s','Load','Student%d','s%d@example.edu','Engineering','ME 101','filament','%s','True Red','%s',50,2,500,'LoadStudent%d_Filament_TrueRed_L%07d.stl','%s','%s','%s','{}','{}','[]','salt%d')",
				ids[i], i, statuses[i], i, i, mat.Id, prn.Id, i, i, at, at, at, i)
		}
		if _, err := app.DB().NewQuery(sb.String()).Execute(); err != nil {
			return nil, nil, err
		}
	}
	now := time.Now().UTC().Format("2006-01-02 15:04:05.000Z")
	for from := 0; from < m; from += batch {
		var sb strings.Builder
		sb.WriteString("INSERT INTO events (id, job, type, actor, staff, workstation, from_status, to_status, details, created, updated) VALUES ")
		for e := from; e < min(from+batch, m); e++ {
			j := e % n
			if e > from {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, "('%s','%s','note','staff','%s','','%s','%s','{\"text\":\"load\"}','%s','%s')",
				randomID(), ids[j], staff.Id, statuses[j], statuses[j], now, now)
		}
		if _, err := app.DB().NewQuery(sb.String()).Execute(); err != nil {
			return nil, nil, err
		}
	}
	for i, st := range statuses {
		switch st {
		case schema.StatusUploaded:
			uploaded = append(uploaded, ids[i])
		case schema.StatusCompleted:
			completed = append(completed, ids[i])
		}
	}
	// Completed jobs need a live quote and a completion move for pickups.
	if _, err := app.DB().NewQuery("UPDATE jobs SET last_action = 'complete', completed_at = created WHERE status = 'completed'").Execute(); err != nil {
		return nil, nil, err
	}
	if _, err := app.DB().NewQuery("PRAGMA optimize").Execute(); err != nil {
		return nil, nil, err
	}
	return uploaded, completed, app.ResetBootstrapState()
}

func randomID() string {
	const a = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = a[int(b[i])%len(a)]
	}
	return string(b)
}

// serverPID is the measured server's process id, for its CPU time.
var serverPID int

// cpuSeconds is the server process's user+system CPU time so far (Linux).
func cpuSeconds() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", serverPID))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	if len(f) < 13 {
		return 0
	}
	var ut, st float64
	fmt.Sscan(f[11], &ut)
	fmt.Sscan(f[12], &st)
	return (ut + st) / 100 // clock ticks; 100 per second on Linux
}

func serve(bin, dir string) (string, func()) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "serve", "--http="+addr, "--dir="+dir)
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	serverPID = cmd.Process.Pid
	url := "http://" + addr
	for i := 0; i < 400; i++ {
		if r, err := http.Get(url + "/api/printlab/health"); err == nil && r.StatusCode == 200 {
			r.Body.Close()
			return url, func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }
		}
		time.Sleep(50 * time.Millisecond)
	}
	log.Fatal("server did not start")
	return "", nil
}

func login(url, col, identity, pass string) string {
	body, _ := json.Marshal(map[string]string{"identity": identity, "password": pass})
	r, err := http.Post(url+"/api/collections/"+col+"/auth-with-password", "application/json", bytes.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	defer r.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(r.Body).Decode(&out); err != nil || out.Token == "" {
		log.Fatalf("login %s: %d %v", col, r.StatusCode, err)
	}
	return out.Token
}

func firstStaff(url, token string) string {
	req, _ := http.NewRequest("GET", url+"/api/collections/staff/records?filter=(active%3Dtrue)&perPage=1", nil)
	req.Header.Set("Authorization", token)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Body.Close()
	var out struct{ Items []struct{ ID string } }
	_ = json.NewDecoder(r.Body).Decode(&out)
	if len(out.Items) == 0 {
		log.Fatal("no staff")
	}
	return out.Items[0].ID
}

func post(url, token, body string) *http.Request {
	req, _ := http.NewRequest("POST", url, bytes.NewBufferString(body))
	req.Header.Set("Authorization", token)
	req.Header.Set("Content-Type", "application/json")
	return req
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 200}, Timeout: 30 * time.Second}

type result struct {
	lat     []time.Duration
	at      []time.Duration // when each request of lat was sent, from the scenario's start
	elapsed time.Duration
	errors  int64
	cpu     float64 // server CPU seconds used during the scenario
	cpu0    float64 // the server's CPU seconds when it began
	end     time.Time
	mail0   int64 // messages the sink had accepted when it began
}

// fixed sends requests 0..n-1 from conc workers.
func fixed(n, conc int, mk func(int) (*http.Request, error)) result {
	var next atomic.Int64
	return drive(conc, func() (int, bool) { i := int(next.Add(1) - 1); return i, i < n }, mk)
}

// timed sends requests from conc workers for d.
func timed(d time.Duration, conc int, mk func(int) (*http.Request, error)) result {
	end := time.Now().Add(d)
	return drive(conc, func() (int, bool) { return 0, time.Now().Before(end) }, mk)
}

func drive(conc int, next func() (int, bool), mk func(int) (*http.Request, error)) result {
	var mu sync.Mutex
	var res result
	var wg sync.WaitGroup
	began := time.Now()
	cpu0 := cpuSeconds()
	res.cpu0, res.mail0 = cpu0, mailed.Load()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local, sent []time.Duration
			for {
				i, ok := next()
				if !ok {
					break
				}
				req, _ := mk(i)
				t := time.Now()
				r, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, r.Body)
					r.Body.Close()
				}
				local = append(local, time.Since(t))
				sent = append(sent, t.Sub(began))
				if err != nil || r.StatusCode != 200 {
					atomic.AddInt64(&res.errors, 1)
				}
			}
			mu.Lock()
			res.lat = append(res.lat, local...)
			res.at = append(res.at, sent...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.end = time.Now()
	res.elapsed = res.end.Sub(began)
	res.cpu = cpuSeconds() - cpu0
	return res
}

// settle waits until the server has finished the background work of the last
// scenario (emails, sidecars), so that it is not charged to the next one.
func settle() {
	for i := 0; i < 60; i++ {
		before := cpuSeconds()
		time.Sleep(500 * time.Millisecond)
		if cpuSeconds()-before < 0.025 {
			return
		}
	}
}

func report(name string, r result) {
	// The background work a scenario caused (emails, job.json rewrites) may
	// run after its last answer: the server's CPU is read again once it is
	// quiet, and the time the sink took the scenario's last email is noted.
	settle()
	all := cpuSeconds() - r.cpu0
	mail := "-"
	if n := mailed.Load() - r.mail0; n > 0 {
		mail = fmt.Sprintf("%d, last %+.1fs", n, time.Unix(0, lastMail.Load()).Sub(r.end).Seconds())
	}
	if dir := os.Getenv("PLLOAD_TRACE"); dir != "" {
		var b strings.Builder
		for i := range r.lat {
			fmt.Fprintf(&b, "%d,%d\n", r.at[i].Microseconds(), r.lat[i].Microseconds())
		}
		name := strings.Fields(name)[0]
		if err := os.WriteFile(filepath.Join(dir, strings.Trim(name, ":,")+".csv"), []byte(b.String()), 0o644); err != nil {
			log.Print(err)
		}
	}
	slices.Sort(r.lat)
	pct := func(p float64) string {
		if len(r.lat) == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1fms", float64(r.lat[int(p*float64(len(r.lat)-1))].Microseconds())/1000)
	}
	n := float64(max(len(r.lat), 1))
	fmt.Printf("%-52s %8s %8s %8s %9.0f %9.2f %9.2f  %s", name, pct(0.5), pct(0.95), pct(0.99), float64(len(r.lat))/r.elapsed.Seconds(),
		1000*r.cpu/n, 1000*all/n, mail)
	if r.errors > 0 {
		fmt.Printf("  (%d non-200)", r.errors)
	}
	fmt.Println()
}
