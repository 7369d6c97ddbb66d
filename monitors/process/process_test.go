package process

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/monitors/event"
)

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
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

func TestParseList(t *testing.T) {
	t.Parallel()
	good := `
- process_name: /usr/sbin/libvirtd
  start_command: systemctl start libvirtd
  pre_start_command:
  post_start_command:
  restart_command: systemctl restart libvirtd
  pre_restart_command:
  post_restart_command:
  run_as_root: True
- process_name: /usr/bin/python3 /usr/bin/nova-compute
  start_command: systemctl start nova-compute
  restart_command: systemctl restart nova-compute
  run_as_root: True
`
	list, err := ParseList([]byte(good))
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, "libvirtd", list[0].ReportedName())
	require.Equal(t, "nova-compute", list[1].ReportedName())
	require.True(t, list[1].RunAsRoot)

	for _, tc := range []struct{ name, yaml string }{
		// A misspelt key must not be ignored silently.
		{"unknown key", "- process_name: x\n  restart_comand: y\n"},
		// Without a name there is nothing to look for.
		{"no name", "- start_command: y\n"},
		// Two entries for one process would fight over restarts.
		{"duplicate", "- process_name: x\n- process_name: x\n"},
		// Masakari's format is a list, not a map.
		{"not a list", "process_name: x\n"},
		{"empty", ""},
		{"not yaml", "- [\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseList([]byte(tc.yaml))
			require.Error(t, err)
		})
	}
}

func FuzzParseList(f *testing.F) {
	f.Add([]byte("- process_name: /usr/sbin/libvirtd\n  restart_command: systemctl restart libvirtd\n  run_as_root: true\n"))
	f.Add([]byte("- process_name: a/b/\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := ParseList(data)
		if err == nil {
			for _, p := range list {
				require.NotEmpty(t, p.ReportedName())
			}
		}
	})
}

func TestListReloadKeepsLastGood(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "process_list.yaml")
	require.NoError(t, os.WriteFile(path, []byte("- process_name: one\n"), 0o600))
	f := listFile{path: path}
	changed, err := f.reload()
	require.NoError(t, err)
	require.True(t, changed)

	require.NoError(t, os.WriteFile(path, []byte("- process_name: two\n  bogus: 1\n"), 0o600))
	changed, err = f.reload()
	require.ErrorContains(t, err, "bogus")
	require.False(t, changed)
	require.Equal(t, "one", f.list[0].ProcessName, "a bad file keeps the last good list")

	changed, err = f.reload()
	require.NoError(t, err, "an unchanged bad file is not re-reported")
	require.False(t, changed)

	require.NoError(t, os.WriteFile(path, []byte("- process_name: three\n- process_name: four\n"), 0o600))
	changed, err = f.reload()
	require.NoError(t, err)
	require.True(t, changed)
	require.Len(t, f.list, 2)
}

func TestIsDead(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		stat string
		dead bool
	}{
		{"123 (sleep) S 1 2 3", false},
		{"123 (a) b) Z 1 2 3", true}, // comm with ") " inside: state follows the last ')'
		{"123 (x) X 0", true},
		{"123 (x) R 0", false},
		{"garbage", false},
	} {
		require.Equal(t, tc.dead, isDead([]byte(tc.stat)), tc.stat)
	}
}

// marker is a command line no other process has: "sleep 3600.<random>".
func marker(t *testing.T) string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000_000))
	require.NoError(t, err)
	return fmt.Sprintf("sleep 3600.%09d", n.Int64())
}

// startScript writes a script that starts `marker` in the background, as a
// daemon's start command would.
func startScript(t *testing.T, dir, marker string) string {
	path := filepath.Join(dir, "start.sh")
	require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\n"+marker+" >/dev/null 2>&1 </dev/null &\n"), 0o755))
	return path
}

func pidsOf(t *testing.T, name string) []int {
	procs, err := scanProc("/proc")
	require.NoError(t, err)
	return findProcess(procs, name, os.Getpid())
}

func killAll(t *testing.T, name string) {
	t.Cleanup(func() {
		for _, pid := range pidsOf(t, name) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
}

func runMonitor(t *testing.T, cfg Config, pub Publisher) {
	m, err := New(cfg, pub, testLogger(t), nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = m.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "timed out after %s waiting for %s", timeout, what)
		time.Sleep(50 * time.Millisecond)
	}
}

func TestKilledProcessIsRestarted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	name := marker(t)
	killAll(t, name)
	script := startScript(t, dir, name)
	list := filepath.Join(dir, "process_list.yaml")
	require.NoError(t, os.WriteFile(list, []byte(fmt.Sprintf(
		"- process_name: %s\n  start_command: %s\n  restart_command: %s\n  run_as_root: false\n", name, script, script)), 0o600))
	rec := &recorder{}
	runMonitor(t, Config{Host: "compute-1", ListPath: list, CheckInterval: 100 * time.Millisecond,
		RestartRetries: 2, RestartInterval: 200 * time.Millisecond}, rec)

	// Not running at start: started once.
	eventually(t, 10*time.Second, "initial start", func() bool { return len(pidsOf(t, name)) == 1 })
	first := pidsOf(t, name)[0]
	require.NoError(t, syscall.Kill(first, syscall.SIGKILL))
	eventually(t, 10*time.Second, "restart", func() bool {
		p := pidsOf(t, name)
		return len(p) == 1 && p[0] != first
	})
	require.Empty(t, rec.payloads(), "a successful restart is not a failure")
}

func TestUnrestartableProcessReportsStopped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	name := marker(t)
	killAll(t, name)
	script := startScript(t, dir, name)
	list := filepath.Join(dir, "process_list.yaml")
	// The restart command fails; so does the start command.
	require.NoError(t, os.WriteFile(list, []byte(fmt.Sprintf(
		"- process_name: %s\n  start_command: /bin/false\n  restart_command: /bin/false\n", name)), 0o600))
	rec := &recorder{}
	runMonitor(t, Config{Host: "compute-1", ListPath: list, CheckInterval: 100 * time.Millisecond,
		RestartRetries: 2, RestartInterval: 50 * time.Millisecond}, rec)

	eventually(t, 10*time.Second, "PROCESS STOPPED", func() bool { return len(rec.payloads()) >= 1 })
	require.Equal(t, map[string]string{"event": "STOPPED", "process_name": name}, rec.payloads()[0],
		"a name without a slash is sent as is")
	rec.mu.Lock()
	e := rec.events[0]
	rec.mu.Unlock()
	require.Equal(t, event.TypeProcess, e.Notification.Type)
	require.Equal(t, "compute-1", e.Notification.Hostname)
	require.Equal(t, event.MonitorProcess, e.Monitor)

	// It comes back by other means: STARTED, once.
	require.NoError(t, (&Monitor{cfg: Config{CommandTimeout: time.Minute}, log: testLogger(t)}).command(context.Background(), script, false))
	eventually(t, 10*time.Second, "PROCESS STARTED", func() bool { return len(rec.payloads()) >= 2 })
	require.Equal(t, "STARTED", rec.payloads()[1]["event"])
	require.Len(t, rec.payloads(), 2)
}

// The shipped sample must load.
func TestSampleProcessList(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../etc/process_list.yaml.sample")
	require.NoError(t, err)
	list, err := ParseList(data)
	require.NoError(t, err)
	require.Len(t, list, 4)
}
