package recovery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/engine/brake"
	"github.com/lazarus-ha/lazarus/engine/enginetest"
	"github.com/lazarus-ha/lazarus/engine/metrics"
	"github.com/lazarus-ha/lazarus/engine/recovery"
	"github.com/lazarus-ha/lazarus/engine/workflow"
	"github.com/lazarus-ha/lazarus/monitors/event"
	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

type testBundle struct {
	t       *testing.T
	st      *store.Store
	compute *enginetest.FakeCompute
	fencer  *enginetest.FakeFencer
	confirm *enginetest.FakeConfirmer
	cfg     recovery.Config
	segment string
	hosts   map[string]string // name -> uuid
	reg     *prometheus.Registry
	metrics *metrics.Metrics
}

func setup(t *testing.T, method string) *testBundle {
	t.Helper()
	b := &testBundle{t: t, st: storetest.NewStore(t), compute: enginetest.NewFakeCompute(),
		fencer: enginetest.NewFakeFencer(), confirm: &enginetest.FakeConfirmer{}, hosts: map[string]string{}, reg: prometheus.NewRegistry()}
	b.metrics = metrics.New(b.reg)
	b.fencer.OnFence = func(h string) { b.compute.Note("Fence " + h) }
	b.segment = enginetest.Segment(t, b.st, method)
	b.cfg = recovery.Config{
		Select:              recovery.SelectOptions{HAKey: "HA_Enabled", EvacuateAll: false},
		EvacuateAttempts:    2,
		Threads:             3,
		RequireFencing:      true,
		Brake:               brake.Limits{MaxFailedHostRatio: 0.5, MinHostsForRatio: 4, MaxFencesPerWindow: 5, Window: 10 * time.Minute},
		VerifyInterval:      5 * time.Millisecond,
		WaitAfterEvacuation: 20 * time.Second,
		HoldRecheck:         50 * time.Millisecond,
		VerdictTimeout:      time.Minute,
	}
	return b
}

func (b *testBundle) addHost(name string, reserved bool) {
	b.hosts[name] = enginetest.Host(b.t, b.st, b.segment, name, reserved)
	b.compute.AddHost(name, 16, 65536, 1000)
}

func ha() map[string]string { return map[string]string{"HA_Enabled": "True"} }

var small = recovery.Flavor{VCPUs: 1, RAMMB: 1024, DiskGB: 10}

// engine starts a runner named owner with the bundle's flows.
func (b *testBundle) engine(owner string, ttl time.Duration) *workflow.Runner {
	b.t.Helper()
	return b.engineOn(owner, ttl, b.compute)
}

// engineOn is engine with c, a wrapper of b.compute, as the engine's Nova.
func (b *testBundle) engineOn(owner string, ttl time.Duration, c recovery.Compute) *workflow.Runner {
	b.t.Helper()
	fl := recovery.New(b.cfg, c, b.fencer, b.confirm, nil, b.metrics)
	r := workflow.New(b.st, workflow.Config{Owner: owner, LeaseTTL: ttl, PollInterval: 20 * time.Millisecond, Workers: 8, ErrorBackoff: 50 * time.Millisecond},
		fl.Handle, enginetest.Logger(b.t), b.metrics)
	require.NoError(b.t, r.Start(context.Background()))
	b.t.Cleanup(r.Stop)
	return r
}

func (b *testBundle) notify(host string, payload map[string]string, observer string, ev *event.Evidence) string {
	b.t.Helper()
	ctx := context.Background()
	typ := event.TypeComputeHost
	if _, ok := payload["instance_uuid"]; ok {
		typ = event.TypeVM
	} else if _, ok := payload["process_name"]; ok {
		typ = event.TypeProcess
	}
	// Like the intake: an event id when a monitor observed it, none when
	// it came through the API.
	eventID := ""
	if observer != "" {
		eventID = fmt.Sprintf("ev-%d", time.Now().UnixNano())
	}
	n, err := b.st.NotificationInsert(ctx, &store.NotificationInsertParams{Type: typ, Hostname: host,
		GeneratedTime: time.Now(), Payload: payload, EventID: eventID, DuplicateWindow: time.Minute})
	require.NoError(b.t, err)
	if observer != "" {
		var raw json.RawMessage
		if ev != nil {
			raw, _ = json.Marshal(ev)
		}
		require.NoError(b.t, b.st.NotificationObserverAdd(ctx, &store.Observer{NotificationUUID: n.NotificationUUID, EventID: "obs-" + observer,
			Observer: observer, Monitor: event.MonitorHost, Payload: payload, Evidence: raw}))
	}
	return n.NotificationUUID
}

