package fencewire_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/cmd/internal/fencewire"
	"github.com/lazarus-ha/lazarus/fencing"
	"github.com/lazarus-ha/lazarus/fencing/secret"
	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/store/storetest"
	"github.com/lazarus-ha/lazarus/test/ipmisim"
)

// syncBuffer collects log output from concurrent goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type bundle struct {
	st   *store.Store
	box  *secret.Box
	seg  *store.Segment
	logs *syncBuffer
	log  *slog.Logger
	cfg  fencewire.Config
}

func setup(t *testing.T) *bundle {
	t.Helper()
	st := storetest.NewStore(t)
	key, err := secret.ParseKey(secret.GenerateKey())
	require.NoError(t, err)
	box, err := secret.New(key)
	require.NoError(t, err)
	seg, err := st.SegmentInsert(context.Background(), &store.SegmentInsertParams{Name: "seg", ServiceType: "COMPUTE", RecoveryMethod: "auto", Enabled: true})
	require.NoError(t, err)
	logs := &syncBuffer{}
	return &bundle{
		st: st, box: box, seg: seg, logs: logs,
		log: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		cfg: fencewire.Config{PowerOffTimeout: 20 * time.Second, PollInterval: 50 * time.Millisecond, IPMITimeout: time.Second,
			IPMIRetries: 2, AgentTimeout: 60 * time.Second, ReadinessInterval: time.Minute},
	}
}

func (b *bundle) host(t *testing.T, name string) *store.Host {
	t.Helper()
	h, err := b.st.HostInsert(context.Background(), &store.HostInsertParams{SegmentUUID: b.seg.UUID, Name: name, Type: "COMPUTE", ControlAttributes: "SSH"})
	require.NoError(t, err)
	return h
}

func (b *bundle) ipmiDevice(t *testing.T, h *store.Host, level int, bmc *ipmisim.BMC, password string) *store.FenceDevice {
	t.Helper()
	d, err := b.st.FenceDeviceInsert(context.Background(), &store.FenceDeviceInsertParams{
		HostUUID: h.UUID, Level: level, Driver: "ipmi", Address: bmc.Address, Port: bmc.Port, Username: bmc.Username,
		PasswordEncrypted: b.box.Seal([]byte(password), []byte(h.UUID)), Options: map[string]string{"cipher_suite": "3"},
	})
	require.NoError(t, err)
	return d
}

func TestFenceStoredTopology(t *testing.T) {
	t.Parallel()
	b := setup(t)
	bmcs := ipmisim.Start(t, 3)
	h := b.host(t, "compute-1")
	// Level 1: the right BMC with a wrong password; level 2: the agent with the right one.
	b.ipmiDevice(t, h, 1, bmcs[0], "wrong-password-1")
	_, err := b.st.FenceDeviceInsert(context.Background(), &store.FenceDeviceInsertParams{
		HostUUID: h.UUID, Level: 2, Driver: "agent", Agent: "fence_ipmilan", Address: bmcs[0].Address, Port: bmcs[0].Port,
		Username: bmcs[0].Username, PasswordEncrypted: b.box.Seal([]byte(bmcs[0].Password), []byte(h.UUID)),
		Options: map[string]string{"lanplus": "1", "cipher": "3", "power_wait": "0"},
	})
	require.NoError(t, err)
	f := fencewire.New(b.st, b.box, b.cfg, b.log)

	s, _, err := f.PowerStatus(t.Context(), "compute-1")
	require.NoError(t, err)
	require.Equal(t, fencing.PowerOn, s, "level 1 fails; status falls through to level 2")

	res, err := f.Fence(t.Context(), "compute-1")
	require.NoError(t, err)
	require.True(t, res.Verified)
	require.Equal(t, 2, res.Level)
	require.False(t, bmcs[0].HostAlive())
	require.NotContains(t, b.logs.String(), bmcs[0].Password)
	require.NotContains(t, b.logs.String(), "wrong-password-1")
	require.Contains(t, b.logs.String(), "host fenced")

	// A host without devices cannot be fenced.
	b.host(t, "compute-2")
	_, err = f.Fence(t.Context(), "compute-2")
	require.ErrorIs(t, err, fencing.ErrNoDevices)
}

func TestFenceManualLevel(t *testing.T) {
	t.Parallel()
	b := setup(t)
	bmc := ipmisim.Start(t, 1)[0]
	h := b.host(t, "compute-1")
	other := b.host(t, "compute-2")
	// A password sealed for another host does not decrypt here: that level fails.
	_, err := b.st.FenceDeviceInsert(context.Background(), &store.FenceDeviceInsertParams{
		HostUUID: h.UUID, Level: 1, Driver: "ipmi", Address: bmc.Address, Port: bmc.Port, Username: bmc.Username,
		PasswordEncrypted: b.box.Seal([]byte(bmc.Password), []byte(other.UUID)),
	})
	require.NoError(t, err)
	_, err = b.st.FenceDeviceInsert(context.Background(), &store.FenceDeviceInsertParams{HostUUID: h.UUID, Level: 5, Driver: "manual"})
	require.NoError(t, err)
	res, err := fencewire.New(b.st, b.box, b.cfg, b.log).Fence(t.Context(), "compute-1")
	require.ErrorIs(t, err, fencing.ErrManualConfirmationRequired)
	require.ErrorIs(t, err, secret.ErrDecrypt)
	require.True(t, res.Manual)
	require.False(t, res.Verified)
	require.Equal(t, 5, res.Level, "the manual level is reported with its configured number")
	require.True(t, bmc.HostAlive())
}

