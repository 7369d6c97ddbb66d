package publish

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/monitors/event"
)

type flakyBeats struct {
	mu    sync.Mutex
	fails int
	got   []*event.Heartbeat
}

func (f *flakyBeats) Send(_ context.Context, h *event.Heartbeat) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fails > 0 {
		f.fails--
		return errors.New("broker unreachable")
	}
	f.got = append(f.got, h)
	return nil
}

func (f *flakyBeats) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.got)
}

// TestHeartbeatsSurviveFailures: failed heartbeats are counted and not
// retried; the loop keeps beating and the next ones go out.
func TestHeartbeatsSurviveFailures(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	pub := &flakyBeats{fails: 2}
	src := func() *event.Heartbeat {
		return &event.Heartbeat{Version: event.HeartbeatVersion, Observer: "c1", Monitor: event.MonitorHost, SentAt: time.Now()}
	}
	hb := NewHeartbeats(5*time.Millisecond, src, pub, quietLogger(), reg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); hb.Run(ctx) }()
	deadline := time.Now().Add(60 * time.Second) // catches a hang; not a timing assertion
	for pub.count() < 3 {
		require.False(t, time.Now().After(deadline), "heartbeats stopped after failures")
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	require.Equal(t, 2.0, testutil.ToFloat64(hb.failed))
	require.Equal(t, float64(pub.count()), testutil.ToFloat64(hb.sent))
}

// TestHeartbeatSenderUnreachableBrokerFails: a broker that is not there is
// an error for that heartbeat, not a hang.
func TestHeartbeatSenderUnreachableBrokerFails(t *testing.T) {
	t.Parallel()
	s, err := NewHeartbeatSender("amqp://guest:guest@127.0.0.1:1/", "q")
	require.NoError(t, err)
	defer s.Close()
	err = s.Send(context.Background(), &event.Heartbeat{Version: event.HeartbeatVersion, Observer: "c1", Monitor: event.MonitorHost, SentAt: time.Now()})
	require.ErrorContains(t, err, "dial broker")
	require.Error(t, s.Send(context.Background(), &event.Heartbeat{}), "an invalid heartbeat is refused")
}
