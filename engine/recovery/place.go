package recovery

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/lazarus-ha/lazarus/store"
)

// Recovery methods, as Masakari names them.
const (
	MethodAuto         = "auto"
	MethodReservedHost = "reserved_host"
	MethodAutoPriority = "auto_priority"
	MethodRHPriority   = "rh_priority"
)

// Target is a host instances may be evacuated to.
type Target struct {
	Name     string
	HostUUID string
	Reserved bool
	Service  Service
	// Capacity is known when Placement (or, before microversion 2.88, the
	// hypervisor) reported totals.
	Capacity bool
	// Source says where the capacity came from: "placement" or "hypervisor".
	Source string
	free   Flavor
	total  Flavor
	// maxUnit bounds one instance per class (Placement max_unit; 0 = none).
	maxUnit Flavor
	// zone is the host's availability zone ("" = unknown).
	zone string
	// aggSpecs are the metadata of the aggregates it is in, key -> values.
	aggSpecs map[string]map[string]bool
	// tenants, when not nil, are the only projects its aggregates admit
	// (filter_tenant_id, AggregateMultiTenancyIsolation).
	tenants map[string]bool
}

// load is the target's most used resource share, after placements so far.
func (t *Target) load() float64 {
	if !t.Capacity {
		return 0.5
	}
	share := func(free, total int) float64 {
		if total <= 0 {
			return 1
		}
		return 1 - float64(free)/float64(total)
	}
	return max(share(t.free.VCPUs, t.total.VCPUs), share(t.free.RAMMB, t.total.RAMMB), share(t.free.DiskGB, t.total.DiskGB))
}

// need is what an instance of flavor f takes in Placement: no DISK_GB for
// an instance booted from a volume.
func need(f Flavor) Flavor {
	n := Flavor{VCPUs: f.VCPUs, RAMMB: f.RAMMB, DiskGB: f.DiskGB}
	if f.req != nil && f.req.volumeBacked {
		n.DiskGB = 0
	}
	return n
}

// roomFor returns "" when f fits in what is free, else why not.
func (t *Target) roomFor(f Flavor) string {
	if !t.Capacity {
		return ""
	}
	n := need(f)
	var short []string
	check := func(class string, want, free, total, maxUnit int) {
		switch {
		case want > free:
			short = append(short, fmt.Sprintf("%s %d needed, %d free of %d", class, want, max(free, 0), total))
		case maxUnit > 0 && want > maxUnit:
			short = append(short, fmt.Sprintf("%s %d needed, max_unit %d", class, want, maxUnit))
		}
	}
	check(ClassVCPU, n.VCPUs, t.free.VCPUs, t.total.VCPUs, t.maxUnit.VCPUs)
	check(ClassMemory, n.RAMMB, t.free.RAMMB, t.total.RAMMB, t.maxUnit.RAMMB)
	check(ClassDisk, n.DiskGB, t.free.DiskGB, t.total.DiskGB, t.maxUnit.DiskGB)
	if len(short) == 0 {
		return ""
	}
	return "no room in " + t.Source + " (" + strings.Join(short, ", ") + ")"
}

// Placer chooses targets for one failed host's instances. Candidates are
// the segment's hosts that are not the failed host, not on maintenance,
// whose nova-compute is up (and, for non-reserved hosts, enabled), with
// room for the flavor and meeting the instance's constraints (zone,
// server groups, aggregates: constraints.go); the least loaded first,
// counting what this recovery already placed, so one host's instances
// spread instead of piling up. Pools follow the recovery method: auto uses
// non-reserved hosts, reserved_host the reserved ones, auto_priority both
// (non-reserved first), rh_priority both (reserved first). It is safe for
// concurrent use.
type Placer struct {
	mu    sync.Mutex
	pools [][]*Target
	// reqs are the instances' constraints by instance ID (flavorOf).
	reqs map[string]*placeRequest
	// why holds, per instance, the reasons of its last Pick without a target.
	why map[string][]string
}

// Ratios are the overcommit ratios applied to a hypervisor's totals (0
// means 1).
type Ratios struct{ CPU, RAM, Disk float64 }

func scale(total int, ratio float64) int {
	if ratio <= 0 {
		return total
	}
	return int(float64(total) * ratio)
}