var stoppedPayload = map[string]string{"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}

// waitFor polls cond; the long bound only catches a hung test, it is not
// a timing assertion.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (b *testBundle) waitStatus(n string, statuses ...string) (string, string) {
	b.t.Helper()
	var s, m string
	waitFor(b.t, "notification "+n+" to reach "+strings.Join(statuses, "|"), func() bool {
		s, m = enginetest.NotificationStatus(b.t, b.st, n)
		return slices.Contains(statuses, s)
	})
	return s, m
}

func (b *testBundle) waitHeld(n string) string {
	b.t.Helper()
	var rec *store.Recovery
	waitFor(b.t, "recovery of "+n+" to hold", func() bool {
		r, err := b.st.RecoveryGetByNotification(context.Background(), n)
		if err != nil {
			return false
		}
		rec = r
		return r.State == store.RecoveryStateHeld
	})
	return rec.HoldReason
}

func indexOf(calls []string, prefix string) int {
	return slices.IndexFunc(calls, func(c string) bool { return strings.HasPrefix(c, prefix) })
}

// TestHostFailureTimeline: host dies at t=0 → fenced, forced down, exactly
// the HA instances evacuated to allowed targets, host left on maintenance.
func TestHostFailureTimeline(t *testing.T) {
	t.Parallel()
	b := setup(t, recovery.MethodAuto)
	for _, h := range []string{"c1", "c2", "c3", "c4"} {
		b.addHost(h, false)
	}
	b.addHost("spare", true) // reserved: not an auto target
	_, err := b.st.Pool().Exec(context.Background(), `UPDATE hosts SET on_maintenance = true WHERE name = 'c4'`)
	require.NoError(t, err)
	var haIDs []string
	for i := range 5 {
		haIDs = append(haIDs, b.compute.AddServer("c1", fmt.Sprintf("ha-%d", i), "active", ha(), small))
	}
	plain := b.compute.AddServer("c1", "plain", "active", nil, small)
	onOther := b.compute.AddServer("c2", "other", "active", ha(), small)

	b.compute.KillHost("c1")
	n := b.notify("c1", stoppedPayload, "c2", nil)
	b.engine("engine-a", 5*time.Second)

	status, msg := b.waitStatus(n, "finished", "error")
	require.Equal(t, "finished", status, msg)

	calls := b.compute.Calls()
	fence, forced, firstEvac := indexOf(calls, "Fence c1"), indexOf(calls, "SetForcedDown c1 true"), indexOf(calls, "Evacuate ")
	require.GreaterOrEqual(t, fence, 0, "the host must be fenced")
	require.Less(t, fence, forced, "fence before force-down: %v", calls)
	require.Less(t, forced, firstEvac, "force-down before the first evacuation: %v", calls)

	evac := b.compute.Evacuations()
	require.Len(t, evac, len(haIDs), "exactly the HA instances are evacuated")
	for _, id := range haIDs {
		require.Len(t, evac[id], 1, "one evacuate call per instance")
		require.Contains(t, []string{"c2", "c3"}, evac[id][0], "targets: same segment, up, enabled, not on maintenance, not reserved")
		require.Equal(t, evac[id][0], b.compute.ServerState(id).Host)
	}
	require.NotContains(t, evac, plain)
	require.NotContains(t, evac, onOther)
	// Spread: five instances over two targets, not all on one.
	targets := map[string]int{}
	for _, id := range haIDs {
		targets[evac[id][0]]++
	}
	require.Len(t, targets, 2, "instances spread over the targets: %v", targets)

	svc := b.compute.Service("c1")
	require.True(t, svc.ForcedDown)
	require.Equal(t, "disabled", svc.Status)
	require.Equal(t, "Masakari detected host failed.", svc.DisabledReason)
	on, byLazarus := enginetest.HostMaintenance(t, b.st, b.hosts["c1"])
	require.True(t, on)
	require.True(t, byLazarus)

	moves, err := b.st.VMovesByNotification(context.Background(), n)
	require.NoError(t, err)
	require.Len(t, moves, len(haIDs))
	for _, m := range moves {
		require.Equal(t, "succeeded", m.Status)
		require.NotEmpty(t, m.DestHost)
	}
	details, err := b.st.RecoveryWorkflowDetails(context.Background(), n)
	require.NoError(t, err)
	var names []string
	for _, d := range details {
		names = append(names, d.Name)
		require.NotEqual(t, store.StepStateFailure, d.State, d.Name)
	}
	require.Equal(t, []string{"verdict", "fence", "force_down", "select", "evacuate", "finish"}, names)

	// Invariant 6: nothing in the flow brings the failed host back.
	for _, c := range b.compute.Calls() {
		require.NotEqual(t, "SetForcedDown c1 false", c)
		require.NotEqual(t, "EnableService c1", c)
	}
	require.Equal(t, recovery.PowerOff, b.fencer.Power("c1"), "the fenced host stays off")

	// The metrics tell the same story.
	counter := func(name string, labels map[string]string) float64 {
		mfs, err := b.reg.Gather()
		require.NoError(t, err)
		for _, mf := range mfs {
			if mf.GetName() != name {
				continue
			}
		next:
			for _, m := range mf.GetMetric() {
				for _, lp := range m.GetLabel() {
					if labels[lp.GetName()] != lp.GetValue() {
						continue next
					}
				}
				return m.GetCounter().GetValue()
			}
		}
		return 0
	}
	require.Equal(t, 1.0, counter("lazarus_engine_notifications_total", map[string]string{"type": "COMPUTE_HOST", "status": "finished"}))
	require.Equal(t, 1.0, counter("lazarus_engine_fences_total", map[string]string{"result": "verified"}))
	require.Equal(t, float64(len(haIDs)), counter("lazarus_engine_evacuations_total", map[string]string{"result": "succeeded"}))
}

