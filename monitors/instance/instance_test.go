package instance

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/monitors/event"
)

// Lines as virsh prints them (libvirt tools/virsh-domain-event.c).
func TestParseAndMap(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		line    string
		forward bool
		event   string
		detail  string
		domain  string
	}{
		// The one the engine acts on: the domain crashed.
		{"event 'lifecycle' for domain 'instance-00000001': Stopped Failed", true, "LIFECYCLE", "STOPPED_FAILED", "instance-00000001"},
		// The rest of Masakari's lifecycle table.
		{"event 'lifecycle' for domain 'instance-00000001': Stopped Destroyed", true, "LIFECYCLE", "STOPPED_DESTROYED", "instance-00000001"},
		{"event 'lifecycle' for domain 'i': Stopped Shutdown", true, "LIFECYCLE", "STOPPED_SHUTDOWN", "i"},
		{"event 'lifecycle' for domain 'i': Suspended I/O Error", true, "LIFECYCLE", "SUSPENDED_IOERROR", "i"},
		{"event 'lifecycle' for domain 'i': Suspended Watchdog", true, "LIFECYCLE", "SUSPENDED_WATCHDOG", "i"},
		{"event 'lifecycle' for domain 'i': Suspended API error", true, "LIFECYCLE", "SUSPENDED_API_ERROR", "i"},
		{"event 'lifecycle' for domain 'i': Shutdown Finished", true, "LIFECYCLE", "SHUTDOWN_FINISHED", "i"},
		// Not in Masakari's table: dropped.
		{"event 'lifecycle' for domain 'i': Started Booted", false, "", "", "i"},
		{"event 'lifecycle' for domain 'i': Stopped Crashed", false, "", "", "i"},
		{"event 'lifecycle' for domain 'i': Shutdown Finished after guest request", false, "", "", "i"},
		{"event 'rtc-change' for domain 'i': 3600", false, "", "", "i"},
		{"event 'agent-lifecycle' for domain 'i': state: 'connected' reason: 'channel event'", false, "", "", "i"},
		// Generic events carry no detail.
		{"event 'reboot' for domain 'i'", true, "REBOOT", "UNKNOWN", "i"},
		{"event 'control-error' for domain 'i'", true, "CONTROL_ERROR", "UNKNOWN", "i"},
		{"event 'watchdog' for domain 'i': poweroff", true, "WATCHDOG", "WATCHDOG_POWEROFF", "i"},
		{"event 'watchdog' for domain 'i': inject-nmi", false, "", "", "i"},
		// io-error and io-error-reason both print as 'io-error'.
		{"event 'io-error' for domain 'i': /var/lib/nova/instances/x/disk (virtio-disk0) report", true, "IO_ERROR", "IO_ERROR_REPORT", "i"},
		{"event 'io-error' for domain 'i': /dev/sdb (ua-vol) pause due to enospc", true, "IO_ERROR_REASON", "UNKNOWN", "i"},
		// With --timestamp; and a domain name with spaces and a quote.
		{"2026-11-22 06:00:01.123+0000: event 'lifecycle' for domain 'it's a vm': Stopped Failed", true, "LIFECYCLE", "STOPPED_FAILED", "it's a vm"},
	} {
		t.Run(tc.line, func(t *testing.T) {
			l, err := ParseLine(tc.line)
			require.NoError(t, err)
			require.Equal(t, KindEvent, l.Kind)
			require.Equal(t, tc.domain, l.Domain)
			n, forward, err := Map(l)
			require.NoError(t, err)
			require.Equal(t, tc.forward, forward)
			require.Equal(t, tc.event, n.Event)
			require.Equal(t, tc.detail, n.VirDomainEvent)
		})
	}
	for _, other := range []string{"", "events received: 12", "event loop interrupted", "\tx509dname=CN=foo", "alias: dimm0"} {
		l, err := ParseLine(other)
		require.NoError(t, err, other)
		require.Equal(t, KindOther, l.Kind)
	}
	for _, bad := range []string{
		"garbage",
		"event lifecycle for domain i: Stopped Failed", // quotes are part of the format
		"event 'lifecycle' for domain '': Stopped Failed",
		"error: Disconnected from qemu:///system due to end of file",
	} {
		_, err := ParseLine(bad)
		require.Error(t, err, bad)
	}
	for _, bad := range []string{
		"event 'lifecycle' for domain 'i': Exploded Failed", // unknown lifecycle event
		"event 'watchdog' for domain 'i': explode",
		"event 'io-error' for domain 'i': no alias here",
		"event 'reboot' for domain 'i': now",
	} {
		l, err := ParseLine(bad)
		require.NoError(t, err)
		_, _, err = Map(l)
		require.Error(t, err, bad)
	}
}

