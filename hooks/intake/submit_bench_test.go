package intake_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"printlab/internal/binary"
	"printlab/model3d"
	"printlab/model3d/testmesh"
)

// TestSubmitLoad measures the figures of BENCHMARKS.md (student side) against the real
// binary on loopback: a 50 MB STL (latency, server memory, thumbnail delay) and
// 20 concurrent 5 MB submissions. It takes about a minute and several hundred
// MB of disk, so it runs only with PRINTLAB_LOAD=1:
//
//	make build && PRINTLAB_LOAD=1 PRINTLAB_BIN=$PWD/bin/printlab go test -run TestSubmitLoad -v -count=1 ./hooks/intake/
func TestSubmitLoad(t *testing.T) {
	if os.Getenv("PRINTLAB_LOAD") == "" || testing.Short() {
		t.Skip("set PRINTLAB_LOAD=1 to run the submit load figures")
	}
	dir := t.TempDir()
	if out, err := exec.Command(binary.Path(t), "superuser", "upsert", "load@example.com", "load-password-123", "--dir="+dir).CombinedOutput(); err != nil {
		t.Fatalf("superuser: %v\n%s", err, out)
	}
	srv := binary.Start(t, dir)
	c := &loadClient{t: t, base: srv.URL}
	c.admin = c.auth()
	c.setting("submits_per_ip_hour", 0)
	cat := c.catalog()

	big := stlBytes(t, testmesh.Torus(60, 20, 1000, 500)) // 1,000,000 triangles
	t.Logf("50 MB case: %d bytes, %d triangles", len(big), (len(big)-84)/50)
	hwm0, rss0 := procMem(t, srv.Cmd.Process.Pid)
	var took, thumbs []time.Duration
	for i := 0; i < 5; i++ {
		start := time.Now()
		id, status := c.submit(cat, fmt.Sprintf("big%d@student.example.edu", i), "torus.stl", big)
		took = append(took, time.Since(start))
		if status != 201 {
			t.Fatalf("50 MB submit %d: %d", i, status)
		}
		thumbs = append(thumbs, c.waitThumbnail(id))
	}
	hwm1, rss1 := procMem(t, srv.Cmd.Process.Pid)
	t.Logf("50 MB submit: median %v (runs %v)", median(took), took)
	t.Logf("thumbnail ready after the response: median %v (runs %v)", median(thumbs), thumbs)
	t.Logf("server memory: VmRSS before %d MB, VmHWM before %d MB, VmHWM after %d MB (peak growth %d MB), VmRSS after %d MB",
		rss0>>20, hwm0>>20, hwm1>>20, (hwm1-rss0)>>20, rss1>>20)

	mid := stlBytes(t, testmesh.Torus(40, 12, 250, 200)) // 100,000 triangles
	var wg sync.WaitGroup
	var mu sync.Mutex
	var lat []time.Duration
	codes := map[int]int{}
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			start := time.Now()
			_, status := c.submit(cat, fmt.Sprintf("load%d@student.example.edu", i), "ring.stl", mid)
			mu.Lock()
			lat = append(lat, time.Since(start))
			codes[status]++
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	stored := c.count(`email~"load"`)
	t.Logf("20 concurrent 5 MB submits (%d bytes each): answers %v, stored %d, p50 %v, p95 %v, max %v",
		len(mid), codes, stored, lat[len(lat)/2], lat[len(lat)*95/100-1], lat[len(lat)-1])
	if codes[201] != 20 || stored != 20 {
		t.Errorf("lost submissions: answers %v, stored %d", codes, stored)
	}
}

type loadClient struct {
	t     *testing.T
	base  string
	admin string
}

func (c *loadClient) do(method, path, token, ct string, body io.Reader) (int, []byte) {
	req, _ := http.NewRequest(method, c.base+path, body)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func (c *loadClient) auth() string {
	_, b := c.do("POST", "/api/collections/_superusers/auth-with-password", "", "application/json",
		strings.NewReader(`{"identity":"load@example.com","password":"load-password-123"}`))
	var out struct{ Token string }
	json.Unmarshal(b, &out)
	if out.Token == "" {
		c.t.Fatalf("superuser auth: %s", b)
	}
	return out.Token
}

func (c *loadClient) setting(field string, v any) {
	_, b := c.do("GET", "/api/collections/lab_settings/records?perPage=1", c.admin, "", nil)
	var list struct{ Items []struct{ ID string } }
	json.Unmarshal(b, &list)
	body, _ := json.Marshal(map[string]any{field: v})
	if st, b := c.do("PATCH", "/api/collections/lab_settings/records/"+list.Items[0].ID, c.admin, "application/json", bytes.NewReader(body)); st != 200 {
		c.t.Fatalf("settings: %d %s", st, b)
	}
}

type loadCatalog struct {
	Printers  []struct{ ID, Method string }
	Materials []struct {
		ID, Method string
		Colors     []string
	}
	Disciplines []string
}

func (c *loadClient) catalog() loadCatalog {
	_, b := c.do("GET", "/api/printlab/catalog", "", "", nil)
	var cat loadCatalog
	json.Unmarshal(b, &cat)
	return cat
}

// submit streams the form (the model is not copied into a second buffer).
func (c *loadClient) submit(cat loadCatalog, email, name string, model []byte) (string, int) {
	pr, pw := io.Pipe()
	w := multipart.NewWriter(pw)
	go func() {
		fields := map[string]string{"first_name": "Load", "last_name": "Test", "email": email, "discipline": cat.Disciplines[0],
			"course": "N/A", "method": "filament", "material": cat.Materials[0].ID, "color": cat.Materials[0].Colors[0],
			"printer": cat.Printers[0].ID, "ack_min_charge": "true", "ack_mm": "true"}
		for k, v := range fields {
			w.WriteField(k, v)
		}
		p, _ := w.CreateFormFile("model", name)
		p.Write(model)
		pw.CloseWithError(w.Close())
	}()
	st, b := c.do("POST", "/api/printlab/submit", "", w.FormDataContentType(), pr)
	var out struct{ ID string }
	json.Unmarshal(b, &out)
	if st != 201 {
		c.t.Logf("submit answered %d: %s", st, b)
	}
	return out.ID, st
}

func (c *loadClient) waitThumbnail(id string) time.Duration {
	start := time.Now()
	for time.Since(start) < 30*time.Second {
		_, b := c.do("GET", "/api/collections/jobs/records/"+id+"?fields=thumbnail", c.admin, "", nil)
		var r struct{ Thumbnail string }
		json.Unmarshal(b, &r)
		if r.Thumbnail != "" {
			return time.Since(start)
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.t.Fatalf("no thumbnail for %s after 30 s", id)
	return 0
}

func (c *loadClient) count(filter string) int {
	_, b := c.do("GET", "/api/collections/jobs/records?perPage=1&filter="+urlEscape(filter), c.admin, "", nil)
	var r struct{ TotalItems int }
	json.Unmarshal(b, &r)
	return r.TotalItems
}

func urlEscape(s string) string {
	return strings.NewReplacer(" ", "%20", `"`, "%22", "~", "%7E", "&", "%26").Replace(s)
}

func stlBytes(tb testing.TB, m *model3d.Mesh) []byte {
	var b bytes.Buffer
	if err := model3d.WriteBinarySTL(&b, m); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// procMem reads the peak (VmHWM) and current (VmRSS) resident memory of pid.
func procMem(tb testing.TB, pid int) (hwm, rss int64) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmHWM":
			hwm = kb << 10
		case "VmRSS":
			rss = kb << 10
		}
	}
	return hwm, rss
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