// TestBMCDarkHolds is invariant 1: when every fence level fails, nothing is
// forced down or evacuated, the recovery holds with the reason, and an
// operator's confirmation releases it.
func TestBMCDarkHolds(t *testing.T) {
	t.Parallel()
	b := setup(t, recovery.MethodAuto)
	for _, h := range []string{"c1", "c2", "c3"} {
		b.addHost(h, false)
	}
	id := b.compute.AddServer("c1", "vm", "active", ha(), small)
	b.compute.KillHost("c1")
	b.fencer.SetDark("c1", true)
	n := b.notify("c1", stoppedPayload, "c2", nil)
	b.engine("engine-a", 5*time.Second)

	reason := b.waitHeld(n)
	require.Contains(t, reason, "not proven dead")
	_, msg := enginetest.NotificationStatus(t, b.st, n)
	require.Contains(t, msg, "Recovery held")
	// It is re-evaluated (fence retried) while held, and still evacuates nothing.
	waitFor(t, "a second fence attempt", func() bool { return len(b.fencer.Fences()) >= 2 })
	require.Empty(t, b.compute.Evacuations())
	require.Equal(t, -1, indexOf(b.compute.Calls(), "SetForcedDown"))
	s, _ := enginetest.NotificationStatus(t, b.st, n)
	require.Equal(t, "running", s)

	b.confirm.Confirm(b.hosts["c1"])
	status, msg := b.waitStatus(n, "finished", "error")
	require.Equal(t, "finished", status, msg)
	require.Len(t, b.compute.Evacuations()[id], 1)
}

