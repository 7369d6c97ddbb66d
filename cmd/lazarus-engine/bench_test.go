package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/engine/enginetest"
	"github.com/lazarus-ha/lazarus/engine/recovery"
	"github.com/lazarus-ha/lazarus/test/novasim"
)

// peakRSS reads a process's peak resident set (VmHWM) in MiB.
func peakRSS(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return -1
}

type benchCase struct {
	name            string
	segments        int // segments of hostsPerSegment hosts
	hostsPerSegment int
	perHost         int // instances on every host
	failedInstances int // instances on each failed host (overrides perHost there)
	failing         int // failed hosts, one per segment
	threads         int // host_failure_recovery_threads; 0: unset (the default)
	inFlight        int // [engine] max_evacuations_in_flight; 0: the default
}

var (
	benchMu   sync.Mutex
	benchRows []string
)

// BenchmarkHostRecovery measures, against novasim over HTTP with the built
// lazarus-engine binary consuming RabbitMQ and using Postgres, the time
// from publishing a host-failure event to the first evacuate call, to the
// last evacuate call, and to every evacuated instance ACTIVE on its target,
// plus the engine's peak RSS. Fencing is off (require_fencing = false: no
// BMCs at this scale; fencing latency is fencing/ipmi's benchmark), Nova
// reports the hosts down at once, an evacuation takes 200 ms in the
// simulator, and verify_interval is 100 ms.
func BenchmarkHostRecovery(b *testing.B) {
	cases := []benchCase{
		{name: "1_instance", segments: 1, hostsPerSegment: 4, failedInstances: 1, failing: 1},
		{name: "6_instances_threads3", segments: 1, hostsPerSegment: 3, failedInstances: 6, failing: 1, threads: 3},
		{name: "6_instances", segments: 1, hostsPerSegment: 3, failedInstances: 6, failing: 1},
		{name: "100_instances_threads3", segments: 1, hostsPerSegment: 11, failedInstances: 100, failing: 1, threads: 3},
		{name: "100_instances", segments: 1, hostsPerSegment: 11, failedInstances: 100, failing: 1},
		{name: "1000_instances", segments: 1, hostsPerSegment: 21, failedInstances: 1000, failing: 1},
		{name: "20_of_1000_hosts_50000_instances", segments: 20, hostsPerSegment: 50, perHost: 50, failing: 20},
	}
	// LAZARUS_BENCH_INFLIGHT=8,16,32,64 sweeps max_evacuations_in_flight
	// over the 20-host case instead (how its default was chosen).
	if sweep := os.Getenv("LAZARUS_BENCH_INFLIGHT"); sweep != "" {
		cases = nil
		for _, v := range strings.Split(sweep, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			require.NoError(b, err, "LAZARUS_BENCH_INFLIGHT")
			cases = append(cases, benchCase{name: fmt.Sprintf("20_of_1000_hosts_inflight%d", n), segments: 20, hostsPerSegment: 50,
				perHost: 50, failing: 20, inFlight: n})
		}
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				runBenchCase(b, bc)
			}
		})
	}
	b.Cleanup(func() {
		benchMu.Lock()
		defer benchMu.Unlock()
		fmt.Printf("\nengine host recovery (novasim over HTTP, 200 ms per evacuation, %s per compute API answer; threads - = unset; limits per target/in flight; load average %s)\n",
			benchAPILatency(b), loadavg())
		fmt.Printf("%-34s %9s %7s %9s %12s %12s %12s %10s %9s\n", "scenario", "evacuated", "threads", "limits", "first_evac", "last_evac", "all_active", "finished", "peak_rss")
		for _, r := range benchRows {
			fmt.Println(r)
		}
	})
}

