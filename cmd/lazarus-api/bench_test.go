package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

// BenchmarkAPIKeystone measures the built lazarus-api binary, default
// configuration with auth_strategy = keystone against a local fake
// Keystone (every request carries an admin token; the API validates it
// once and caches it, as keystonemiddleware does), on the real
// PostgreSQL, over loopback HTTP: GET /v1/segments with 100 segments,
// and POST /v1/notifications for one host (process failures, each with
// its own process name) and spread over 1,000 hosts (host failures); every
// report is new (202). Each at 1 and 32 connections for
// LAZARUS_BENCH_SECONDS (default 5) per row. The load generator is wrk
// when it is installed (make bench installs it), else this process (one
// keep-alive connection per worker; LAZARUS_BENCH_LOADGEN=go forces it),
// on the same cores either way. It
// prints req/s, p50 and p99 latency as the load generator saw it, the p99
// the API's own latency histogram saw (a bucket bound: 0.5, 1, 2.5, 5,
// 10, 25, 50, 100 ms...), the CPU time per request of the API
// and of the PostgreSQL backends serving it, and the API's peak RSS
// after each row.
// LAZARUS_BENCH_ROWS=text runs only the rows whose "name cN" contains it.
// LAZARUS_BENCH_TAGS are build tags for the API binary: with "pprof" and
// LAZARUS_PPROF=127.0.0.1:6060 it serves net/http/pprof there (pprof.go),
// e.g. go tool pprof http://127.0.0.1:6060/debug/pprof/profile?seconds=10
// while a long row (LAZARUS_BENCH_SECONDS=30) runs. LAZARUS_BENCH_DBCONF
// adds lines to the API's [database] section ("max_conns = 4" compares
// pool sizes).
func BenchmarkAPIKeystone(b *testing.B) {
	ctx := context.Background()
	secs := 5.0
	if v := os.Getenv("LAZARUS_BENCH_SECONDS"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			b.Fatalf("LAZARUS_BENCH_SECONDS: %v", err)
		}
		secs = f
	}
	dbURL := storetest.NewMigratedDatabase(b)
	s, err := store.Open(ctx, dbURL, 4)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const hosts = 1000
	var segs []string
	for i := range 100 {
		seg, err := s.SegmentInsert(ctx, &store.SegmentInsertParams{Name: fmt.Sprintf("segment-%03d", i), ServiceType: "COMPUTE", RecoveryMethod: "auto", Enabled: true})
		if err != nil {
			b.Fatal(err)
		}
		segs = append(segs, seg.UUID)
	}
	for i := range hosts {
		if _, err := s.HostInsert(ctx, &store.HostInsertParams{SegmentUUID: segs[i%len(segs)], Name: fmt.Sprintf("compute-%04d", i), Type: "COMPUTE", ControlAttributes: "SSH"}); err != nil {
			b.Fatal(err)
		}
	}

	ks := fakeKeystone()
	defer ks.Close()
	api := startAPI(b, dbURL, ks.URL)

	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var seq atomic.Int64
	get := func() *http.Request {
		r, _ := http.NewRequest("GET", api.url+"/v1/segments", nil)
		r.Header.Set("X-Auth-Token", "admin-token")
		return r
	}
	post := func(spread int) func() *http.Request {
		return func() *http.Request {
			n := seq.Add(1)
			var body string
			if spread == 1 {
				// One host, 32 at once: every report new (not a
				// duplicate) needs a payload of its own.
				body = fmt.Sprintf(`{"notification": {"type": "PROCESS", "hostname": "compute-0000", "generated_time": %q, "payload": {"event": "STOPPED", "process_name": "proc-%d"}}}`,
					t0.Add(time.Duration(n)*200*time.Second).Format(time.RFC3339), n)
			} else {
				// Host failures, per host 200 s apart: beyond the 180 s
				// duplicate window.
				gen := t0.Add(time.Duration(n/int64(spread)) * 200 * time.Second).Format(time.RFC3339)
				body = fmt.Sprintf(`{"notification": {"type": "COMPUTE_HOST", "hostname": "compute-%04d", "generated_time": %q, "payload": {"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}}}`, n%int64(spread), gen)
			}
			r, _ := http.NewRequest("POST", api.url+"/v1/notifications", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("X-Auth-Token", "admin-token")
			return r
		}
	}
	rows := []struct {
		name string
		mk   func() *http.Request
		lua  string // the same requests for wrk
		want int
		conc int
	}{
		{"GET /v1/segments (100)", get, wrkGet, 200, 1},
		{"GET /v1/segments (100)", get, wrkGet, 200, 32},
		{"POST /v1/notifications (one host)", post(1), wrkPostOneHost, 202, 1},
		{"POST /v1/notifications (one host)", post(1), wrkPostOneHost, 202, 32},
		{"POST /v1/notifications (1,000 hosts)", post(hosts), wrkPostHosts, 202, 1},
		{"POST /v1/notifications (1,000 hosts)", post(hosts), wrkPostHosts, 202, 32},
	}
	wrk, _ := exec.LookPath("wrk")
	if os.Getenv("LAZARUS_BENCH_LOADGEN") == "go" {
		wrk = ""
	}
	gen := "wrk (" + wrk + ")"
	if wrk == "" {
		gen = "Go, in-process"
	}
	scripts := b.TempDir()
	var out strings.Builder
	tw := tabwriter.NewWriter(&out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "request\tconns\trequests\treq/s\tp50 ms\tp99 ms\tin-api p99 ms\tapi CPU/req\tdb CPU/req\tapi peak RSS\t")
	for b.Loop() {
		for i, r := range rows {
			if only := os.Getenv("LAZARUS_BENCH_ROWS"); only != "" && !strings.Contains(fmt.Sprintf("%s c%d", r.name, r.conc), only) {
				continue
			}
			cpu0 := cpuSeconds(api.cmd.Process.Pid)
			method, _, _ := strings.Cut(r.name, " ")
			lat0 := latencyBuckets(api.metricsURL, method)
			db0 := backendsCPU(ctx, s)
			var res loadResult
			if wrk != "" {
				res = loadWrk(wrk, filepath.Join(scripts, "row.lua"), r.lua, api.url, r.conc, secs, i+1)
			} else {
				res = load(r.mk, r.want, r.conc, time.Duration(secs*float64(time.Second)))
			}
			if res.err != "" {
				b.Fatalf("%s c%d: %s", r.name, r.conc, res.err)
			}
			cpuPerReq := (cpuSeconds(api.cmd.Process.Pid) - cpu0) / float64(max(res.n, 1)) * 1e6
			var dbCPU float64
			for pid, c := range backendsCPU(ctx, s) {
				dbCPU += c - db0[pid] // 0 for a backend started during the row
			}
			dbPerReq := dbCPU / float64(max(res.n, 1)) * 1e6
			inAPI := serverP99(lat0, latencyBuckets(api.metricsURL, method))
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.2f\t%.2f\t%s\t%.0f µs\t%.0f µs\t%.1f MiB\t\n", r.name, r.conc, res.n, res.rps, res.p50, res.p99, inAPI, cpuPerReq, dbPerReq, peakRSS(api.cmd.Process.Pid))
			unit := strings.NewReplacer(" ", "_", "/", "", "(", "", ")", "", ",", "").Replace(r.name)
			b.ReportMetric(res.rps, fmt.Sprintf("%s_c%d_req/s", unit, r.conc))
			b.ReportMetric(res.p99, fmt.Sprintf("%s_c%d_p99_ms", unit, r.conc))
		}
	}
	tw.Flush()
	fmt.Printf("\nlazarus-api, keystone auth (fake Keystone), default config, %.0f s per row, load generator %s; load average before %s, after %s\n%s",
		secs, gen, api.loadBefore, loadavg(), out.String())
}