// TestEarlierConfirmationIsNotReused is invariant 1 across incidents: an
// operator's confirmation given before this recovery began (for an earlier
// failure of the same host, which was powered on since) proves nothing
// about the host now, so a dark BMC still holds the recovery.
func TestEarlierConfirmationIsNotReused(t *testing.T) {
	t.Parallel()
	b := setup(t, recovery.MethodAuto)
	for _, h := range []string{"c1", "c2"} {
		b.addHost(h, false)
	}
	b.compute.AddServer("c1", "vm", "active", ha(), small)
	// Given seconds before the host failed again: within a minute of the
	// new failure, which the old rule (generated_time - 1 min) accepted.
	b.confirm.ConfirmAt(b.hosts["c1"], time.Now().Add(-10*time.Second))
	b.compute.KillHost("c1")
	b.fencer.SetDark("c1", true)
	n := b.notify("c1", stoppedPayload, "c2", nil)
	b.engine("engine-a", 5*time.Second)

	reason := b.waitHeld(n)
	require.Contains(t, reason, "not proven dead")
	require.Empty(t, b.compute.Evacuations())
	require.Equal(t, -1, indexOf(b.compute.Calls(), "SetForcedDown"))
}

// TestRequireFencingFalse is Masakari's trust-the-monitor mode.
func TestRequireFencingFalse(t *testing.T) {
	t.Parallel()
	b := setup(t, recovery.MethodAuto)
	b.cfg.RequireFencing = false
	for _, h := range []string{"c1", "c2"} {
		b.addHost(h, false)
	}
	id := b.compute.AddServer("c1", "vm", "active", ha(), small)
	b.compute.KillHost("c1")
	b.fencer.SetDark("c1", true)
	n := b.notify("c1", stoppedPayload, "", nil)
	b.engine("engine-a", 5*time.Second)
	status, msg := b.waitStatus(n, "finished", "error")
	require.Equal(t, "finished", status, msg)
	require.Empty(t, b.fencer.Fences(), "no fence attempted")
	require.Equal(t, "c2", b.compute.ServerState(id).Host)
}

// TestAliveOnAnotherLinkIsNotEvacuated is invariant 5.
func TestAliveOnAnotherLinkIsNotEvacuated(t *testing.T) {
	t.Parallel()
	b := setup(t, recovery.MethodAuto)
	for _, h := range []string{"c1", "c2"} {
		b.addHost(h, false)
	}
	b.compute.AddServer("c1", "vm", "active", ha(), small)
	n := b.notify("c1", stoppedPayload, "c2", &event.Evidence{NetworksLost: []string{"mgmt"}, NetworksAlive: []string{"storage"}})
	b.engine("engine-a", 5*time.Second)
	status, msg := b.waitStatus(n, "ignored", "finished", "error")
	require.Equal(t, "ignored", status)
	require.Contains(t, msg, "storage")
	require.Empty(t, b.fencer.Fences())
	require.Empty(t, b.compute.Evacuations())

	// Alive on a link but nova-compute dead: the process flow, not evacuation.
	b2 := setup(t, recovery.MethodAuto)
	for _, h := range []string{"c1", "c2"} {
		b2.addHost(h, false)
	}
	b2.compute.AddServer("c1", "vm", "active", ha(), small)
	b2.compute.KillHost("c1")
	n2 := b2.notify("c1", stoppedPayload, "c2", &event.Evidence{NetworksAlive: []string{"storage"}})
	b2.engine("engine-b", 5*time.Second)
	status, msg = b2.waitStatus(n2, "finished", "error", "ignored")
	require.Equal(t, "finished", status, msg)
	require.Empty(t, b2.fencer.Fences())
	require.Empty(t, b2.compute.Evacuations())
	require.Equal(t, "disabled", b2.compute.Service("c1").Status)
	require.False(t, b2.compute.Service("c1").ForcedDown)
}

