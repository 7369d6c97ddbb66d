package recovery

import (
	"context"

	"github.com/lazarus-ha/lazarus/openstack/nova"
)

// NovaFeatures is the behaviour of the compute microversion in use, as
// openstack/nova decides it; the flows read Microversion,
// EvacuateStopsInstance and LockReason.
type NovaFeatures = nova.Features

// Versioned is a Compute that reports the behaviour of its negotiated
// microversion. Without it the flows assume 2.53.
type Versioned interface {
	Features() NovaFeatures
}

// ForceDowner is a Compute that forces a service down and disables it
// (with reason) in one call. Without it forceDown makes the two calls.
type ForceDowner interface {
	ForceDownAndDisable(ctx context.Context, serviceID, reason string) error
}

// Locker is a Compute that can lock servers (with a reason where the
// microversion has one) and unlock them. Without it instances are
// evacuated unlocked.
type Locker interface {
	LockServer(ctx context.Context, id, reason string) error
	UnlockServer(ctx context.Context, id string) error
}

// Resource is one resource class of a compute node in Placement.
type Resource struct {
	// Capacity is (total - reserved) * allocation_ratio.
	Capacity int
	// Total, Reserved and AllocationRatio are the inventory, for reasons.
	Total, Reserved int
	AllocationRatio float64
	// MaxUnit bounds one instance's allocation (0 = no bound).
	MaxUnit int
	// Used is what is allocated now.
	Used int
}

// Free is what can still be allocated.
func (r Resource) Free() int { return r.Capacity - r.Used }

// Placement resource classes the flows check.
const (
	ClassVCPU   = "VCPU"
	ClassMemory = "MEMORY_MB"
	ClassDisk   = "DISK_GB"
)

// NodeCapacity is a compute node's Placement inventory and usage by class.
type NodeCapacity map[string]Resource

// PlacementReader is a Compute that reads capacity from Placement, by
// compute node (resource provider) UUID. Without it, or when it fails,
// capacity comes from the hypervisors (before microversion 2.88) or is
// unknown (Nova's scheduler still checks it).
type PlacementReader interface {
	Capacities(ctx context.Context, nodeIDs []string) (map[string]NodeCapacity, error)
}

// ServerGroup is a server group and its policy (affinity, anti-affinity,
// soft-affinity, soft-anti-affinity).
type ServerGroup struct {
	ID, Name, Policy string
	Members          []string
	// MaxPerHost is the anti-affinity rule max_server_per_host (0 = 1).
	MaxPerHost int
}

// GroupReader is a Compute that lists server groups (all projects).
// Without it server groups are not considered.
type GroupReader interface {
	ServerGroups(ctx context.Context) ([]ServerGroup, error)
}

// features returns the Compute's microversion behaviour (2.53's without
// Versioned).
func (fl *Flows) features() NovaFeatures {
	if v, ok := fl.compute.(Versioned); ok {
		return v.Features()
	}
	return NovaFeatures{Microversion: "2.53"}
}
