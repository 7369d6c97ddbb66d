package nova_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/utils"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/openstack/nova"
	"github.com/lazarus-ha/lazarus/test/novasim"
)

func TestNegotiate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		min, max int
		want     int
		err      string
	}{
		{name: "pike", min: 1, max: 53, want: 53},
		{name: "zed", min: 1, max: 93, want: 93},
		{name: "2023.1", min: 1, max: 95, want: 95},
		{name: "2024.1", min: 1, max: 96, want: 96},
		{name: "newer than lazarus knows", min: 1, max: 103, want: nova.MaxMinor},
		{name: "minimum raised but still known", min: 60, max: 103, want: nova.MaxMinor},
		{name: "ocata", min: 1, max: 42, err: "lazarus needs 2.53"},
		{name: "minimum beyond what lazarus knows", min: 97, max: 110, err: "lazarus knows 2.53 to 2.96"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := nova.Negotiate(utils.SupportedMicroversions{MinMajor: 2, MinMinor: tc.min, MaxMajor: 2, MaxMinor: tc.max})
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestFeaturesAt(t *testing.T) {
	t.Parallel()
	f := nova.FeaturesAt(53)
	require.Equal(t, nova.Features{Microversion: "2.53", Minor: 53, HypervisorCapacity: true, EvacuateForce: true}, f)
	f = nova.FeaturesAt(93) // Zed
	require.True(t, f.LockReason && f.ServerGroupsInServer && f.ServerGroupPolicy)
	require.False(t, f.HypervisorCapacity || f.EvacuateStopsInstance || f.PinnedAvailabilityZone || f.EvacuateForce)
	require.True(t, nova.FeaturesAt(95).EvacuateStopsInstance)
	require.False(t, nova.FeaturesAt(94).EvacuateStopsInstance)
	require.True(t, nova.FeaturesAt(96).PinnedAvailabilityZone)
	require.True(t, nova.FeaturesAt(87).HypervisorCapacity)
	require.False(t, nova.FeaturesAt(88).HypervisorCapacity)
}

// Each Nova range gets the highest microversion both know, and every call
// carries it.
func TestNewNegotiatesTheHighestBothKnow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ min, max int }{{1, 53}, {1, 72}, {1, 93}, {1, 95}, {53, 95}} {
		b := setup(t, novasim.Options{MinMicroversion: tc.min, MaxMicroversion: tc.max})
		require.Equal(t, tc.max, b.client.Features().Minor)
		_, err := b.client.ComputeServices(context.Background())
		require.NoError(t, err)
		reqs := b.sim.Requests()
		require.Equal(t, b.client.Features().Microversion, reqs[len(reqs)-1].Microversion)
	}
}

// From 2.95 an evacuated instance, running or not, arrives stopped.
func TestEvacuateFrom295LeavesInstancesStopped(t *testing.T) {
	t.Parallel()
	b := setup(t, novasim.Options{MaxMicroversion: 95})
	ctx := context.Background()
	a, err := b.sim.AddServer(novasim.ServerSpec{Host: "compute-1"})
	require.NoError(t, err)
	require.NoError(t, b.sim.MarkServiceDown("compute-1"))
	require.NoError(t, b.client.Evacuate(ctx, a, "compute-2"))
	require.NoError(t, b.sim.WaitIdle(ctx))
	s, err := b.client.Server(ctx, a)
	require.NoError(t, err)
	require.Equal(t, "compute-2", s.Host)
	require.Equal(t, "SHUTOFF", s.Status)
	require.Equal(t, "stopped", s.VMState)
	// Only "host": no option a newer microversion rejects.
	require.Equal(t, []string{`{"evacuate":{"host":"compute-2"}}`}, b.bodies(http.MethodPost, "/action"))
}

// Below 2.73 a lock has no reason: the body is {"lock": null}.
func TestLockReasonOnlyFrom273(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		max  int
		body string
	}{{72, `{"lock":null}`}, {73, `{"lock":{"locked_reason":"Lazarus"}}`}} {
		b := setup(t, novasim.Options{MaxMicroversion: tc.max})
		id, err := b.sim.AddServer(novasim.ServerSpec{Host: "compute-1"})
		require.NoError(t, err)
		require.NoError(t, b.client.LockServer(context.Background(), id, "Lazarus"))
		require.Equal(t, []string{tc.body}, b.bodies(http.MethodPost, "/action"))
		st, _ := b.sim.Server(id)
		require.True(t, st.Locked)
	}
}