// NewPlacer builds the candidate pools. services and hypervisors are keyed
// by host name.
func NewPlacer(method string, hosts []store.RecoveryHost, failed string, services map[string]Service, hyps map[string]Hypervisor, ratios Ratios) *Placer {
	var normal, reserved []*Target
	for _, h := range hosts {
		if h.Name == failed || h.OnMaintenance {
			continue
		}
		svc, ok := services[h.Name]
		if !ok || !svc.Up() {
			continue
		}
		if !h.Reserved && svc.Status != "enabled" {
			continue
		}
		t := &Target{Name: h.Name, HostUUID: h.UUID, Reserved: h.Reserved, Service: svc, zone: svc.Zone}
		if hv, ok := hyps[h.Name]; ok && hv.MemoryMB > 0 {
			t.Capacity, t.Source = true, "hypervisor"
			t.total = Flavor{VCPUs: scale(hv.VCPUs, ratios.CPU), RAMMB: scale(hv.MemoryMB, ratios.RAM), DiskGB: scale(hv.LocalGB, ratios.Disk)}
			t.free = Flavor{VCPUs: t.total.VCPUs - hv.VCPUsUsed, RAMMB: t.total.RAMMB - hv.MemoryMBUsed, DiskGB: t.total.DiskGB - hv.LocalGBUsed}
		}
		if h.Reserved {
			reserved = append(reserved, t)
		} else {
			normal = append(normal, t)
		}
	}
	p := &Placer{reqs: map[string]*placeRequest{}, why: map[string][]string{}}
	switch method {
	case MethodReservedHost:
		p.pools = [][]*Target{reserved}
	case MethodAutoPriority:
		p.pools = [][]*Target{normal, reserved}
	case MethodRHPriority:
		p.pools = [][]*Target{reserved, normal}
	default:
		p.pools = [][]*Target{normal}
	}
	return p
}

// Candidates counts the targets in all pools.
func (p *Placer) Candidates() int {
	n := 0
	for _, pool := range p.pools {
		n += len(pool)
	}
	return n
}

// targets returns every candidate, each once, by name.
func (p *Placer) targets() []*Target {
	var out []*Target
	seen := map[string]bool{}
	for _, pool := range p.pools {
		for _, t := range pool {
			if !seen[t.Name] {
				seen[t.Name] = true
				out = append(out, t)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Pick claims room for f on the least loaded fitting target not in
// exclude, trying the pools in order. ok is false when none fits; for an
// instance's flavor (flavorOf) noTarget then says why, per candidate.
func (p *Placer) Pick(f Flavor, exclude map[string]bool) (*Target, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var reasons []string
	for _, pool := range p.pools {
		var best *Target
		for _, t := range pool {
			if exclude[t.Name] {
				reasons = append(reasons, t.Name+": already tried")
				continue
			}
			if why := t.roomFor(f); why != "" {
				reasons = append(reasons, t.Name+": "+why)
				continue
			}
			if why := f.req.reject(t); why != "" {
				reasons = append(reasons, t.Name+": "+why)
				continue
			}
			if best == nil || f.req.crowding(t) < f.req.crowding(best) ||
				(f.req.crowding(t) == f.req.crowding(best) && t.load() < best.load()) {
				best = t
			}
		}
		if best != nil {
			n := need(f)
			best.free.VCPUs -= n.VCPUs
			best.free.RAMMB -= n.RAMMB
			best.free.DiskGB -= n.DiskGB
			f.req.claim(best, 1)
			if f.req != nil {
				delete(p.why, f.req.id)
			}
			return best, true
		}
	}
	if f.req != nil {
		p.why[f.req.id] = reasons
	}
	return nil, false
}

// Release gives back room claimed by Pick when the evacuation to t failed.
func (p *Placer) Release(t *Target, f Flavor) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := need(f)
	t.free.VCPUs += n.VCPUs
	t.free.RAMMB += n.RAMMB
	t.free.DiskGB += n.DiskGB
	f.req.claim(t, -1)
}

// noTarget is the failure reason of an instance Pick found no target for.
func (p *Placer) noTarget(f Flavor) string {
	const base = "no valid target host (same segment, up, enabled, not on maintenance, with room"
	p.mu.Lock()
	defer p.mu.Unlock()
	if f.req == nil {
		return base + ")"
	}
	reasons := p.why[f.req.id]
	if len(reasons) == 0 {
		if p.Candidates() == 0 {
			return base + "): no candidate host in the segment"
		}
		return base + ")"
	}
	return base + ", meeting its constraints): " + strings.Join(reasons, "; ")
}