func FuzzParseLine(f *testing.F) {
	f.Add("event 'lifecycle' for domain 'instance-00000001': Stopped Failed")
	f.Add("event 'io-error' for domain 'i': /dev/sdb (ua-vol) pause due to enospc")
	f.Add("2026-11-22 06:00:01.123+0000: event 'reboot' for domain 'x'")
	f.Fuzz(func(t *testing.T, line string) {
		l, err := ParseLine(line)
		if err != nil {
			return
		}
		n, forward, err := Map(l)
		if err == nil && forward {
			require.NotEmpty(t, n.Event)
			require.NotEmpty(t, n.VirDomainEvent)
			require.NotEmpty(t, l.Domain)
		}
	})
}

type recorder struct {
	mu     sync.Mutex
	events []*event.Event
}

func (r *recorder) Publish(_ context.Context, e *event.Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	return nil
}

func (r *recorder) payloads() []map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []map[string]string
	for _, e := range r.events {
		out = append(out, e.Notification.Payload)
	}
	return out
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// fakeVirsh is a shell script standing in for virsh. `event` prints the
// lines of stream-N.out for its N-th run (then, if stream-N.err exists,
// that on stderr) and waits forever, like a virsh whose libvirtd went
// away. `uri` fails while the file probe-fails exists.
type fakeVirsh struct {
	dir  string
	path string
}

const fakeScript = `#!/bin/sh
D=%q
shift 3 # -r -c URI
case "$1" in
event)
	n=$(cat "$D/count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$D/count"
	[ -f "$D/stream-$n.out" ] && cat "$D/stream-$n.out"
	[ -f "$D/stream-$n.err" ] && cat "$D/stream-$n.err" >&2
	exec sleep 3600 ;;
domuuid)
	grep "^$2 " "$D/domains" | cut -d' ' -f2 | grep . || { echo "error: failed to get domain '$2'" >&2; exit 1; } ;;
list)
	cut -d' ' -f1 "$D/domains" ;;
uri)
	[ -f "$D/probe-fails" ] && { echo "error: failed to connect to the hypervisor" >&2; exit 1; }
	echo qemu:///system ;;
*)
	echo "unexpected: $*" >&2; exit 1 ;;
esac
`

func newFakeVirsh(t *testing.T, domains map[string]string) *fakeVirsh {
	dir := t.TempDir()
	f := &fakeVirsh{dir: dir, path: filepath.Join(dir, "virsh")}
	require.NoError(t, os.WriteFile(f.path, []byte(fmt.Sprintf(fakeScript, dir)), 0o755))
	var b strings.Builder
	for name, uuid := range domains {
		fmt.Fprintf(&b, "%s %s\n", name, uuid)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "domains"), []byte(b.String()), 0o600))
	return f
}

func (f *fakeVirsh) stream(t *testing.T, n int, stdout, stderr string) {
	require.NoError(t, os.WriteFile(filepath.Join(f.dir, fmt.Sprintf("stream-%d.out", n)), []byte(stdout), 0o600))
	if stderr != "" {
		require.NoError(t, os.WriteFile(filepath.Join(f.dir, fmt.Sprintf("stream-%d.err", n)), []byte(stderr), 0o600))
	}
}

func (f *fakeVirsh) starts() int {
	data, _ := os.ReadFile(filepath.Join(f.dir, "count"))
	n, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	return n
}

func runMonitor(t *testing.T, cfg Config, pub Publisher) *Monitor {
	m := New(cfg, pub, slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = m.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return m
}

func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "timed out after %s waiting for %s", timeout, what)
		time.Sleep(20 * time.Millisecond)
	}
}