// TestHealthyHostIsWaitedOutThenIgnored: BMC on and a live heartbeat.
func TestHealthyHostIsWaitedOutThenIgnored(t *testing.T) {
	t.Parallel()
	b := setup(t, recovery.MethodAuto)
	b.cfg.VerdictTimeout = 300 * time.Millisecond
	for _, h := range []string{"c1", "c2"} {
		b.addHost(h, false)
	}
	b.compute.AddServer("c1", "vm", "active", ha(), small)
	n := b.notify("c1", stoppedPayload, "c2", nil)
	b.engine("engine-a", 5*time.Second)
	status, msg := b.waitStatus(n, "ignored", "finished", "error")
	require.Equal(t, "ignored", status)
	require.Contains(t, msg, "alive")
	require.Empty(t, b.fencer.Fences())
}

// TestStormBrake is invariant 4: three of four hosts failing at once fence
// nothing; the rate limit stops the second fence of a segment.
func TestStormBrake(t *testing.T) {
	t.Parallel()
	b := setup(t, recovery.MethodAuto)
	for _, h := range []string{"c1", "c2", "c3", "c4"} {
		b.addHost(h, false)
	}
	var ns []string
	for _, h := range []string{"c1", "c2", "c3"} {
		b.compute.AddServer(h, "vm-"+h, "active", ha(), small)
		b.compute.KillHost(h)
		ns = append(ns, b.notify(h, stoppedPayload, "c4", nil))
	}
	b.engine("engine-a", 5*time.Second)
	for _, n := range ns {
		require.Contains(t, b.waitHeld(n), "storm brake")
	}
	require.Empty(t, b.fencer.Fences(), "nothing is fenced in a storm")
	require.Empty(t, b.compute.Evacuations())

	rb := setup(t, recovery.MethodAuto)
	rb.cfg.Brake.MaxFencesPerWindow = 1
	for i := range 10 {
		rb.addHost(fmt.Sprintf("h%d", i), false)
	}
	rb.compute.AddServer("h0", "vm0", "active", ha(), small)
	rb.compute.KillHost("h0")
	n0 := rb.notify("h0", stoppedPayload, "h9", nil)
	rb.engine("engine-r", 5*time.Second)
	st, msg := rb.waitStatus(n0, "finished", "error")
	require.Equal(t, "finished", st, msg)
	rb.compute.AddServer("h1", "vm1", "active", ha(), small)
	rb.compute.KillHost("h1")
	n1 := rb.notify("h1", stoppedPayload, "h9", nil)
	require.Contains(t, rb.waitHeld(n1), "rate limit")
	require.Equal(t, []string{"h0"}, rb.fencer.Fences())
}

// TestVanishingHeartbeatsBrake is invariant 4's "too many heartbeats
// vanish at once": one host is reported, but Nova sees three of four
// hosts' heartbeats gone — nothing is fenced.
func TestVanishingHeartbeatsBrake(t *testing.T) {
	t.Parallel()
	b := setup(t, recovery.MethodAuto)
	for _, h := range []string{"c1", "c2", "c3", "c4"} {
		b.addHost(h, false)
	}
	b.compute.AddServer("c1", "vm", "active", ha(), small)
	for _, h := range []string{"c1", "c2", "c3"} {
		b.compute.KillHost(h)
	}
	n := b.notify("c1", stoppedPayload, "c4", nil)
	b.engine("engine-a", 5*time.Second)
	require.Contains(t, b.waitHeld(n), "storm brake")
	require.Empty(t, b.fencer.Fences())
	require.Empty(t, b.compute.Evacuations())
}

// TestSelfCheckFailureHolds: an engine that cannot hear the monitors
// refuses to fence.
func TestSelfCheckFailureHolds(t *testing.T) {
	t.Parallel()
	b := setup(t, recovery.MethodAuto)
	for _, h := range []string{"c1", "c2"} {
		b.addHost(h, false)
	}
	b.compute.AddServer("c1", "vm", "active", ha(), small)
	b.compute.KillHost("c1")
	n := b.notify("c1", stoppedPayload, "", nil)
	fl := recovery.New(b.cfg, b.compute, b.fencer, nil,
		brake.SelfCheckFunc(func(context.Context) error { return fmt.Errorf("message broker unreachable") }), nil)
	r := workflow.New(b.st, workflow.Config{Owner: "e", LeaseTTL: 5 * time.Second, PollInterval: 20 * time.Millisecond}, fl.Handle, enginetest.Logger(t), nil)
	require.NoError(t, r.Start(context.Background()))
	t.Cleanup(r.Stop)
	require.Contains(t, b.waitHeld(n), "self-check")
	require.Empty(t, b.fencer.Fences())
}

