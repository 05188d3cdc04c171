// Command sseload measures PrintLab's realtime fan-out: it connects many
// dashboards' worth of SSE clients, authenticated as a workstation and
// subscribed to every job, changes a job through the lifecycle routes, and
// reports how long each change took to reach every client. It also seeds a data
// dir with thousands of active jobs for the dashboard's load figures.
//
//	sseload seed  -dir pb_data -n 5000
//	sseload fanout -url http://127.0.0.1:8090 -user frontdesk -pass ... -clients 50 -changes 20 [-pid N]
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: sseload seed|fanout [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "seed":
		err = seedCmd(os.Args[2:])
	case "fanout":
		err = fanoutCmd(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		log.Fatal(err)
	}
}

func fanoutCmd(args []string) error {
	fs := flag.NewFlagSet("fanout", flag.ExitOnError)
	base := fs.String("url", "http://127.0.0.1:8090", "PrintLab's address")
	user := fs.String("user", "frontdesk", "workstation username")
	pass := fs.String("pass", "", "workstation password")
	clients := fs.Int("clients", 50, "SSE clients to connect")
	changes := fs.Int("changes", 20, "job changes to time (0: only hold the clients)")
	hold := fs.Duration("hold", 0, "keep the clients connected this long after the changes, e.g. to read memory")
	pid := fs.Int("pid", 0, "server process id, to report its resident memory")
	fs.Parse(args)

	token, err := signIn(*base, *user, *pass)
	if err != nil {
		return err
	}
	l := &listeners{seen: map[string][]time.Time{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr := &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: *clients + 10}
	hc := &http.Client{Transport: tr}
	rssBefore := rss(*pid)
	start := time.Now()
	var ready sync.WaitGroup
	var failed atomic.Int32
	for i := 0; i < *clients; i++ {
		ready.Add(1)
		go func() {
			if err := l.client(ctx, hc, *base, token, &ready); err != nil {
				failed.Add(1)
				log.Printf("client: %v", err)
				ready.Done()
			}
		}()
		if i%100 == 99 {
			time.Sleep(50 * time.Millisecond) // let the server accept in waves, as dashboards open through a morning
		}
	}
	ready.Wait()
	fmt.Printf("%d clients connected and subscribed in %v (%d failed)\n", *clients-int(failed.Load()), time.Since(start).Round(time.Millisecond), failed.Load())
	if *pid > 0 {
		fmt.Printf("server RSS: %.1f MB before, %.1f MB with the clients\n", rssBefore, rss(*pid))
	}
	if *changes > 0 {
		if err := l.timeChanges(hc, *base, token, *changes, *clients-int(failed.Load())); err != nil {
			return err
		}
	}
	if *hold > 0 {
		time.Sleep(*hold)
		if *pid > 0 {
			fmt.Printf("server RSS after holding %v: %.1f MB\n", *hold, rss(*pid))
		}
	}
	return nil
}

// listeners records when each client saw each change, keyed by the change's marker.
type listeners struct {
	mu   sync.Mutex
	seen map[string][]time.Time
}

// client opens one SSE stream, subscribes it to every job (the dashboard's
// pb.collection('jobs').subscribe('*')) and records arrivals until ctx ends.
func (l *listeners) client(ctx context.Context, hc *http.Client, base, token string, ready *sync.WaitGroup) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/realtime", nil)
	req.Header.Set("Accept", "text/event-stream")
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var event, id string
	subscribed := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id:"):
			id = strings.TrimSpace(line[3:])
		case strings.HasPrefix(line, "event:"):
			event = strings.TrimSpace(line[6:])
		case strings.HasPrefix(line, "data:"):
			data := line[5:]
			if event == "PB_CONNECT" && !subscribed {
				if err := subscribe(hc, base, token, id); err != nil {
					return err
				}
				subscribed = true
				ready.Done()
			} else if event == "jobs" {
				at := time.Now()
				var msg struct {
					Record struct {
						Notes []struct {
							Text string `json:"text"`
						} `json:"notes"`
					} `json:"record"`
				}
				if json.Unmarshal([]byte(data), &msg) == nil && len(msg.Record.Notes) > 0 {
					marker := msg.Record.Notes[len(msg.Record.Notes)-1].Text
					l.mu.Lock()
					l.seen[marker] = append(l.seen[marker], at)
					l.mu.Unlock()
				}
			}
		case line == "":
			event, id = "", ""
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	return errors.New("stream ended")
}

