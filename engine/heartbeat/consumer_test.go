package heartbeat_test

import (
	"context"
	"fmt"
	"github.com/lazarus-ha/lazarus/monitors/wire"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/engine/enginetest"
	"github.com/lazarus-ha/lazarus/engine/heartbeat"
	"github.com/lazarus-ha/lazarus/monitors/event"
	"github.com/lazarus-ha/lazarus/monitors/publish"
	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

func rabbitURL(t *testing.T) string {
	u := os.Getenv("TEST_RABBITMQ_URL")
	if u == "" {
		u = "amqp://guest:guest@127.0.0.1:5672/"
	}
	conn, err := amqp.Dial(u)
	require.NoError(t, err, "RabbitMQ at %s is required (set TEST_RABBITMQ_URL or run make services)", u)
	conn.Close()
	return u
}

func deleteQueue(t *testing.T, url, q string) {
	t.Cleanup(func() {
		conn, err := amqp.Dial(url)
		if err != nil {
			return
		}
		defer conn.Close()
		if ch, err := conn.Channel(); err == nil {
			_, _ = ch.QueueDelete(wire.HeartbeatQueue(q), false, false, false)
		}
	})
}

// TestHeartbeatsLandInTable: heartbeats the monitors' sender publishes to
// the real broker end up in monitor_heartbeats in real Postgres, the
// latest per host; a garbage message is dropped without blocking the
// ones behind it.
func TestHeartbeatsLandInTable(t *testing.T) {
	t.Parallel()
	url := rabbitURL(t)
	st := storetest.NewStore(t)
	queue := "lazarus.test." + uuid.NewString()[:8]
	deleteQueue(t, url, queue)
	c := heartbeat.NewConsumer(heartbeat.Config{URL: url, Queue: queue, FlushInterval: 50 * time.Millisecond}, st, enginetest.Logger(t))
	require.NoError(t, c.Start(context.Background()))
	t.Cleanup(c.Stop)

	// Garbage first, on the same queue.
	conn, err := amqp.Dial(url)
	require.NoError(t, err)
	defer conn.Close()
	ch, err := conn.Channel()
	require.NoError(t, err)
	require.NoError(t, wire.DeclareHeartbeatQueue(ch, queue))
	require.NoError(t, ch.PublishWithContext(context.Background(), "", wire.HeartbeatQueue(queue), false, false,
		amqp.Publishing{Type: event.HeartbeatType, Body: []byte(`{"version":1,"observer":"x/y"}`)}))

	s, err := publish.NewHeartbeatSender(url, queue)
	require.NoError(t, err)
	defer s.Close()
	for i, h := range []string{"c1", "c2", "c3", "c1"} {
		require.NoError(t, s.Send(context.Background(), &event.Heartbeat{Version: event.HeartbeatVersion, Observer: h,
			Monitor: event.MonitorHost, SentAt: time.Now().UTC(), PeersAlive: map[string]int{"mgmt": i}}))
	}
	deadline := time.Now().Add(60 * time.Second) // catches a hang; not a timing assertion
	for {
		beats, err := st.MonitorHeartbeats(context.Background())
		require.NoError(t, err)
		// The counter is bumped after the rows commit: read it after them.
		_, _, written := c.Stats()
		if len(beats) == 3 && beats[0].PeersAlive["mgmt"] == 3 && written > 0 {
			require.Equal(t, []string{"c1", "c2", "c3"}, []string{beats[0].Host, beats[1].Host, beats[2].Host})
			require.Equal(t, map[string]int{"mgmt": 1}, beats[1].PeersAlive)
			require.Positive(t, written)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("heartbeats did not land: %+v", beats)
		}
		time.Sleep(20 * time.Millisecond)
	}
	received, invalid, _ := c.Stats()
	require.Equal(t, int64(4), received)
	require.Equal(t, int64(1), invalid)
	known, fresh, err := st.MonitorHeartbeatCounts(context.Background(), time.Hour, time.Minute)
	require.NoError(t, err)
	require.Equal(t, [2]int{3, 3}, [2]int{known, fresh})
	require.NoError(t, heartbeat.NewCheck(st, defaults).Check(context.Background()))
}

// BenchmarkFlush1000Hosts measures one flush of 1,000 hosts' heartbeats
// (what 1,000 monitors beating every 10s cost the database every 10s).
func BenchmarkFlush1000Hosts(b *testing.B) {
	st := storetest.NewStore(b)
	beats := make([]store.MonitorHeartbeat, 1000)
	for i := range beats {
		beats[i] = store.MonitorHeartbeat{Host: fmt.Sprintf("compute-%04d", i), PeersAlive: map[string]int{"mgmt": 999, "storage": 999}}
	}
	ctx := context.Background()
	start := time.Now()
	for b.Loop() {
		require.NoError(b, st.MonitorHeartbeatsUpsert(ctx, beats))
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/flush")
	cstart := time.Now()
	known, fresh, err := st.MonitorHeartbeatCounts(ctx, time.Hour, 30*time.Second)
	require.NoError(b, err)
	require.Equal(b, 1000, known)
	require.Equal(b, 1000, fresh)
	b.ReportMetric(float64(time.Since(cstart).Microseconds()), "µs/check")
}