// TestOneFailedInstanceDoesNotFailTheOthers, and an instance whose first
// evacuation fails is retried on another target.
func TestOneFailedInstanceDoesNotFailTheOthers(t *testing.T) {
	t.Parallel()
	b := setup(t, recovery.MethodAuto)
	for _, h := range []string{"c1", "c2", "c3", "c4"} {
		b.addHost(h, false)
	}
	good := b.compute.AddServer("c1", "good", "active", ha(), small)
	bad := b.compute.AddServer("c1", "bad", "active", ha(), small)
	flaky := b.compute.AddServer("c1", "flaky", "active", ha(), small)
	b.compute.FailEvacuation(bad)
	b.compute.FailEvacuationOnce(flaky)
	b.compute.KillHost("c1")
	n := b.notify("c1", stoppedPayload, "", nil)
	b.engine("engine-a", 5*time.Second)
	status, msg := b.waitStatus(n, "finished", "error")
	require.Equal(t, "error", status)
	require.Contains(t, msg, bad)
	require.NotContains(t, msg, good)
	require.NotContains(t, msg, flaky)
	ev := b.compute.Evacuations()
	require.Len(t, ev[good], 1)
	require.Len(t, ev[flaky], 2, "retried once, elsewhere")
	require.NotEqual(t, ev[flaky][0], ev[flaky][1])
	require.Len(t, ev[bad], 2, "evacuate_attempts = 2")
	moves, err := b.st.VMovesByNotification(context.Background(), n)
	require.NoError(t, err)
	got := map[string]string{}
	for _, m := range moves {
		got[m.InstanceUUID] = m.Status
	}
	require.Equal(t, map[string]string{good: "succeeded", bad: "failed", flaky: "succeeded"}, got)
}

// TestReservedHost: reserved_host evacuates to the reserved host after
// adding it to the failed host's aggregate and enabling it.
func TestReservedHost(t *testing.T) {
	t.Parallel()
	b := setup(t, recovery.MethodReservedHost)
	b.cfg.AddReservedHostToAggregate = true
	for _, h := range []string{"c1", "c2"} {
		b.addHost(h, false)
	}
	b.addHost("spare", true)
	b.compute.SetServiceStatus("spare", "disabled")
	agg := b.compute.AddAggregate("az1", "c1", "c2")
	id := b.compute.AddServer("c1", "vm", "active", ha(), small)
	b.compute.KillHost("c1")
	n := b.notify("c1", stoppedPayload, "", nil)
	b.engine("engine-a", 5*time.Second)
	status, msg := b.waitStatus(n, "finished", "error")
	require.Equal(t, "finished", status, msg)
	require.Equal(t, "spare", b.compute.ServerState(id).Host)
	require.Equal(t, "enabled", b.compute.Service("spare").Status)
	require.Contains(t, b.compute.Calls(), "AddHostToAggregate "+agg+" spare")
	var reserved bool
	require.NoError(t, b.st.Pool().QueryRow(context.Background(), `SELECT reserved FROM hosts WHERE name = 'spare'`).Scan(&reserved))
	require.False(t, reserved, "a used reserved host is no longer reserved, as in Masakari")
}

