package recovery

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/store"
)

// placerFor builds a Placer over targets a, b and c (zones az1, az2, az1;
// Placement capacity 8 VCPU, 16 GiB, 100 GB each, b the least loaded) for
// the failed host f, with the given constraints.
func placerFor(t *testing.T, sel []selected, aggs []Aggregate, groups []ServerGroup, memberHosts map[string]string, caps map[string]NodeCapacity) *Placer {
	t.Helper()
	hosts := []store.RecoveryHost{{Name: "f", UUID: "uf"}, {Name: "a", UUID: "ua"}, {Name: "b", UUID: "ub"}, {Name: "c", UUID: "uc"}}
	services := map[string]Service{"f": {Host: "f", State: "down", ForcedDown: true}}
	for h, z := range map[string]string{"a": "az1", "b": "az2", "c": "az1"} {
		services[h] = Service{Host: h, State: "up", Status: "enabled", Zone: z}
	}
	p := NewPlacer(MethodAuto, hosts, "f", services, nil, Ratios{})
	used := map[string]int{"a": 2, "b": 0, "c": 4}
	for _, tg := range p.targets() {
		nc := NodeCapacity{
			ClassVCPU:   {Capacity: 8, Total: 8, AllocationRatio: 1, Used: used[tg.Name]},
			ClassMemory: {Capacity: 16384, Total: 16384, AllocationRatio: 1},
			ClassDisk:   {Capacity: 100, Total: 100, AllocationRatio: 1},
		}
		if c, ok := caps[tg.Name]; ok {
			nc = c
		}
		usePlacement(tg, nc)
	}
	p.constrain(sel, aggs, groups, memberHosts, "f")
	return p
}

func inst(id string) selected {
	return selected{ID: id, VMState: "active", VCPUs: 1, RAMMB: 512, DiskGB: 10, Tenant: "t1"}
}

