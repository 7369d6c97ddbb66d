package recovery

import (
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
	// Capacity is known when the hypervisor reported totals.
	Capacity bool
	free     Flavor
	total    Flavor
}

// load is the target's most used resource share, after placements so far.
func (t *Target) load() float64 {
	if !t.Capacity {
		return 0.5
	}
	share := func(free, total int) float64 {
		if total <= 0 {
			return 0
		}
		return 1 - float64(free)/float64(total)
	}
	return max(share(t.free.VCPUs, t.total.VCPUs), share(t.free.RAMMB, t.total.RAMMB), share(t.free.DiskGB, t.total.DiskGB))
}

func (t *Target) fits(f Flavor) bool {
	return !t.Capacity || (f.VCPUs <= t.free.VCPUs && f.RAMMB <= t.free.RAMMB && f.DiskGB <= t.free.DiskGB)
}

// Placer chooses targets for one failed host's instances. Candidates are
// the segment's hosts that are not the failed host, not on maintenance,
// whose nova-compute is up (and, for non-reserved hosts, enabled), with
// room for the flavor; the least loaded first, counting what this recovery
// already placed, so one host's instances spread instead of piling up.
// Pools follow the recovery method: auto uses non-reserved hosts,
// reserved_host the reserved ones, auto_priority both (non-reserved first),
// rh_priority both (reserved first). It is safe for concurrent use.
type Placer struct {
	mu    sync.Mutex
	pools [][]*Target
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
		t := &Target{Name: h.Name, HostUUID: h.UUID, Reserved: h.Reserved, Service: svc}
		if hv, ok := hyps[h.Name]; ok && hv.MemoryMB > 0 {
			t.Capacity = true
			t.total = Flavor{VCPUs: scale(hv.VCPUs, ratios.CPU), RAMMB: scale(hv.MemoryMB, ratios.RAM), DiskGB: scale(hv.LocalGB, ratios.Disk)}
			t.free = Flavor{VCPUs: t.total.VCPUs - hv.VCPUsUsed, RAMMB: t.total.RAMMB - hv.MemoryMBUsed, DiskGB: t.total.DiskGB - hv.LocalGBUsed}
		}
		if h.Reserved {
			reserved = append(reserved, t)
		} else {
			normal = append(normal, t)
		}
	}
	p := &Placer{}
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

// Pick claims room for f on the least loaded fitting target not in
// exclude, trying the pools in order. ok is false when none fits.
func (p *Placer) Pick(f Flavor, exclude map[string]bool) (*Target, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pool := range p.pools {
		var best *Target
		for _, t := range pool {
			if exclude[t.Name] || !t.fits(f) {
				continue
			}
			if best == nil || t.load() < best.load() {
				best = t
			}
		}
		if best != nil {
			best.free.VCPUs -= f.VCPUs
			best.free.RAMMB -= f.RAMMB
			best.free.DiskGB -= f.DiskGB
			return best, true
		}
	}
	return nil, false
}

// Release gives back room claimed by Pick when the evacuation to t failed.
func (p *Placer) Release(t *Target, f Flavor) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t.free.VCPUs += f.VCPUs
	t.free.RAMMB += f.RAMMB
	t.free.DiskGB += f.DiskGB
}
