package novasim_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/openstack/nova"
	"github.com/lazarus-ha/lazarus/test/novasim"
)

// scaleHosts and scalePerHost are the scale benchmark's cloud: 1,000 hosts
// with 50,000 servers.
const (
	scaleHosts   = 1000
	scalePerHost = 50
)

type scaleBundle struct {
	sim    *novasim.Sim
	srv    *httptest.Server
	client *nova.Client
}

func setupScale(b *testing.B, hosts, perHost int) *scaleBundle {
	b.Helper()
	sim := novasim.New(novasim.Options{})
	require.NoError(b, sim.Populate(hosts, perHost, 0.5))
	srv := httptest.NewServer(sim)
	c, err := nova.New(context.Background(), nova.Config{
		AuthURL: srv.URL + "/v3", Username: novasim.DefaultUsername, Password: novasim.DefaultPassword,
		ProjectName: novasim.DefaultProjectName,
	}, slog.New(slog.DiscardHandler))
	require.NoError(b, err)
	b.Cleanup(func() {
		srv.Close()
		sim.Close()
	})
	return &scaleBundle{sim: sim, srv: srv, client: c}
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// BenchmarkServersOnHost measures the client's ServersOnHost through HTTP
// against a simulator holding 50,000 servers: every host once (50 servers
// each), then a 5,000-server host (5 pages of Nova's max_limit 1,000).
func BenchmarkServersOnHost(b *testing.B) {
	ctx := context.Background()
	b.Run("1000hosts_x_50", func(b *testing.B) {
		s := setupScale(b, scaleHosts, scalePerHost)
		var lat []time.Duration
		for b.Loop() {
			lat = lat[:0]
			for i := 1; i <= scaleHosts; i++ {
				t0 := time.Now()
				list, err := s.client.ServersOnHost(ctx, fmt.Sprintf("compute-%04d", i))
				lat = append(lat, time.Since(t0))
				require.NoError(b, err)
				require.Len(b, list, scalePerHost)
			}
		}
		slices.Sort(lat)
		b.ReportMetric(float64(percentile(lat, 0.5).Microseconds())/1000, "p50_ms")
		b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99_ms")
		b.Logf("ServersOnHost, 50,000 servers in the cloud, 50 on the host: p50 %s  p99 %s  max %s (%d calls)",
			percentile(lat, 0.5), percentile(lat, 0.99), lat[len(lat)-1], len(lat))
	})
	b.Run("1host_x_5000", func(b *testing.B) {
		s := setupScale(b, 1, 5000)
		var last time.Duration
		for b.Loop() {
			t0 := time.Now()
			list, err := s.client.ServersOnHost(ctx, "compute-0001")
			last = time.Since(t0)
			require.NoError(b, err)
			require.Len(b, list, 5000)
		}
		b.ReportMetric(float64(last.Microseconds())/1000, "ms/list")
		b.Logf("ServersOnHost, 5,000 servers on one host (5 pages): %s", last)
	})
}

// BenchmarkEvacuate measures evacuate throughput through the client: 20 of
// 1,000 hosts fail at once, are forced down, and their 1,000 servers are
// evacuated by 16 workers with scheduler-chosen targets (no delay).
func BenchmarkEvacuate(b *testing.B) {
	ctx := context.Background()
	const failed, workers = 20, 16
	var calls, toActive time.Duration
	var n int
	for b.Loop() {
		b.StopTimer()
		s := setupScale(b, scaleHosts, scalePerHost)
		var ids []string
		for i := 1; i <= failed; i++ {
			h := fmt.Sprintf("compute-%04d", i)
			require.NoError(b, s.sim.KillHost(h))
			svc, err := s.client.ComputeService(ctx, h)
			require.NoError(b, err)
			require.NoError(b, s.client.SetForcedDown(ctx, svc.ID, true))
			list, err := s.client.ServersOnHost(ctx, h)
			require.NoError(b, err)
			for _, v := range list {
				ids = append(ids, v.ID)
			}
		}
		n = len(ids)
		b.StartTimer()

		t0 := time.Now()
		work := make(chan string)
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for range workers {
			wg.Go(func() {
				for id := range work {
					if err := s.client.Evacuate(ctx, id, ""); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		for _, id := range ids {
			work <- id
		}
		close(work)
		wg.Wait()
		calls = time.Since(t0)
		require.NoError(b, s.sim.WaitIdle(ctx))
		toActive = time.Since(t0)
		close(errs)
		require.NoError(b, <-errs)

		b.StopTimer()
		// From microversion 2.95 Nova leaves an evacuated server stopped.
		want := "ACTIVE"
		if s.client.Features().EvacuateStopsInstance {
			want = "SHUTOFF"
		}
		for _, id := range ids {
			require.Equal(b, 1, s.sim.EvacuateCount(id))
			st, _ := s.sim.Server(id)
			require.Equal(b, want, st.Status)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n)/calls.Seconds(), "evacuations/s")
	b.ReportMetric(float64(toActive.Microseconds())/1000, "ms_to_all_active")
	b.Logf("evacuate %d servers of %d failed hosts (1,000 hosts, 50,000 servers), %d workers: calls %s (%.0f/s), all ACTIVE %s",
		n, failed, workers, calls, float64(n)/calls.Seconds(), toActive)
}