func TestReadiness(t *testing.T) {
	t.Parallel()
	b := setup(t)
	bmcs := ipmisim.Start(t, 2)
	good := b.host(t, "a-good")
	bad := b.host(t, "b-bad-password")
	b.host(t, "c-no-devices")
	manual := b.host(t, "d-manual-only")
	both := b.host(t, "e-level2-ok")
	dGood := b.ipmiDevice(t, good, 1, bmcs[0], bmcs[0].Password)
	dBad := b.ipmiDevice(t, bad, 1, bmcs[1], "wrong-password-2")
	_, err := b.st.FenceDeviceInsert(context.Background(), &store.FenceDeviceInsertParams{HostUUID: manual.UUID, Level: 1, Driver: "manual"})
	require.NoError(t, err)
	b.ipmiDevice(t, both, 1, bmcs[1], "wrong-password-3")
	b.ipmiDevice(t, both, 2, bmcs[1], bmcs[1].Password)

	reg := prometheus.NewRegistry()
	r := fencewire.NewReadiness(b.st, b.box, b.cfg, b.log, reg)
	out, err := r.RunOnce(t.Context())
	require.NoError(t, err)
	want := map[string]bool{"a-good": true, "b-bad-password": false, "c-no-devices": false, "d-manual-only": false, "e-level2-ok": true}
	got := map[string]bool{}
	for _, h := range out {
		got[h.Host] = h.Ready
	}
	require.Equal(t, want, got)

	gauges, err := reg.Gather()
	require.NoError(t, err)
	require.Len(t, gauges, 1)
	require.Len(t, gauges[0].GetMetric(), 5, "every host has a gauge, even without devices")
	expected := ""
	for _, name := range []string{"a-good", "b-bad-password", "c-no-devices", "d-manual-only", "e-level2-ok"} {
		v := "0"
		if want[name] {
			v = "1"
		}
		expected += `lazarus_fence_ready{host="` + name + `"} ` + v + "\n"
	}
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(
		"# HELP lazarus_fence_ready "+gauges[0].GetHelp()+"\n# TYPE lazarus_fence_ready gauge\n"+expected), "lazarus_fence_ready"))

	g, err := b.st.FenceDeviceGet(context.Background(), &store.FenceDeviceGetParams{UUID: dGood.UUID, HostUUID: good.UUID})
	require.NoError(t, err)
	require.NotNil(t, g.FenceReady)
	require.True(t, *g.FenceReady)
	require.NotNil(t, g.CheckedAt)
	bd, err := b.st.FenceDeviceGet(context.Background(), &store.FenceDeviceGetParams{UUID: dBad.UUID, HostUUID: bad.UUID})
	require.NoError(t, err)
	require.False(t, *bd.FenceReady)
	require.Contains(t, *bd.LastError, fencing.ErrAuth.Error())
	require.NotContains(t, *bd.LastError, "wrong-password-2")

	logs := b.logs.String()
	for _, pw := range []string{bmcs[0].Password, bmcs[1].Password, "wrong-password-2", "wrong-password-3"} {
		require.NotContains(t, logs, pw, "a password reached a log line")
	}
	require.Contains(t, logs, "fence device not ready")
	require.True(t, bmcs[0].HostAlive(), "a readiness check never switches power")
	require.Empty(t, filter(bmcs[0].HookCalls(), "set"), "a readiness check only reads")
	require.Empty(t, filter(bmcs[1].HookCalls(), "set"), "a readiness check only reads")
}

func filter(calls []string, prefix string) []string {
	var out []string
	for _, c := range calls {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// TestStoredForbiddenOptionNeverRuns is the engine side of issue #16: a
// fence device written straight into the database with an option that
// makes the agent run a program, or with a path for its agent, is refused
// by fencing/fenceopt's schema before any process starts, by the readiness
// check as by a fence. (Not parallel: the fake agent is found through
// PATH, as a real one is.)
func TestStoredForbiddenOptionNeverRuns(t *testing.T) {
	b := setup(t)
	h := b.host(t, "compute-1")
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	script := filepath.Join(dir, "fence_fake")
	require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\ntouch "+marker+"\nexit 0\n"), 0o755))
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	rows := []struct{ agent, opts string }{
		{"fence_fake", `{"ipmitool_path": "/tmp/x"}`},
		{"fence_fake", `{"IPMITOOL_PATH": "/tmp/x"}`},
		{"fence_fake", `{"ssh_options": "-o ProxyCommand=sh"}`},
		{"fence_fake", `{"debug_file": "/etc/cron.d/x"}`},
		// The API stores agent names only; the engine holds rows to the same rule.
		{script, `{}`},
	}
	for i, r := range rows {
		_, err := b.st.Pool().Exec(context.Background(), `INSERT INTO fence_devices (uuid, host_uuid, level, driver, agent, address, options)
			VALUES (gen_random_uuid(), $1, $2, 'agent', $3, '10.0.0.5', $4::jsonb)`, h.UUID, i+1, r.agent, r.opts)
		require.NoError(t, err)
	}
	f := fencewire.New(b.st, b.box, b.cfg, b.log)
	_, err := f.Fence(t.Context(), "compute-1")
	require.Error(t, err)
	for _, why := range []string{"Option ipmitool_path is refused", "Option IPMITOOL_PATH is refused", "Option ssh_options is refused",
		"Option debug_file is refused", "Driver agent needs agent, the name of a fence agent"} {
		require.Contains(t, err.Error(), why)
	}
	_, _, err = f.PowerStatus(t.Context(), "compute-1")
	require.Error(t, err)
	out, err := fencewire.NewReadiness(b.st, b.box, b.cfg, b.log, prometheus.NewRegistry()).RunOnce(t.Context())
	require.NoError(t, err)
	require.Len(t, out, 1)
	require.False(t, out[0].Ready)
	_, err = os.Stat(marker)
	require.ErrorIs(t, err, os.ErrNotExist, "the agent ran")
}