func TestPlacerConstraints(t *testing.T) {
	t.Parallel()
	full := NodeCapacity{
		ClassVCPU:   {Capacity: 0, Total: 8, Reserved: 8, AllocationRatio: 1},
		ClassMemory: {Capacity: 16384, Total: 16384, AllocationRatio: 1},
		ClassDisk:   {Capacity: 100, Total: 100, AllocationRatio: 1},
	}
	noDisk := NodeCapacity{
		ClassVCPU:   {Capacity: 8, Total: 8, AllocationRatio: 1},
		ClassMemory: {Capacity: 16384, Total: 16384, AllocationRatio: 1},
		ClassDisk:   {Capacity: 100, Total: 100, AllocationRatio: 1, Used: 100},
	}
	for _, tc := range []struct {
		name        string
		sel         []selected
		aggs        []Aggregate
		groups      []ServerGroup
		memberHosts map[string]string
		caps        map[string]NodeCapacity
		// want is the target of each instance in order ("" = none).
		want []string
		// why is part of the reason of the last instance without a target.
		why string
	}{
		{name: "least loaded first, counting what this recovery placed",
			sel: []selected{inst("1"), inst("2"), inst("3")}, want: []string{"b", "b", "a"}},
		{name: "anti-affinity: never two members on one target",
			sel:    []selected{inst("1"), inst("2"), inst("3"), inst("4")},
			groups: []ServerGroup{{ID: "g", Name: "web", Policy: "anti-affinity", Members: []string{"1", "2", "3", "4"}}},
			want:   []string{"b", "a", "c", ""}, why: `anti-affinity server group "web" (g) already has a member there`},
		{name: "anti-affinity with max_server_per_host 2: spread first, then share",
			sel:    []selected{inst("1"), inst("2"), inst("3"), inst("4"), inst("5"), inst("6"), inst("7")},
			groups: []ServerGroup{{ID: "g", Policy: "anti-affinity", MaxPerHost: 2, Members: []string{"1", "2", "3", "4", "5", "6", "7"}}},
			want:   []string{"b", "a", "c", "b", "a", "c", ""}, why: "already has 2 members there (max_server_per_host 2)"},
		{name: "anti-affinity: a live member elsewhere counts",
			sel:         []selected{inst("1")},
			groups:      []ServerGroup{{ID: "g", Policy: "anti-affinity", Members: []string{"1", "x"}}},
			memberHosts: map[string]string{"1": "f", "x": "b"}, want: []string{"a"}},
		{name: "affinity: follow the live members",
			sel:         []selected{inst("1")},
			groups:      []ServerGroup{{ID: "g", Policy: "affinity", Members: []string{"1", "x"}}},
			memberHosts: map[string]string{"1": "f", "x": "c"}, want: []string{"c"}},
		{name: "affinity: members of the failed host stay together",
			sel:    []selected{inst("1"), inst("2"), inst("3")},
			groups: []ServerGroup{{ID: "g", Policy: "affinity", Members: []string{"1", "2", "3"}}},
			caps:   map[string]NodeCapacity{"b": full},
			want:   []string{"a", "a", "a"}},
		{name: "soft policies are not rules",
			sel:    []selected{inst("1"), inst("2")},
			groups: []ServerGroup{{ID: "g", Policy: "soft-anti-affinity", Members: []string{"1", "2"}}},
			want:   []string{"b", "b"}},
		{name: "availability zone",
			sel: []selected{func() selected { s := inst("1"); s.Zone = "az1"; return s }()}, want: []string{"a"}},
		{name: "availability zone without room elsewhere: no target, said why",
			sel:  []selected{func() selected { s := inst("1"); s.Zone = "az2"; return s }()},
			caps: map[string]NodeCapacity{"b": full}, want: []string{""},
			why: "b: no room in placement (VCPU 1 needed, 0 free of 0); c: in availability zone \"az1\", the instance is in \"az2\""},
		{name: "placement full target skipped",
			sel: []selected{inst("1")}, caps: map[string]NodeCapacity{"b": full}, want: []string{"a"}},
		{name: "volume-backed needs no local disk",
			sel:  []selected{func() selected { s := inst("1"); s.VolumeBacked = true; return s }(), inst("2")},
			caps: map[string]NodeCapacity{"a": noDisk, "b": noDisk, "c": noDisk}, want: []string{"a", ""},
			why: "no room in placement (DISK_GB 10 needed, 0 free of 100)"},
		{name: "flavor aggregate extra specs",
			sel:  []selected{func() selected { s := inst("1"); s.Specs = map[string]string{"ssd": "true"}; return s }()},
			aggs: []Aggregate{{ID: "1", Hosts: []string{"c", "f"}, Metadata: map[string]string{"ssd": "true"}}}, want: []string{"c"}},
		{name: "aggregate tenant isolation",
			sel:  []selected{inst("1")},
			aggs: []Aggregate{{ID: "1", Hosts: []string{"b"}, Metadata: map[string]string{"filter_tenant_id": "t9,t8"}}}, want: []string{"a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := placerFor(t, tc.sel, tc.aggs, tc.groups, tc.memberHosts, tc.caps)
			var got []string
			var last Flavor
			for _, s := range tc.sel {
				f := p.flavorOf(s)
				tg, ok := p.Pick(f, nil)
				if !ok {
					got = append(got, "")
					last = f
					continue
				}
				got = append(got, tg.Name)
			}
			require.Equal(t, tc.want, got)
			if tc.why != "" {
				require.Contains(t, p.noTarget(last), tc.why)
			}
		})
	}
}

// Release undoes a claim: capacity and the server group's count.
func TestPlacerReleaseUndoesGroupClaims(t *testing.T) {
	t.Parallel()
	sel := []selected{inst("1"), inst("2")}
	p := placerFor(t, sel, nil, []ServerGroup{{ID: "g", Policy: "anti-affinity", Members: []string{"1", "2"}}}, nil, nil)
	f1 := p.flavorOf(sel[0])
	tg, ok := p.Pick(f1, nil)
	require.True(t, ok)
	require.Equal(t, "b", tg.Name)
	p.Release(tg, f1) // the evacuation to b failed
	tg, ok = p.Pick(p.flavorOf(sel[1]), nil)
	require.True(t, ok)
	require.Equal(t, "b", tg.Name, "b is free of the group again")
}