func runBenchCase(b *testing.B, bc benchCase) {
	// Nova 2.94: an evacuation ends ACTIVE, so all_active (the simulator's
	// evacuation end) means ACTIVE; from 2.95 Lazarus starts each instance
	// after it (TestE2ENova295StartsOnlyWhatRan): LAZARUS_BENCH_NOVA_MAX=95
	// plays that Nova, and finished then includes the starts.
	mv := 94
	if v := os.Getenv("LAZARUS_BENCH_NOVA_MAX"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(b, err, "LAZARUS_BENCH_NOVA_MAX")
		mv = n
	}
	c := newCloud(b, novasim.Options{ServiceDownTime: time.Minute, EvacuateDelay: 200 * time.Millisecond, MaxLimit: 1000, MaxMicroversion: mv,
		APILatency: benchAPILatency(b)})
	var failed []string
	var evacuees []string
	for s := range bc.segments {
		if s > 0 {
			c.segment = enginetest.Segment(b, c.st, "auto")
		}
		for h := range bc.hostsPerSegment {
			name := fmt.Sprintf("s%02d-h%03d", s, h)
			require.NoError(b, c.sim.AddHost(novasim.HostSpec{Name: name, VCPUs: 1024, MemoryMB: 4 << 20, DiskGB: 40000}))
			c.hosts[name] = enginetest.Host(b, c.st, c.segment, name, false)
			n := bc.perHost
			if h == 0 && s < bc.failing {
				failed = append(failed, name)
				if bc.failedInstances > 0 {
					n = bc.failedInstances
				}
			}
			for i := range n {
				id, err := c.sim.AddServer(novasim.ServerSpec{Host: name, Name: fmt.Sprintf("%s-vm%d", name, i),
					Metadata: map[string]string{"HA_Enabled": "True"}})
				require.NoError(b, err)
				if h == 0 && s < bc.failing {
					evacuees = append(evacuees, id)
				}
			}
		}
	}
	overrides := map[string]string{
		"DEFAULT.verify_interval":             "100ms",
		"fencing.require_fencing":             "false",
		"host_failure.evacuate_all_instances": "true",
		"engine.lease_ttl":                    "15s",
	}
	// Unset unless the case sets it (the tests' base configuration has 3).
	overrides["DEFAULT.host_failure_recovery_threads"] = ""
	if bc.threads > 0 {
		overrides["DEFAULT.host_failure_recovery_threads"] = strconv.Itoa(bc.threads)
	}
	if bc.inFlight > 0 {
		overrides["engine.max_evacuations_in_flight"] = strconv.Itoa(bc.inFlight)
	}
	c.startEngineWith("bench", overrides)
	waitFor(b, "engine to consume", time.Minute, func() bool { return queueConsumers(b, c) > 0 })

	t0 := time.Now()
	for i, h := range failed {
		require.NoError(b, c.sim.MarkServiceDown(h))
		c.publish(fmt.Sprintf("bench-%d", i), "observer", h, stopped)
	}
	for i := range failed {
		st, msg := c.waitStatus(fmt.Sprintf("bench-%d", i), "finished", "error")
		require.Equal(b, "finished", st, msg)
	}
	finished := time.Since(t0)

	var first, last, active time.Time
	for _, call := range c.sim.EvacuateCalls() {
		if first.IsZero() || call.At.Before(first) {
			first = call.At
		}
		if call.At.After(last) {
			last = call.At
		}
		if call.DoneAt.After(active) {
			active = call.DoneAt
		}
	}
	for _, id := range evacuees {
		require.Equal(b, 1, c.sim.EvacuateCount(id))
	}
	if os.Getenv("LAZARUS_BENCH_TRACE") != "" {
		rows, err := c.st.Pool().Query(context.Background(), `
			SELECT name, phase, state, count(*), min(created_at), max(created_at) FROM (
				SELECT 'recovery' AS name, 'created' AS phase, '' AS state, created_at FROM recoveries
				UNION ALL SELECT name, phase, state, created_at FROM recovery_steps) x
			GROUP BY 1, 2, 3 ORDER BY 5`)
		require.NoError(b, err)
		for rows.Next() {
			var name, phase, state string
			var n int
			var first, last time.Time
			require.NoError(b, rows.Scan(&name, &phase, &state, &n, &first, &last))
			b.Logf("%-10s %-9s %-8s %5d rows  first %8s  last %8s", name, phase, state, n, first.Sub(t0).Round(time.Millisecond), last.Sub(t0).Round(time.Millisecond))
		}
		rows.Close()
	}
	rss := peakRSS(c.enginePID("bench"))
	b.ReportMetric(first.Sub(t0).Seconds(), "s_to_first_evacuate")
	b.ReportMetric(last.Sub(t0).Seconds(), "s_to_last_evacuate")
	b.ReportMetric(active.Sub(t0).Seconds(), "s_to_all_active")
	b.ReportMetric(rss, "MiB_peak_rss")
	benchMu.Lock()
	threads := "-"
	if bc.threads > 0 {
		threads = strconv.Itoa(bc.threads)
	}
	limits := fmt.Sprintf("%d/%d", recovery.DefaultMaxEvacuationsPerTarget, cmp.Or(bc.inFlight, recovery.DefaultMaxEvacuationsInFlight))
	benchRows = append(benchRows, fmt.Sprintf("%-34s %9d %7s %9s %12s %12s %12s %10s %8.1fM", bc.name, len(evacuees), threads, limits,
		first.Sub(t0).Round(time.Millisecond), last.Sub(t0).Round(time.Millisecond), active.Sub(t0).Round(time.Millisecond),
		finished.Round(time.Millisecond), rss))
	benchMu.Unlock()
}

// benchAPILatency is LAZARUS_BENCH_API_LATENCY (e.g. 80ms, what one
// evacuate call took on the e2e cloud), the simulator's delay of every
// compute answer; 0 by default. With it the rows show what the Nova calls
// between the server list and the first evacuate cost when each is a
// round trip to a real nova-api.
func benchAPILatency(b *testing.B) time.Duration {
	v := os.Getenv("LAZARUS_BENCH_API_LATENCY")
	if v == "" {
		return 0
	}
	d, err := time.ParseDuration(v)
	require.NoError(b, err, "LAZARUS_BENCH_API_LATENCY")
	return d
}

func queueConsumers(t testing.TB, c *cloud) int {
	q, err := c.pub.QueueDeclarePassive(c.queue, true, false, false, false, nil)
	if err != nil {
		t.Fatalf("inspect queue: %v", err)
	}
	return q.Consumers
}

// enginePID returns a running engine's pid.
func (c *cloud) enginePID(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.engines[name].Process.Pid
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