func subscribe(hc *http.Client, base, token, clientID string) error {
	body, _ := json.Marshal(map[string]any{"clientId": clientID, "subscriptions": []string{"jobs"}})
	req, _ := http.NewRequest(http.MethodPost, base+"/api/realtime", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", token)
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		return fmt.Errorf("subscribe: %s", res.Status)
	}
	return nil
}

// timeChanges adds notes to a job (each note a unique marker) and measures, for
// every client, the time from sending the request to the event's arrival.
func (l *listeners) timeChanges(hc *http.Client, base, token string, n, clients int) error {
	job, staff, status, err := pickJob(hc, base, token)
	if err != nil {
		return err
	}
	var lat []time.Duration
	missing := 0
	for i := 0; i < n; i++ {
		marker := fmt.Sprintf("sseload-%d-%d", time.Now().UnixNano(), i)
		body, _ := json.Marshal(map[string]any{"staff": staff, "expected_status": status, "text": marker})
		req, _ := http.NewRequest(http.MethodPost, base+"/api/printlab/jobs/"+job+"/note", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", token)
		sent := time.Now()
		res, err := hc.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("note: %s", res.Status)
		}
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			l.mu.Lock()
			got := len(l.seen[marker])
			l.mu.Unlock()
			if got >= clients {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		l.mu.Lock()
		for _, at := range l.seen[marker] {
			lat = append(lat, at.Sub(sent))
		}
		missing += clients - len(l.seen[marker])
		l.mu.Unlock()
		time.Sleep(100 * time.Millisecond)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) == 0 {
		return errors.New("no client received any change")
	}
	pct := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	fmt.Printf("%d changes × %d clients: %d deliveries, %d missing; latency p50 %v, p95 %v, p99 %v, max %v\n",
		n, clients, len(lat), missing, pct(0.5).Round(time.Millisecond/10), pct(0.95).Round(time.Millisecond/10),
		pct(0.99).Round(time.Millisecond/10), lat[len(lat)-1].Round(time.Millisecond/10))
	return nil
}

func pickJob(hc *http.Client, base, token string) (job, staff, status string, err error) {
	var jobs struct {
		Items []struct{ ID, Status string } `json:"items"`
	}
	var people struct {
		Items []struct{ ID string } `json:"items"`
	}
	if err = getJSON(hc, base+"/api/collections/jobs/records?perPage=1&skipTotal=1&filter=status%3D%22uploaded%22", token, &jobs); err != nil {
		return
	}
	if err = getJSON(hc, base+"/api/collections/staff/records?perPage=1&skipTotal=1&filter=active%3Dtrue", token, &people); err != nil {
		return
	}
	if len(jobs.Items) == 0 || len(people.Items) == 0 {
		return "", "", "", errors.New("need an uploaded job and an active staff member (run printlab demo or sseload seed)")
	}
	return jobs.Items[0].ID, people.Items[0].ID, jobs.Items[0].Status, nil
}

func getJSON(hc *http.Client, url, token string, v any) error {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", token)
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

func signIn(base, user, pass string) (string, error) {
	body, _ := json.Marshal(map[string]string{"identity": user, "password": pass})
	res, err := http.Post(base+"/api/collections/workstations/auth-with-password", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var out struct{ Token string }
	json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != http.StatusOK || out.Token == "" {
		return "", fmt.Errorf("sign-in as %q: %s", user, res.Status)
	}
	return out.Token, nil
}

// rss is a process's resident memory in MB from /proc (0 when unknown).
func rss(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(line[6:]), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}
