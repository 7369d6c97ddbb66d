package metrics_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/engine/metrics"
	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

// The state metrics read from the real PostgreSQL what the alert rules
// (etc/prometheus/lazarus-rules.yaml) ask about.
func TestStateFromPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.NewStore(t)
	seg, host := "7c4e0a39-0000-4000-8000-000000000001", "7c4e0a39-0000-4000-8000-000000000002"
	_, err := st.Pool().Exec(ctx, `INSERT INTO segments (uuid, name, service_type, recovery_method) VALUES ($1, 'seg', 'COMPUTE', 'auto')`, seg)
	require.NoError(t, err)
	_, err = st.Pool().Exec(ctx, `INSERT INTO hosts (uuid, name, failover_segment_id, type, control_attributes) VALUES ($1, 'compute-1', $2, 'COMPUTE', 'SSH')`, host, seg)
	require.NoError(t, err)
	_, err = st.Pool().Exec(ctx, `INSERT INTO notifications (notification_uuid, generated_time, source_host_uuid, failover_segment_uuid, type, payload)
		VALUES ('7c4e0a39-0000-4000-8000-000000000003', now(), $1, $2, 'COMPUTE_HOST', '{}')`, host, seg)
	require.NoError(t, err)
	_, err = st.Pool().Exec(ctx, `INSERT INTO recoveries (uuid, notification_uuid, kind, host_uuid, host_name, segment_uuid, state, hold_reason)
		VALUES ('7c4e0a39-0000-4000-8000-000000000004', '7c4e0a39-0000-4000-8000-000000000003', 'host', $1, 'compute-1', $2, 'held', 'BMC unreachable')`, host, seg)
	require.NoError(t, err)
	require.NoError(t, st.MonitorHeartbeatsUpsert(ctx, []store.MonitorHeartbeat{{Host: "compute-1"}}))

	leading := true
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(metrics.NewState(st, metrics.StateConfig{IsLeader: func() bool { return leading }, KnownWindow: time.Hour}, slog.New(slog.DiscardHandler)))

	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP lazarus_engine_leader 1 while this engine is the elected leader (runs the periodic tasks), else 0.
# TYPE lazarus_engine_leader gauge
lazarus_engine_leader 1
`), "lazarus_engine_leader"))
	leading = false
	require.Equal(t, 0.0, gather(t, reg, "lazarus_engine_leader", nil))

	require.Equal(t, 1.0, gather(t, reg, "lazarus_recoveries", map[string]string{"kind": "host", "state": "held"}))
	require.Equal(t, 0.0, gather(t, reg, "lazarus_recoveries", map[string]string{"kind": "host", "state": "running"}),
		"an empty state is exported as 0, not left out")
	n, err := testutil.GatherAndCount(reg, "lazarus_recoveries")
	require.NoError(t, err)
	require.Equal(t, 9, n, "3 kinds × 3 states")

	age := gather(t, reg, "lazarus_monitor_heartbeat_age_seconds", map[string]string{"host": "compute-1"})
	require.GreaterOrEqual(t, age, 0.0)
	require.Less(t, age, 60.0, "compute-1 was just heard from")
	require.Equal(t, 0.0, gather(t, reg, "lazarus_engine_state_query_failures_total", nil))
}

type failingStore struct{}

func (failingStore) RecoveryCountsActive(context.Context) ([]store.RecoveryCount, error) {
	return nil, errors.New("database down")
}

func (failingStore) MonitorHeartbeatAges(context.Context, time.Duration) ([]store.MonitorHeartbeatAge, error) {
	return nil, errors.New("database down")
}

// A database that does not answer must not fail the whole scrape (the
// engine's own metrics and lazarus_engine_leader still matter then); the
// failure is counted.
func TestStateQueryFailure(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(metrics.NewState(failingStore{}, metrics.StateConfig{IsLeader: func() bool { return true }}, slog.New(slog.DiscardHandler)))
	require.Equal(t, 1.0, gather(t, reg, "lazarus_engine_leader", nil))
	n, err := testutil.GatherAndCount(reg, "lazarus_recoveries", "lazarus_monitor_heartbeat_age_seconds")
	require.NoError(t, err)
	require.Zero(t, n)
	// Two failing queries per scrape; this is the third scrape.
	require.Equal(t, 6.0, gather(t, reg, "lazarus_engine_state_query_failures_total", nil))
}

// gather scrapes reg and returns the value of the series of name whose
// labels include labels; it fails the test if there is none.
func gather(t *testing.T, reg prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for k, v := range labels {
				found := false
				for _, l := range m.GetLabel() {
					if l.GetName() == k && l.GetValue() == v {
						found = true
					}
				}
				if !found {
					continue series
				}
			}
			switch {
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no series %s%v", name, labels)
	return 0
}