const (
	uuid1 = "6f1c2a8e-0000-4000-8000-000000000001"
	uuid2 = "6f1c2a8e-0000-4000-8000-000000000002"
)

// Recorded output is published as Masakari would; when virsh reports the
// lost connection (and then hangs, as virsh does) the stream is restarted.
func TestStreamPublishesAndReconnects(t *testing.T) {
	t.Parallel()
	f := newFakeVirsh(t, map[string]string{"instance-00000001": uuid1, "instance-00000002": uuid2})
	f.stream(t, 1, strings.Join([]string{
		"event 'lifecycle' for domain 'instance-00000001': Started Booted",
		"event 'rtc-change' for domain 'instance-00000001': 0",
		"event 'lifecycle' for domain 'instance-00000001': Stopped Failed",
		"this line is not virsh output",
		"event 'io-error' for domain 'instance-00000002': /var/lib/nova/instances/x/disk (virtio-disk0) report",
		"event 'io-error' for domain 'instance-00000002': /var/lib/nova/instances/x/disk (virtio-disk0) report due to eio",
		"event 'lifecycle' for domain 'instance-00000009': Stopped Failed", // unknown domain: dropped with an error
		"",
	}, "\n"), "error: Disconnected from qemu:///system due to end of file\n")
	f.stream(t, 2, "event 'watchdog' for domain 'instance-00000001': pause\n", "")
	rec := &recorder{}
	runMonitor(t, Config{Host: "compute-1", Virsh: f.path, ReconnectInterval: 50 * time.Millisecond,
		WatchdogInterval: time.Hour}, rec)

	eventually(t, 10*time.Second, "four VM events", func() bool { return len(rec.payloads()) >= 4 })
	require.Equal(t, []map[string]string{
		{"event": "LIFECYCLE", "instance_uuid": uuid1, "vir_domain_event": "STOPPED_FAILED"},
		{"event": "IO_ERROR", "instance_uuid": uuid2, "vir_domain_event": "IO_ERROR_REPORT"},
		{"event": "IO_ERROR_REASON", "instance_uuid": uuid2, "vir_domain_event": "UNKNOWN"},
		{"event": "WATCHDOG", "instance_uuid": uuid1, "vir_domain_event": "WATCHDOG_PAUSE"},
	}, rec.payloads())
	require.Equal(t, 2, f.starts(), "the stream was restarted after the disconnect")
	rec.mu.Lock()
	e := rec.events[0]
	rec.mu.Unlock()
	require.Equal(t, event.TypeVM, e.Notification.Type)
	require.Equal(t, "compute-1", e.Notification.Hostname)
	require.Equal(t, event.MonitorInstance, e.Monitor)
}

// A stream that hangs silently is restarted by the watchdog once a failed
// libvirtd probe succeeds again.
func TestWatchdogRestartsWedgedStream(t *testing.T) {
	t.Parallel()
	f := newFakeVirsh(t, map[string]string{"instance-00000001": uuid1})
	f.stream(t, 2, "event 'lifecycle' for domain 'instance-00000001': Stopped Failed\n", "")
	probe := filepath.Join(f.dir, "probe-fails")
	require.NoError(t, os.WriteFile(probe, nil, 0o600))
	rec := &recorder{}
	m := runMonitor(t, Config{Host: "compute-1", Virsh: f.path, ReconnectInterval: 50 * time.Millisecond,
		WatchdogInterval: 100 * time.Millisecond}, rec)
	eventually(t, 10*time.Second, "first stream", func() bool { return f.starts() == 1 })
	// The watchdog sees failed probes; then libvirtd is back.
	eventually(t, 10*time.Second, "two failed probes", func() bool { return testutil.ToFloat64(m.mProbeFail) >= 2 })
	require.Equal(t, 1, f.starts(), "a failing probe alone does not restart the stream")
	require.NoError(t, os.Remove(probe))
	eventually(t, 10*time.Second, "event from the restarted stream", func() bool { return len(rec.payloads()) == 1 })
	require.Equal(t, 2, f.starts())
}
