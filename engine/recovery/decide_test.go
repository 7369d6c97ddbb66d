package recovery_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/engine/recovery"
	"github.com/lazarus-ha/lazarus/store"
)

func TestDecide(t *testing.T) {
	t.Parallel()
	const timeout = 90 * time.Second
	cases := []struct {
		name string
		ev   recovery.Evidence
		want recovery.Action
		why  string
	}{
		{"started", recovery.Evidence{Event: "STARTED"}, recovery.ActionNothing,
			"a host coming back needs no recovery (Masakari: finished)"},
		{"dead everywhere", recovery.Evidence{Event: "STOPPED", Observers: 2, Power: recovery.PowerOn}, recovery.ActionProceed,
			"heartbeat lost and nothing alive: fence (power on is what fencing fixes)"},
		{"power already off", recovery.Evidence{Event: "STOPPED", NovaUp: true, Power: recovery.PowerOff}, recovery.ActionProceed,
			"the BMC reads off: dead even if Nova has not noticed yet"},
		{"bmc dark, heartbeat lost", recovery.Evidence{Event: "STOPPED", Power: recovery.PowerUnknown}, recovery.ActionProceed,
			"proceed to fencing, which will fail and hold: the verdict must not dead-end like Masakari's UNKNOWN"},
		{"alive on a second network", recovery.Evidence{Event: "STOPPED", NovaUp: true, AliveLinks: []string{"storage"}, Power: recovery.PowerOn}, recovery.ActionIgnore,
			"invariant 5: a host alive on any link is not dead"},
		{"alive on a link, nova-compute dead", recovery.Evidence{Event: "STOPPED", NovaUp: false, AliveLinks: []string{"storage"}, Power: recovery.PowerOn}, recovery.ActionProcessFlow,
			"only nova-compute crashed: process flow, never evacuation"},
		{"bmc on and heartbeat live, early", recovery.Evidence{Event: "STOPPED", NovaUp: true, Power: recovery.PowerOn, Waited: 5 * time.Second, VerdictTimeout: timeout}, recovery.ActionWait,
			"Nova needs up to service_down_time to notice: wait instead of ignoring a possibly hung host"},
		{"bmc on and heartbeat live, long", recovery.Evidence{Event: "STOPPED", NovaUp: true, Power: recovery.PowerOn, Waited: 2 * timeout, VerdictTimeout: timeout}, recovery.ActionIgnore,
			"BMC power on plus a live nova-compute heartbeat for the whole timeout: the host is alive"},
		{"bmc dark and heartbeat live, long", recovery.Evidence{Event: "STOPPED", NovaUp: true, Power: recovery.PowerUnknown, Waited: 2 * timeout, VerdictTimeout: timeout}, recovery.ActionIgnore,
			"a live heartbeat is proof of life on its own"},
		{"all observers isolated", recovery.Evidence{Event: "STOPPED", Observers: 2, Isolated: 2, Power: recovery.PowerOn}, recovery.ActionIgnore,
			"observers that lost their own network saw nothing about the host"},
		{"some observers isolated", recovery.Evidence{Event: "STOPPED", Observers: 3, Isolated: 1, Power: recovery.PowerOn}, recovery.ActionProceed,
			"one isolated observer does not cancel the others' reports"},
		{"host_status unknown", recovery.Evidence{Event: "STOPPED", HostStatus: "UNKNOWN", Power: recovery.PowerOn}, recovery.ActionProceed,
			"Masakari ignores UNKNOWN for ever; Lazarus reads the power itself and fences"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v := recovery.Decide(c.ev)
			require.Equal(t, c.want.String(), v.Action.String(), c.why)
			require.NotEmpty(t, v.Reason)
		})
	}
}

func TestSelect(t *testing.T) {
	t.Parallel()
	srv := func(name, state string, md map[string]string) recovery.Server {
		return recovery.Server{ID: "id-" + name, Name: name, VMState: state, Metadata: md}
	}
	servers := []recovery.Server{
		srv("a", "active", nil),
		srv("b", "active", map[string]string{"HA_Enabled": "True"}),
		srv("c", "error", map[string]string{"HA_Enabled": "yes"}),
		srv("d", "stopped", map[string]string{"HA_Enabled": "false", "prio": "9"}),
		srv("e", "active", map[string]string{"HA_Enabled": "1", "prio": "5"}),
	}
	names := func(sel []recovery.Selected) []string {
		var out []string
		for _, s := range sel {
			out = append(out, s.Server.Name)
		}
		return out
	}
	cases := []struct {
		name string
		o    recovery.SelectOptions
		want []string
		why  string
	}{
		{"masakari default", recovery.SelectOptions{HAKey: "HA_Enabled", EvacuateAll: true}, []string{"b", "c", "e", "a", "d"},
			"evacuate_all_instances: HA-enabled first, then the rest"},
		{"ha only", recovery.SelectOptions{HAKey: "HA_Enabled"}, []string{"b", "c", "e"},
			"without evacuate_all_instances only HA-enabled instances move"},
		{"ignore error", recovery.SelectOptions{HAKey: "HA_Enabled", IgnoreErrorInstances: true}, []string{"b", "e"},
			"ignore_instances_in_error_state leaves ERROR instances"},
		{"priority", recovery.SelectOptions{HAKey: "HA_Enabled", EvacuateAll: true, PriorityKey: "prio"}, []string{"e", "b", "c", "d", "a"},
			"the priority key orders within the HA and non-HA groups, higher first"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, c.want, names(recovery.Select(servers, c.o)), c.why)
		})
	}
}

