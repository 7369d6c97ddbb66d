// Package binarytest runs a monitor binary, built from the test's own
// package, against the real RabbitMQ (TEST_RABBITMQ_URL, default
// amqp://guest:guest@127.0.0.1:5672/) on a queue of its own, and reads
// what it publishes.
package binarytest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/monitors/event"
)

// Run is one binary under test with its broker connection, queue and
// working directory.
type Run struct {
	// URL is the broker, Queue the notification queue the binary is
	// configured with, Dir a temporary directory for its files.
	URL, Queue, Dir string
	// Conn and Ch are the test's own connection to the broker.
	Conn *amqp.Connection
	Ch   *amqp.Channel
	// Args are extra command-line arguments Start passes after --config.
	Args []string

	bin string
}

// New dials the broker, names a fresh queue (deleted at the end) and
// builds the binary of the current package as name.
func New(t *testing.T, name string) *Run {
	t.Helper()
	r := &Run{URL: os.Getenv("TEST_RABBITMQ_URL"), Dir: t.TempDir()}
	if r.URL == "" {
		r.URL = "amqp://guest:guest@127.0.0.1:5672/"
	}
	var err error
	r.Conn, err = amqp.Dial(r.URL)
	require.NoError(t, err, "RabbitMQ at %s is required (make services starts it)", r.URL)
	t.Cleanup(func() { r.Conn.Close() })
	r.Ch, err = r.Conn.Channel()
	require.NoError(t, err)
	r.Queue = "lazarus.test." + name + "." + uuid.NewString()[:8]
	t.Cleanup(func() {
		if ch, err := r.Conn.Channel(); err == nil {
			_, _ = ch.QueueDelete(r.Queue, false, false, false)
			ch.Close()
		}
	})
	r.bin = filepath.Join(r.Dir, name)
	out, err := exec.Command("go", "build", "-o", r.bin, ".").CombinedOutput()
	require.NoError(t, err, "build: %s", out)
	return r
}

// Start writes a configuration whose [DEFAULT] names host, the broker and
// the queue, and whose [monitors] spool is under Dir, followed by extra
// (more sections), and starts the binary with it. The binary is stopped
// with SIGTERM at the end; its output is logged if the test failed.
func (r *Run) Start(t *testing.T, host, extra string) {
	t.Helper()
	conf := filepath.Join(r.Dir, "lazarus.conf")
	require.NoError(t, os.WriteFile(conf, fmt.Appendf(nil, `[DEFAULT]
host = %s
transport_url = %s
notification_queue = %s

[monitors]
spool_dir = %s

%s`, host, r.URL, r.Queue, filepath.Join(r.Dir, "spool"), extra), 0o600))
	cmd := exec.Command(r.bin, append([]string{"--config", conf}, r.Args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(r.bin), out.String())
		}
	})
}

// NextEvent returns the next event the binary published on the queue,
// failing the test if none arrives within limit (a hang guard, not a
// timing assertion).
func (r *Run) NextEvent(t *testing.T, limit time.Duration) *event.Event {
	t.Helper()
	deadline := time.Now().Add(limit)
	ch := r.Ch
	for {
		d, ok, err := ch.Get(r.Queue, true)
		if err == nil && ok {
			e, err := event.Decode(d.Body)
			require.NoError(t, err)
			return e
		}
		require.True(t, time.Now().Before(deadline), "no event on %s within %s", r.Queue, limit)
		if err != nil { // the queue is declared by the monitor's first publish
			ch, err = r.Conn.Channel()
			require.NoError(t, err)
			r.Ch = ch
		}
		time.Sleep(100 * time.Millisecond)
	}
}