// The rows' requests as wrk scripts. Each wrk thread numbers its own
// requests; thread ids keep them distinct across threads.
const (
	wrkCommon = `
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function init(args)
  n = 0
  nthreads = tonumber(args[1])
  salt = tonumber(args[2]) -- distinct per row: rows share the database
end
function response(status, headers, body)
  if status ~= tonumber(want) then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
    os.exit(1)
  end
end
`
	wrkGet = wrkCommon + `
want = "200"
function request()
  return wrk.format("GET", "/v1/segments", {["X-Auth-Token"] = "admin-token"})
end
`
	wrkPostOneHost = wrkCommon + `
want = "202"
function request()
  local k = salt * 1000000 + n * nthreads + tid
  n = n + 1
  -- Generated times 200 s apart too: each duplicate check looks at one
  -- window of this host's reports, as in life.
  local gen = os.date("!%Y-%m-%dT%H:%M:%SZ", 1767225600 + k * 200)
  local body = string.format('{"notification": {"type": "PROCESS", "hostname": "compute-0000", "generated_time": "%s", "payload": {"event": "STOPPED", "process_name": "proc-%d"}}}', gen, k)
  return wrk.format("POST", "/v1/notifications", {["X-Auth-Token"] = "admin-token", ["Content-Type"] = "application/json"}, body)
end
`
	// Per host, generated times 200 s apart (beyond the 180 s window).
	wrkPostHosts = wrkCommon + `
want = "202"
function request()
  local k = salt * 1000000 + n * nthreads + tid
  n = n + 1
  local host = k % 1000
  local gen = os.date("!%Y-%m-%dT%H:%M:%SZ", 1767225600 + math.floor(k / 1000) * 200)
  local body = string.format('{"notification": {"type": "COMPUTE_HOST", "hostname": "compute-%04d", "generated_time": "%s", "payload": {"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}}}', host, gen)
  return wrk.format("POST", "/v1/notifications", {["X-Auth-Token"] = "admin-token", ["Content-Type"] = "application/json"}, body)
end
`
)

