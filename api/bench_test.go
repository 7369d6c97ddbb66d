package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/lazarus-ha/lazarus/api"
	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

// BenchmarkAPI measures lazarus-api's handler on a real PostgreSQL over
// loopback HTTP: GET /v1/segments with 100 segments and POST
// /v1/notifications (each one new, on 64 hosts), at concurrency 1 and 32.
// It prints requests/s and p50/p99 latency. Run with make bench
// (-benchtime 1x: one pass of a fixed number of requests per row).
func BenchmarkAPI(b *testing.B) {
	ctx := context.Background()
	// The pool lazarus-api would have with [database] max_conns = 16.
	s, err := store.Open(ctx, storetest.NewMigratedDatabase(b), 16)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var segUUID string
	for i := range 100 {
		seg, err := s.SegmentInsert(ctx, &store.SegmentInsertParams{Name: fmt.Sprintf("segment-%03d", i), ServiceType: "COMPUTE", RecoveryMethod: "auto", Enabled: true})
		if err != nil {
			b.Fatal(err)
		}
		segUUID = seg.UUID
	}
	const hosts = 64
	for i := range hosts {
		if _, err := s.HostInsert(ctx, &store.HostInsertParams{SegmentUUID: segUUID, Name: fmt.Sprintf("compute-%02d", i), Type: "COMPUTE", ControlAttributes: "SSH"}); err != nil {
			b.Fatal(err)
		}
	}
	srv := httptest.NewServer(api.NewRouter(api.Deps{Store: s, Auth: api.NoAuth{}, DuplicateWindow: 180 * time.Second}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	var seq atomic.Int64
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	get := func() (*http.Request, error) { return http.NewRequest("GET", srv.URL+"/v1/segments", nil) }
	post := func() (*http.Request, error) {
		n := seq.Add(1)
		// Every report is new: a payload of its own (times per host would
		// make a report that overtakes an earlier one a duplicate of it).
		body := fmt.Sprintf(`{"notification": {"type": "PROCESS", "hostname": "compute-%02d", "generated_time": %q, "payload": {"event": "STOPPED", "process_name": "proc-%d"}}}`,
			n%hosts, t0.Format(time.RFC3339), n)
		r, err := http.NewRequest("POST", srv.URL+"/v1/notifications", strings.NewReader(body))
		if err == nil {
			r.Header.Set("Content-Type", "application/json")
		}
		return r, err
	}
	type row struct {
		name        string
		mk          func() (*http.Request, error)
		want        int
		concurrency int
		requests    int
	}
	rows := []row{
		{"GET /v1/segments (100)", get, 200, 1, 1000},
		{"GET /v1/segments (100)", get, 200, 32, 4000},
		{"POST /v1/notifications", post, 202, 1, 1000},
		{"POST /v1/notifications", post, 202, 32, 4000},
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "request\tconcurrency\trequests\treq/s\tp50 ms\tp99 ms\t")
	for b.Loop() {
		for _, r := range rows {
			lat := make([]time.Duration, r.requests)
			var next atomic.Int64
			var wg sync.WaitGroup
			var failed atomic.Value
			start := time.Now()
			for range r.concurrency {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1) - 1
						if i >= int64(r.requests) {
							return
						}
						req, err := r.mk()
						if err != nil {
							failed.Store(err.Error())
							return
						}
						t := time.Now()
						res, err := client.Do(req)
						if err != nil {
							failed.Store(err.Error())
							return
						}
						data, _ := io.ReadAll(res.Body)
						res.Body.Close()
						lat[i] = time.Since(t)
						if res.StatusCode != r.want {
							failed.Store(fmt.Sprintf("%s: status %d: %s", r.name, res.StatusCode, data))
							return
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			if f := failed.Load(); f != nil {
				b.Fatal(f)
			}
			slices.Sort(lat)
			rps := float64(r.requests) / elapsed.Seconds()
			p50 := float64(lat[len(lat)/2].Microseconds()) / 1000
			p99 := float64(lat[len(lat)*99/100].Microseconds()) / 1000
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.2f\t%.2f\t\n", r.name, r.concurrency, r.requests, rps, p50, p99)
			unit := strings.NewReplacer(" ", "_", "/", "", "(", "", ")", "").Replace(r.name)
			b.ReportMetric(rps, fmt.Sprintf("%s_c%d_req/s", unit, r.concurrency))
		}
	}
	tw.Flush()
}