func TestPlacer(t *testing.T) {
	t.Parallel()
	hosts := []store.RecoveryHost{
		{Name: "failed", UUID: "u0"},
		{Name: "busy", UUID: "u1"},
		{Name: "idle", UUID: "u2"},
		{Name: "maint", UUID: "u3", OnMaintenance: true},
		{Name: "down", UUID: "u4"},
		{Name: "disabled", UUID: "u5"},
		{Name: "spare", UUID: "u6", Reserved: true},
	}
	up := func(h, status string) recovery.Service {
		return recovery.Service{Host: h, State: "up", Status: status}
	}
	services := map[string]recovery.Service{
		"failed": {Host: "failed", State: "down", Status: "disabled", ForcedDown: true},
		"busy":   up("busy", "enabled"), "idle": up("idle", "enabled"), "maint": up("maint", "enabled"),
		"down":     {Host: "down", State: "down", Status: "enabled"},
		"disabled": up("disabled", "disabled"), "spare": up("spare", "disabled"),
	}
	hyp := func(h string, usedVCPU int) recovery.Hypervisor {
		return recovery.Hypervisor{Host: h, VCPUs: 8, VCPUsUsed: usedVCPU, MemoryMB: 16384, LocalGB: 100}
	}
	hyps := map[string]recovery.Hypervisor{"busy": hyp("busy", 6), "idle": hyp("idle", 0), "spare": hyp("spare", 0),
		"maint": hyp("maint", 0), "down": hyp("down", 0), "disabled": hyp("disabled", 0)}
	small := recovery.Flavor{VCPUs: 1, RAMMB: 1024, DiskGB: 10}

	t.Run("auto spreads least loaded first and never picks excluded hosts", func(t *testing.T) {
		t.Parallel()
		p := recovery.NewPlacer(recovery.MethodAuto, hosts, "failed", services, hyps, recovery.Ratios{})
		require.Equal(t, 2, p.Candidates(), "only busy and idle qualify: not failed, maintenance, down, disabled or reserved")
		var got []string
		for range 8 {
			tg, ok := p.Pick(small, nil)
			require.True(t, ok)
			got = append(got, tg.Name)
		}
		// idle takes instances until it is as loaded as busy (6/8), then
		// they alternate.
		require.Equal(t, []string{"idle", "idle", "idle", "idle", "idle", "idle", "busy", "idle"}, got)
		_, ok := p.Pick(recovery.Flavor{VCPUs: 4}, nil)
		require.False(t, ok, "no host has 4 free vCPUs left")
	})
	t.Run("overcommit ratios widen the room", func(t *testing.T) {
		t.Parallel()
		p := recovery.NewPlacer(recovery.MethodAuto, hosts, "failed", services, hyps, recovery.Ratios{CPU: 4})
		tiny := recovery.Flavor{VCPUs: 1, RAMMB: 256}
		n := 0
		for {
			if _, ok := p.Pick(tiny, nil); !ok {
				break
			}
			n++
		}
		// vCPUs are the limit: 4×8 per host, busy uses 6: 26 + 32 = 58
		// (without the ratio: 2 + 8 = 10); RAM would allow 128.
		require.Equal(t, 58, n)
	})
	t.Run("reserved_host uses only reserved hosts, even disabled", func(t *testing.T) {
		t.Parallel()
		p := recovery.NewPlacer(recovery.MethodReservedHost, hosts, "failed", services, hyps, recovery.Ratios{})
		tg, ok := p.Pick(small, nil)
		require.True(t, ok)
		require.Equal(t, "spare", tg.Name)
		require.True(t, tg.Reserved)
	})
	t.Run("rh_priority falls back to normal hosts", func(t *testing.T) {
		t.Parallel()
		p := recovery.NewPlacer(recovery.MethodRHPriority, hosts, "failed", services, hyps, recovery.Ratios{})
		tg, _ := p.Pick(small, nil)
		require.Equal(t, "spare", tg.Name)
		tg, _ = p.Pick(small, map[string]bool{"spare": true})
		require.Equal(t, "idle", tg.Name)
	})
	t.Run("auto_priority prefers normal hosts", func(t *testing.T) {
		t.Parallel()
		p := recovery.NewPlacer(recovery.MethodAutoPriority, hosts, "failed", services, hyps, recovery.Ratios{})
		tg, _ := p.Pick(small, nil)
		require.Equal(t, "idle", tg.Name)
		tg, _ = p.Pick(small, map[string]bool{"idle": true, "busy": true})
		require.Equal(t, "spare", tg.Name)
	})
}
