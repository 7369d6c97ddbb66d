package main

import (
	"fmt"
	"github.com/lazarus-ha/lazarus/monitors/wire"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/cmd/internal/monitorwire/binarytest"
	"github.com/lazarus-ha/lazarus/monitors/event"
)

// TestBinaryPublishesHeartbeats runs the lazarus-hostmonitor binary on
// loopback with [hostmonitor] heartbeat_interval set and reads its
// heartbeats from <notification_queue>.heartbeats on the real broker.
func TestBinaryPublishesHeartbeats(t *testing.T) {
	r := binarytest.New(t, "lazarus-hostmonitor")
	ch := r.Ch
	require.NoError(t, wire.DeclareHeartbeatQueue(ch, r.Queue))
	defer func() { _, _ = ch.QueueDelete(wire.HeartbeatQueue(r.Queue), false, false, false) }()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	r.Start(t, "hb-bin", fmt.Sprintf("[hostmonitor]\nnetworks = mgmt=127.0.0.1:%d\nheartbeat_interval = 200ms\n", port))

	deliveries, err := ch.Consume(wire.HeartbeatQueue(r.Queue), "", true, true, false, false, nil)
	require.NoError(t, err)
	seen := 0
	deadline := time.NewTimer(60 * time.Second) // catches a hang; not a timing assertion
	defer deadline.Stop()
	for seen < 2 {
		select {
		case d := <-deliveries:
			require.Equal(t, event.HeartbeatType, d.Type)
			h, err := event.DecodeHeartbeat(d.Body)
			require.NoError(t, err)
			require.Equal(t, "hb-bin", h.Observer)
			require.Equal(t, map[string]int{"mgmt": 0}, h.PeersAlive, "no peers configured")
			seen++
		case <-deadline.C:
			t.Fatalf("saw %d heartbeats from the binary", seen)
		}
	}
}
