package host

import (
	"context"
	"github.com/lazarus-ha/lazarus/monitors/wire"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/monitors/event"
	"github.com/lazarus-ha/lazarus/monitors/publish"
)

type discardPublisher struct{}

func (discardPublisher) Publish(context.Context, *event.Event) error { return nil }

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestHeartbeatsPublished: two host monitors on loopback see each other,
// and the heartbeats of one reach the heartbeat queue on the real broker
// with the peer counted alive, as the engine will read them.
func TestHeartbeatsPublished(t *testing.T) {
	url := os.Getenv("TEST_RABBITMQ_URL")
	if url == "" {
		url = "amqp://guest:guest@127.0.0.1:5672/"
	}
	conn, err := amqp.Dial(url)
	require.NoError(t, err, "RabbitMQ at %s is required (make services starts it)", url)
	defer conn.Close()
	ch, err := conn.Channel()
	require.NoError(t, err)
	queue := "lazarus.test.hb." + uuid.NewString()[:8]
	require.NoError(t, wire.DeclareHeartbeatQueue(ch, queue))
	defer func() { _, _ = ch.QueueDelete(wire.HeartbeatQueue(queue), false, false, false) }()

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	pa, pb := freePort(t), freePort(t)
	mk := func(name string, port, peer int) *Monitor {
		m, err := New(Config{Host: name, Networks: []Network{{Name: "mgmt", Addr: "127.0.0.1", Port: port,
			Peers: []string{"127.0.0.1:" + strconv.Itoa(peer)}}}, ProbeInterval: 100 * time.Millisecond,
			ProbeTimeout: 50 * time.Millisecond, RejoinInterval: 200 * time.Millisecond}, discardPublisher{}, log, nil)
		require.NoError(t, err)
		return m
	}
	a, b := mk("hb-a", pa, pb), mk("hb-b", pb, pa)
	sender, err := publish.NewHeartbeatSender(url, queue)
	require.NoError(t, err)
	defer sender.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Go(func() { _ = a.Run(ctx) })
	wg.Go(func() { _ = b.Run(ctx) })
	hb := publish.NewHeartbeats(100*time.Millisecond, a.Heartbeat, sender, log, nil)
	wg.Go(func() { hb.Run(ctx) })

	deliveries, err := ch.Consume(wire.HeartbeatQueue(queue), "", true, true, false, false, nil)
	require.NoError(t, err)
	deadline := time.NewTimer(60 * time.Second) // catches a hang; not a timing assertion
	defer deadline.Stop()
	for {
		select {
		case d := <-deliveries:
			require.Equal(t, event.HeartbeatType, d.Type)
			h, err := event.DecodeHeartbeat(d.Body)
			require.NoError(t, err)
			require.Equal(t, "hb-a", h.Observer)
			require.Contains(t, h.PeersAlive, "mgmt")
			if h.PeersAlive["mgmt"] == 1 {
				return
			}
		case <-deadline.C:
			t.Fatal("no heartbeat from hb-a with hb-b alive on mgmt")
		}
	}
}