// loadWrk runs wrk with the script for secs seconds on conc connections
// (two threads from 2 connections up: the machine's cores) and parses its
// report.
func loadWrk(wrk, path, script, url string, conc int, secs float64, salt int) loadResult {
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		return loadResult{err: err.Error()}
	}
	threads := min(conc, 2)
	out, err := exec.Command(wrk, "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conc), "-d", fmt.Sprintf("%.0fs", secs),
		"--latency", "-s", path, url, "--", strconv.Itoa(threads), strconv.Itoa(salt)).CombinedOutput()
	if err != nil {
		return loadResult{err: fmt.Sprintf("wrk: %v: %s", err, out)}
	}
	var res loadResult
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "50%":
			res.p50 = wrkMillis(f[1])
		case len(f) == 2 && f[0] == "99%":
			res.p99 = wrkMillis(f[1])
		case len(f) == 2 && f[0] == "Requests/sec:":
			res.rps, _ = strconv.ParseFloat(f[1], 64)
		case len(f) >= 2 && f[1] == "requests":
			res.n, _ = strconv.Atoi(f[0])
		case strings.Contains(line, "Non-2xx") || strings.Contains(line, "Socket errors"):
			res.err = fmt.Sprintf("wrk: %s", strings.TrimSpace(line))
		}
	}
	if res.n == 0 && res.err == "" {
		res.err = fmt.Sprintf("wrk: no result: %s", out)
	}
	return res
}

// wrkMillis parses wrk's latency ("812.00us", "1.20ms", "2.01s").
func wrkMillis(v string) float64 {
	for _, u := range []struct {
		suffix string
		ms     float64
	}{{"us", 0.001}, {"ms", 1}, {"s", 1000}, {"m", 60000}} {
		if num, ok := strings.CutSuffix(v, u.suffix); ok {
			f, err := strconv.ParseFloat(num, 64)
			if err == nil {
				return f * u.ms
			}
		}
	}
	return -1
}

type loadResult struct {
	n             int
	rps, p50, p99 float64
	err           string
}

