package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

func TestMonitorHeartbeats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.NewStore(t)
	known, fresh, err := st.MonitorHeartbeatCounts(ctx, time.Hour, 30*time.Second)
	require.NoError(t, err)
	require.Equal(t, [2]int{0, 0}, [2]int{known, fresh}, "no monitor known yet")

	require.NoError(t, st.MonitorHeartbeatsUpsert(ctx, []store.MonitorHeartbeat{
		{Host: "c1", PeersAlive: map[string]int{"mgmt": 1}},
		{Host: "c2"},
		{Host: "c1", PeersAlive: map[string]int{"mgmt": 2}}, // the later entry of a batch wins
	}))
	beats, err := st.MonitorHeartbeats(ctx)
	require.NoError(t, err)
	require.Len(t, beats, 2)
	require.Equal(t, "c1", beats[0].Host)
	require.Equal(t, map[string]int{"mgmt": 2}, beats[0].PeersAlive)
	require.Equal(t, map[string]int{}, beats[1].PeersAlive)

	known, fresh, err = st.MonitorHeartbeatCounts(ctx, time.Hour, 30*time.Second)
	require.NoError(t, err)
	require.Equal(t, [2]int{2, 2}, [2]int{known, fresh})
	// With a fresh window of zero nobody is fresh, yet both stay known.
	known, fresh, err = st.MonitorHeartbeatCounts(ctx, time.Hour, 0)
	require.NoError(t, err)
	require.Equal(t, [2]int{2, 0}, [2]int{known, fresh})
	// Outside the known window a monitor is forgotten.
	known, _, err = st.MonitorHeartbeatCounts(ctx, 0, 0)
	require.NoError(t, err)
	require.Equal(t, 0, known)
}

func TestMonitorHeartbeatAges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.NewStore(t)
	require.NoError(t, st.MonitorHeartbeatsUpsert(ctx, []store.MonitorHeartbeat{{Host: "c1"}, {Host: "c2"}}))
	// c2 went silent ten minutes ago (by the database's clock).
	_, err := st.Pool().Exec(ctx, `UPDATE monitor_heartbeats SET last_seen = now() - interval '10 minutes' WHERE host = 'c2'`)
	require.NoError(t, err)

	ages, err := st.MonitorHeartbeatAges(ctx, 0)
	require.NoError(t, err)
	require.Len(t, ages, 2)
	require.Equal(t, "c1", ages[0].Host)
	require.Less(t, ages[0].Age, time.Minute, "c1 was just heard from")
	require.Equal(t, "c2", ages[1].Host)
	require.GreaterOrEqual(t, ages[1].Age, 10*time.Minute)

	// Outside the known window c2 is no longer reported.
	ages, err = st.MonitorHeartbeatAges(ctx, 5*time.Minute)
	require.NoError(t, err)
	require.Len(t, ages, 1)
	require.Equal(t, "c1", ages[0].Host)
}