// TestTwoEnginesOneRecovery is invariant 2 end to end: reports of the same
// failure reach two engines; one recovery runs, every instance moves once.
func TestTwoEnginesOneRecovery(t *testing.T) {
	t.Parallel()
	b := setup(t, recovery.MethodAuto)
	for _, h := range []string{"c1", "c2", "c3"} {
		b.addHost(h, false)
	}
	b.compute.EvacuateDelay = 20 * time.Millisecond
	var ids []string
	for i := range 6 {
		ids = append(ids, b.compute.AddServer("c1", fmt.Sprintf("vm%d", i), "active", ha(), small))
	}
	b.compute.KillHost("c1")
	n1 := b.notify("c1", stoppedPayload, "c2", nil)
	// A second monitor's report that differs (host_status) passes the
	// API's dedup, as in Masakari; it must merge, not start a second run.
	n2 := b.notify("c1", map[string]string{"event": "STOPPED", "host_status": "UNKNOWN", "cluster_status": "OFFLINE"}, "c3", nil)
	b.engine("engine-a", 5*time.Second)
	b.engine("engine-b", 5*time.Second)
	s1, m1 := b.waitStatus(n1, "finished", "error")
	require.Equal(t, "finished", s1, m1)
	s2, m2 := b.waitStatus(n2, "ignored", "finished", "error")
	require.Equal(t, "ignored", s2, m2)
	require.Contains(t, m2, "Merged")
	for _, id := range ids {
		require.Len(t, b.compute.Evacuations()[id], 1)
	}
	require.Equal(t, []string{"c1"}, b.fencer.Fences())
	obs, err := b.st.NotificationObservers(context.Background(), n1)
	require.NoError(t, err)
	require.Len(t, obs, 2, "both observers kept as evidence")
}

// TestResumeAfterCrashEvacuatesNothingTwice is invariant 3: an engine dies
// (no release, no renewal) in the middle of evacuating; another resumes
// after the lease expires, re-reads Nova and issues no second evacuation.
func TestResumeAfterCrashEvacuatesNothingTwice(t *testing.T) {
	t.Parallel()
	b := setup(t, recovery.MethodAuto)
	b.cfg.Threads = 1
	for _, h := range []string{"c1", "c2", "c3"} {
		b.addHost(h, false)
	}
	b.compute.EvacuateDelay = 50 * time.Millisecond
	var ids []string
	for i := range 6 {
		ids = append(ids, b.compute.AddServer("c1", fmt.Sprintf("vm%d", i), "active", ha(), small))
	}
	b.compute.KillHost("c1")
	n := b.notify("c1", stoppedPayload, "", nil)
	ctx := context.Background()
	_, err := b.st.RecoveryCreateFromNew(ctx, 10)
	require.NoError(t, err)
	claimed, err := b.st.RecoveryClaim(ctx, &store.RecoveryClaimParams{Owner: "doomed", TTL: time.Second, Limit: 1})
	require.NoError(t, err)
	require.Len(t, claimed, 1)

	// The doomed engine "crashes" right after its third evacuate call
	// reaches Nova: its context ends, it records nothing more.
	crashCtx, crash := context.WithCancel(ctx)
	calls := 0
	b.compute.OnEvacuate = func(string, string) {
		calls++
		if calls == 3 {
			crash()
		}
	}
	fl := recovery.New(b.cfg, b.compute, b.fencer, nil, nil, nil)
	job := workflow.NewJob(b.st, claimed[0], nil, time.Second, enginetest.Logger(t))
	_, herr := fl.Handle(crashCtx, job)
	require.Error(t, herr)
	b.compute.OnEvacuate = nil
	require.Len(t, b.compute.Evacuations(), 3)

	b.engine("survivor", 5*time.Second)
	status, msg := b.waitStatus(n, "finished", "error")
	require.Equal(t, "finished", status, msg)
	for _, id := range ids {
		require.Len(t, b.compute.Evacuations()[id], 1, "instance %s evacuated once", id)
		require.NotEqual(t, "c1", b.compute.ServerState(id).Host)
	}
	steps, err := b.st.RecoverySteps(ctx, claimed[0].UUID)
	require.NoError(t, err)
	epochs := map[int64]bool{}
	for _, s := range steps {
		epochs[s.Epoch] = true
	}
	require.Len(t, epochs, 2, "the journal shows both owners' epochs")
}