// load runs conc workers, each on its own keep-alive connection, sending
// mk's requests back to back for d.
func load(mk func() *http.Request, want, conc int, d time.Duration) loadResult {
	var mu sync.Mutex
	var all []time.Duration
	var failed atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for range conc {
		wg.Go(func() {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1}}
			defer client.CloseIdleConnections()
			lat := make([]time.Duration, 0, 4096)
			for time.Now().Before(deadline) && failed.Load() == nil {
				req := mk()
				t := time.Now()
				res, err := client.Do(req)
				if err != nil {
					failed.Store(err.Error())
					break
				}
				data, _ := io.ReadAll(res.Body)
				res.Body.Close()
				lat = append(lat, time.Since(t))
				if res.StatusCode != want {
					failed.Store(fmt.Sprintf("status %d: %s", res.StatusCode, data))
					break
				}
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if f := failed.Load(); f != nil {
		return loadResult{err: f.(string)}
	}
	slices.Sort(all)
	ms := func(q float64) float64 { return float64(all[int(float64(len(all)-1)*q)].Microseconds()) / 1000 }
	return loadResult{n: len(all), rps: float64(len(all)) / elapsed.Seconds(), p50: ms(0.5), p99: ms(0.99)}
}

// fakeKeystone answers the service login and validates "admin-token" as
// a token with the admin role.
func fakeKeystone() *httptest.Server {
	exp := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v3/auth/tokens":
			w.Header().Set("X-Subject-Token", "svc")
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"token": {"expires_at": %q, "user": {"id": "lazarus"}, "catalog": []}}`, exp)
		case r.Method == http.MethodGet && r.URL.Path == "/v3/auth/tokens" && r.Header.Get("X-Subject-Token") == "admin-token":
			fmt.Fprintf(w, `{"token": {"expires_at": %q, "user": {"id": "admin"}, "project": {"id": "admin"}, "roles": [{"name": "admin"}]}}`, exp)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
}

type apiProc struct {
	cmd        *exec.Cmd
	url        string
	metricsURL string
	loadBefore string
}

// startAPI builds lazarus-api and runs it with a default configuration
// (keystone auth) on a free port.
func startAPI(b *testing.B, dbURL, keystoneURL string) *apiProc {
	dir := b.TempDir()
	bin := filepath.Join(dir, "lazarus-api")
	if out, err := exec.Command("go", "build", "-tags", os.Getenv("LAZARUS_BENCH_TAGS"), "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v: %s", err, out)
	}
	// The metrics listener on a port free a moment ago.
	ml, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	metricsAddr := ml.Addr().String()
	ml.Close()
	conf := filepath.Join(dir, "lazarus.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`[DEFAULT]
auth_strategy = keystone
log_format = json
[database]
connection = %s
%s
[api]
listen = 127.0.0.1:0
metrics_listen = %s
validate_compute_hosts = false
policy_file =
[keystone_authtoken]
auth_url = %s/v3
password = secret
`, dbURL, os.Getenv("LAZARUS_BENCH_DBCONF"), metricsAddr, keystoneURL)), 0o600); err != nil {
		b.Fatal(err)
	}
	p := &apiProc{cmd: exec.Command(bin, "--config", conf), metricsURL: "http://" + metricsAddr + "/metrics", loadBefore: loadavg()}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		_ = p.cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "lazarus-api listening" {
				addr <- line.Addr
				break
			}
		}
		// The access log, a line per request, is read and dropped
		// without parsing: this process shares the cores with the API.
		_, _ = io.Copy(io.Discard, stderr)
	}()
	select {
	case a := <-addr:
		p.url = "http://" + a
	case <-time.After(30 * time.Second):
		b.Fatal("lazarus-api did not start")
	}
	return p
}

// peakRSS reads a process's peak resident set (VmHWM) in MiB.
func peakRSS(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
			return kb / 1024
		}
	}
	return -1
}

// latencyBuckets reads the API's own request latency histogram
// (lazarus_api_request_duration_seconds) for one method: cumulative
// counts by upper bound in seconds, summed over routes and codes.
func latencyBuckets(metricsURL, method string) map[float64]float64 {
	out := map[float64]float64{}
	res, err := http.Get(metricsURL)
	if err != nil {
		return out
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "lazarus_api_request_duration_seconds_bucket{") || !strings.Contains(line, `method="`+method+`"`) {
			continue
		}
		_, rest, _ := strings.Cut(line, `le="`)
		le, rest, _ := strings.Cut(rest, `"`)
		bound, err := strconv.ParseFloat(le, 64)
		if err != nil {
			bound = math.Inf(1) // "+Inf"
		}
		n, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(rest, "}")), 64)
		out[bound] += n
	}
	return out
}

// serverP99 is the smallest histogram bound (ms) under which 99% of the
// requests between two readings were answered, as measured inside the
// API (from its middleware to the last byte handed to the kernel):
// without the time a request waits for the API to read it.
func serverP99(before, after map[float64]float64) string {
	var bounds []float64
	for b := range after {
		bounds = append(bounds, b)
	}
	slices.Sort(bounds)
	if len(bounds) == 0 {
		return "?"
	}
	total := after[math.Inf(1)] - before[math.Inf(1)]
	for _, b := range bounds {
		if after[b]-before[b] >= 0.99*total {
			if math.IsInf(b, 1) {
				return "> " + strconv.FormatFloat(bounds[len(bounds)-2]*1000, 'g', -1, 64)
			}
			return "≤ " + strconv.FormatFloat(b*1000, 'g', -1, 64)
		}
	}
	return "?"
}

// backendsCPU reads the CPU time of each PostgreSQL backend connected to
// the benchmark's database but this query's own: the API's pool (this
// process's other connections stay idle during a row).
func backendsCPU(ctx context.Context, s *store.Store) map[int]float64 {
	out := map[int]float64{}
	rows, err := s.Pool().Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
	if err != nil {
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) == nil {
			out[pid] = cpuSeconds(pid)
		}
	}
	return out
}

// cpuSeconds is a process's user+system CPU time (/proc/PID/stat, 100 Hz).
func cpuSeconds(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := strings.LastIndexByte(string(data), ')')
	f := strings.Fields(string(data[i+2:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
