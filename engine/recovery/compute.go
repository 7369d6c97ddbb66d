package recovery

import (
	"context"
	"errors"
	"time"

	"github.com/lazarus-ha/lazarus/fencing"
	"github.com/lazarus-ha/lazarus/openstack/nova"
)

// ErrNotFound is what a Compute returns (wrapped) for a server or service
// Nova does not know: openstack/nova's own.
var ErrNotFound = nova.ErrNotFound

// ErrConflict is what a Compute returns (wrapped) when Nova answers 409
// (a server busy with another task, an already stopped server).
var ErrConflict = errors.New("conflict in nova")

// Service is a nova-compute service, as openstack/nova reads it; Up says
// whether Nova considers it alive.
type Service = nova.Service

// Flavor is what an instance needs of a target (its size and extra specs),
// and, once Placer.flavorOf made it, its placement constraints.
type Flavor struct {
	VCPUs  int
	RAMMB  int
	DiskGB int
	// ExtraSpecs are the flavor's extra specs, when Nova embeds them.
	ExtraSpecs map[string]string
	// req, set by Placer.flavorOf, carries the instance's constraints.
	req *placeRequest
}

// Server is a Nova server, as openstack/nova reads it (all tenants, the
// host, task state, lock, zones, flavor).
type Server = nova.Server

// Migration is one of a server's migrations (evacuations included).
type Migration struct {
	ID            string
	Type          string // evacuation, migration, live-migration, resize
	Status        string // accepted, pre-migrating, running, done, failed, error...
	SourceCompute string
	DestCompute   string
	CreatedAt     time.Time
}

// InFlight reports whether the migration is still going on.
func (m Migration) InFlight() bool {
	switch m.Status {
	case "done", "completed", "failed", "error", "cancelled", "confirmed", "reverted":
		return false
	}
	return true
}

// Hypervisor is a compute node's capacity. From microversion 2.88 Nova
// reports only its identity (the counts are zero); capacity then comes
// from Placement.
type Hypervisor struct {
	// ID is the compute node's UUID, also its Placement resource provider's.
	ID           string
	Host         string
	VCPUs        int
	VCPUsUsed    int
	MemoryMB     int
	MemoryMBUsed int
	LocalGB      int
	LocalGBUsed  int
}

// Aggregate is a host aggregate.
type Aggregate struct {
	ID       string
	Name     string
	Hosts    []string
	Metadata map[string]string
}

// Compute is the subset of Nova the flows use. openstack/nova's client
// satisfies it through a thin adapter in cmd/lazarus-engine.
type Compute interface {
	ComputeService(ctx context.Context, host string) (Service, error)
	ComputeServices(ctx context.Context) ([]Service, error)
	SetForcedDown(ctx context.Context, serviceID string, down bool) error
	DisableService(ctx context.Context, serviceID, reason string) error
	EnableService(ctx context.Context, serviceID string) error
	// ServersOnHost lists every server on host, all tenants, all pages.
	ServersOnHost(ctx context.Context, host string) ([]Server, error)
	Server(ctx context.Context, id string) (Server, error)
	// Evacuate rebuilds a server away from its (dead) host; targetHost ""
	// lets Nova's scheduler choose.
	Evacuate(ctx context.Context, id, targetHost string) error
	StartServer(ctx context.Context, id string) error
	StopServer(ctx context.Context, id string) error
	ResetState(ctx context.Context, id, state string) error
	Migrations(ctx context.Context, serverID string) ([]Migration, error)
	Hypervisors(ctx context.Context) ([]Hypervisor, error)
	Aggregates(ctx context.Context) ([]Aggregate, error)
	AddHostToAggregate(ctx context.Context, aggregateID, host string) error
}

// PowerState is a host's power as its fence devices read it: the fencing
// contract's.
type PowerState = fencing.PowerState

// Power states.
const (
	PowerUnknown = fencing.PowerUnknown
	PowerOn      = fencing.PowerOn
	PowerOff     = fencing.PowerOff
)

// FenceResult is the outcome of fencing a host.
type FenceResult struct {
	// Verified is true only when power off was read back (or a fence agent
	// succeeded at a lower level).
	Verified bool
	Level    int
	// Manual is set when fencing stopped at a manual level.
	Manual bool
	// Evidence is what to journal (readings), JSON-encodable.
	Evidence any
}

// Fencer powers hosts off and reads their power. cmd/lazarus-engine adapts
// fencewire.HostFencer to it.
type Fencer interface {
	Fence(ctx context.Context, host string) (FenceResult, error)
	PowerStatus(ctx context.Context, host string) (PowerState, error)
}

// FenceConfirmer tells whether an operator confirmed a host off (POST
// .../fence_confirm) since a time. The store satisfies it once the fencing
// API lands; without one, only a verified fence proves death.
type FenceConfirmer interface {
	FenceConfirmedSince(ctx context.Context, hostUUID string, since time.Time) (bool, error)
}