func TestInstanceFailureFlow(t *testing.T) {
	t.Parallel()
	b := setup(t, recovery.MethodAuto)
	b.addHost("c1", false)
	id := b.compute.AddServer("c1", "vm", "active", ha(), small)
	plain := b.compute.AddServer("c1", "plain", "active", nil, small)
	vm := func(id, ev, vde string) map[string]string {
		return map[string]string{"instance_uuid": id, "event": ev, "vir_domain_event": vde}
	}
	n1 := b.notify("c1", vm(id, "LIFECYCLE", "STOPPED_FAILED"), "", nil)
	n2 := b.notify("c1", vm(plain, "LIFECYCLE", "STOPPED_FAILED"), "", nil)
	n3 := b.notify("c1", vm(id, "LIFECYCLE", "STARTED_BOOTED"), "", nil)
	b.engine("engine-a", 5*time.Second)
	s, m := b.waitStatus(n1, "finished", "error", "ignored")
	require.Equal(t, "finished", s, m)
	require.Equal(t, "active", b.compute.ServerState(id).VMState)
	calls := b.compute.Calls()
	require.Less(t, indexOf(calls, "StopServer "+id), indexOf(calls, "StartServer "+id))
	s, _ = b.waitStatus(n2, "finished", "error", "ignored")
	require.Equal(t, "finished", s, "not HA-enabled: skipped, finished as in Masakari")
	require.Equal(t, -1, indexOf(b.compute.Calls(), "StopServer "+plain))
	s, _ = b.waitStatus(n3, "finished", "error", "ignored")
	require.Equal(t, "ignored", s)
}

func TestProcessFailureFlow(t *testing.T) {
	t.Parallel()
	b := setup(t, recovery.MethodAuto)
	b.addHost("c1", false)
	b.addHost("c2", false)
	n := b.notify("c1", map[string]string{"process_name": "nova-compute", "event": "STOPPED"}, "", nil)
	n2 := b.notify("c2", map[string]string{"process_name": "sshd", "event": "STOPPED"}, "", nil)
	b.engine("engine-a", 5*time.Second)
	s, m := b.waitStatus(n, "finished", "error")
	require.Equal(t, "finished", s, m)
	require.Equal(t, "disabled", b.compute.Service("c1").Status)
	require.Equal(t, "Masakari detected process failed.", b.compute.Service("c1").DisabledReason)
	on, _ := enginetest.HostMaintenance(t, b.st, b.hosts["c1"])
	require.True(t, on)
	s, _ = b.waitStatus(n2, "finished", "error")
	require.Equal(t, "finished", s)
	on, _ = enginetest.HostMaintenance(t, b.st, b.hosts["c2"])
	require.False(t, on, "another process's failure does not put the host on maintenance (Masakari's sticky-maintenance bug)")
	require.Equal(t, "enabled", b.compute.Service("c2").Status)
}

// TestStormInTheFirstReport is invariant 4 when two of three hosts die at
// once: the first report (of c1) already names c2 dead on every network,
// before c2's own report or Nova's service state show it, and the storm
// brake holds c1's fence. Once c2's monitor is heard again (after the
// report), c2 is alive and c1 is fenced.
func TestStormInTheFirstReport(t *testing.T) {
	t.Parallel()
	b := setup(t, recovery.MethodAuto)
	for _, h := range []string{"c1", "c2", "c3"} {
		b.addHost(h, false)
	}
	b.compute.AddServer("c1", "vm", "active", ha(), small)
	b.compute.KillHost("c1") // c2 died too, but Nova still sees it up
	n := b.notify("c1", stoppedPayload, "c3", &event.Evidence{NetworksLost: []string{"mgmt", "storage"}, PeersDown: []string{"c2"}})
	b.engine("engine-a", 5*time.Second)
	require.Contains(t, b.waitHeld(n), "storm brake: 2 of the 3 hosts")
	require.Empty(t, b.fencer.Fences(), "nothing is fenced in a storm")
	require.Empty(t, b.compute.Evacuations())

	// c2's monitor heartbeats after the report: it was alive after all.
	require.NoError(t, b.st.MonitorHeartbeatsUpsert(context.Background(), []store.MonitorHeartbeat{{Host: "c2", PeersAlive: map[string]int{"mgmt": 1}}}))
	status, msg := b.waitStatus(n, "finished", "error")
	require.Equal(t, "finished", status, msg)
	require.Equal(t, []string{"c1"}, b.fencer.Fences())
}
