package heartbeat_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/engine/brake"
	"github.com/lazarus-ha/lazarus/engine/heartbeat"
	"github.com/lazarus-ha/lazarus/store"
)

var defaults = heartbeat.CheckConfig{KnownWindow: time.Hour, StaleAfter: 30 * time.Second, MaxSilentRatio: 0.5}

func TestDecide(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		known, fresh int
		ratio        float64
		fail         bool
	}{
		{"no monitor known (API transport or none deployed): no evidence, no block", 0, 0, 0.5, false},
		{"everyone heard: all quiet", 40, 40, 0.5, false},
		{"one host died, its monitor with it: normal failure", 40, 39, 0.5, false},
		{"exactly half silent is not more than half", 40, 20, 0.5, false},
		{"2 of 40 heard: this engine is probably the isolated one", 40, 2, 0.5, true},
		{"a single known monitor gone silent: the engine hears nobody", 1, 0, 0.5, true},
		{"two-host segment, one monitor dies with its host: 50% is allowed", 2, 1, 0.5, false},
		{"a stricter ratio catches a quarter vanishing at once", 40, 29, 0.25, true},
		{"ratio 1 never blocks on heartbeats", 40, 0, 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := defaults
			cfg.MaxSilentRatio = tc.ratio
			err := heartbeat.Decide(tc.known, tc.fresh, cfg)
			if !tc.fail {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
		})
	}
}

func TestDecideReason(t *testing.T) {
	t.Parallel()
	err := heartbeat.Decide(40, 2, defaults)
	require.EqualError(t, err, "heard from 2 of 40 host monitors in the last 30s (38 silent, more than monitor_max_silent_ratio 0.50)")
	d := brake.Decide(store.SegmentFailureStats{Hosts: 40}, brake.Limits{MaxFailedHostRatio: 0.5}, err)
	require.True(t, d.Hold)
	require.Contains(t, d.Reason, "heard from 2 of 40 host monitors in the last 30s")
	require.Contains(t, d.Reason, "this engine may be the isolated one")
}

type countStore struct {
	known, fresh int
	err          error
}

func (countStore) MonitorHeartbeatsUpsert(context.Context, []store.MonitorHeartbeat) error {
	return nil
}
func (c countStore) MonitorHeartbeatCounts(context.Context, time.Duration, time.Duration) (int, int, error) {
	return c.known, c.fresh, c.err
}

func TestCheckReadFailureFails(t *testing.T) {
	t.Parallel()
	// A database the engine cannot read is no evidence that all is well.
	err := heartbeat.NewCheck(countStore{err: errors.New("connection refused")}, defaults).Check(context.Background())
	require.ErrorContains(t, err, "connection refused")
	require.NoError(t, heartbeat.NewCheck(countStore{known: 3, fresh: 3}, defaults).Check(context.Background()))
	require.Error(t, heartbeat.NewCheck(countStore{known: 3, fresh: 1}, defaults).Check(context.Background()))
}
