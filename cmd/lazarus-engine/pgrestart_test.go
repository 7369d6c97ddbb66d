package main

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/migrations"
	"github.com/lazarus-ha/lazarus/store/storetest"
	"github.com/lazarus-ha/lazarus/test/novasim"
)

// TestE2EPostgresRestartMidEvacuation: the database restarts while an
// engine evacuates a host; the recovery still ends with every instance
// evacuated exactly once (invariant 3).
func TestE2EPostgresRestartMidEvacuation(t *testing.T) {
	t.Parallel()
	pg := storetest.StartPrivateServer(t)
	conn, err := pgx.Connect(context.Background(), pg.URL)
	require.NoError(t, err)
	_, _, err = migrations.Migrate(context.Background(), conn, nil)
	require.NoError(t, err)
	conn.Close(context.Background())

	c := newCloudOn(t, novasim.Options{ServiceDownTime: time.Second, EvacuateDelay: 400 * time.Millisecond}, pg.URL)
	c.addHost("c1", true)
	c.addHost("c2", false)
	c.addHost("c3", false)
	ids := c.addServers("c1", 24, true)
	c.startEngine("engine-a")
	require.NoError(t, c.sim.KillHost("c1"))
	c.publish("ev-1", "c2", "c1", stopped)
	waitFor(t, "evacuations to start", 2*time.Minute, func() bool { return len(c.sim.EvacuateCalls()) >= 5 })
	pg.Ctl(t, "restart")
	require.Less(t, len(c.sim.EvacuateCalls()), len(ids), "restarted mid-evacuation")
	status, msg := c.waitStatus("ev-1", "finished", "error")
	require.Equal(t, "finished", status, msg)
	for _, id := range ids {
		require.Equal(t, 1, c.sim.EvacuateCount(id), "instance %s evacuated exactly once", id)
		s, _ := c.sim.Server(id)
		require.NotEqual(t, "c1", s.Host)
	}
}