func TestHypervisorsFrom288HaveNoCapacity(t *testing.T) {
	t.Parallel()
	b := setup(t, novasim.Options{})
	hs, err := b.client.Hypervisors(context.Background())
	require.NoError(t, err)
	require.Len(t, hs, 3)
	for _, h := range hs {
		require.NotEmpty(t, h.ID)
		require.Zero(t, h.VCPUs)
		require.Zero(t, h.MemoryMB)
	}
}

// From 2.88 os-hypervisors/detail carries each host's uptime, which Nova
// reads over RPC from every compute host that still looks up: a host that
// has just died holds the answer for Nova's RPC timeout. Hypervisors asks
// 2.87 of a newer Nova, which reads only its database.
func TestHypervisorsNeverAskUptime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		max  int
		want string
	}{
		{max: 95, want: "2.87"}, // newer Nova: one version below the uptime
		{max: 88, want: "2.87"},
		{max: 87, want: "2.87"},
		{max: 60, want: "2.60"}, // older Nova: what was negotiated
	} {
		b := setup(t, novasim.Options{MaxMicroversion: tc.max})
		_, err := b.client.Hypervisors(context.Background())
		require.NoError(t, err)
		_, err = b.client.ComputeServices(context.Background())
		require.NoError(t, err)
		got := map[string][]string{}
		for _, r := range b.sim.Requests() {
			got[r.Path] = append(got[r.Path], r.Microversion)
		}
		require.Equal(t, []string{tc.want}, got["/os-hypervisors/detail"], "Nova at 2.%d", tc.max)
		require.Equal(t, []string{fmt.Sprintf("2.%d", tc.max)}, got["/os-services"], "other calls keep the negotiated version")
	}
}

func TestCapacitiesFromPlacement(t *testing.T) {
	t.Parallel()
	b := setup(t, novasim.Options{})
	ctx := context.Background()
	_, err := b.sim.AddServer(novasim.ServerSpec{Host: "compute-2", Flavor: novasim.Flavor{VCPUs: 2, RAMMB: 4096, DiskGB: 40}})
	require.NoError(t, err)
	require.NoError(t, b.sim.SetInventory("compute-2", novasim.Inventory{ReservedMemoryMB: 512, CPUAllocationRatio: 4}))
	hs, err := b.client.Hypervisors(ctx)
	require.NoError(t, err)
	ids := map[string]string{}
	var all []string
	for _, h := range hs {
		ids[h.ServiceHost] = h.ID
		all = append(all, h.ID)
	}
	caps, err := b.client.Capacities(ctx, append(all, "00000000-0000-0000-0000-000000000000"))
	require.NoError(t, err)
	require.Len(t, caps, 3, "an unknown provider is left out")
	c2 := caps[ids["compute-2"]]
	require.Equal(t, nova.Resource{Total: 64, MinUnit: 1, MaxUnit: 64, AllocationRatio: 4, Used: 2}, c2.Resources[nova.ClassVCPU])
	require.Equal(t, 256-2, c2.Resources[nova.ClassVCPU].Free())
	require.Equal(t, nova.Resource{Total: 262144, Reserved: 512, MinUnit: 1, MaxUnit: 262144, AllocationRatio: 1, Used: 4096}, c2.Resources[nova.ClassMemory])
	require.Equal(t, 262144-512-4096, c2.Resources[nova.ClassMemory].Free())
}

func TestServerGroupsPolicyAtEveryVersion(t *testing.T) {
	t.Parallel()
	for _, max := range []int{63, 64, 95} {
		b := setup(t, novasim.Options{MaxMicroversion: max})
		a, err := b.sim.AddServer(novasim.ServerSpec{Host: "compute-1"})
		require.NoError(t, err)
		id, err := b.sim.AddServerGroup("web", "anti-affinity", []string{a})
		require.NoError(t, err)
		gs, err := b.client.ServerGroups(context.Background())
		require.NoError(t, err)
		require.Len(t, gs, 1)
		require.Equal(t, id, gs[0].ID)
		require.Equal(t, "anti-affinity", gs[0].Policy, "microversion 2.%d", max)
		require.Equal(t, []string{a}, gs[0].Members)
		s, err := b.client.Server(context.Background(), a)
		require.NoError(t, err)
		if max >= 71 {
			require.Equal(t, []string{id}, s.ServerGroups)
		} else {
			require.Nil(t, s.ServerGroups)
		}
	}
}
