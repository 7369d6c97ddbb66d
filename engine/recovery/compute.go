package recovery

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is what a Compute returns (wrapped) for a server or service
// Nova does not know.
var ErrNotFound = errors.New("not found in nova")

// ErrConflict is what a Compute returns (wrapped) when Nova answers 409
// (a server busy with another task, an already stopped server).
var ErrConflict = errors.New("conflict in nova")

// Service is a nova-compute service as the flows need it.
type Service struct {
	ID             string
	Host           string
	Status         string // enabled | disabled
	State          string // up | down
	ForcedDown     bool
	DisabledReason string
	UpdatedAt      time.Time
	// Zone is the host's availability zone ("" = unknown).
	Zone string
}

// Up reports whether Nova considers the service alive (heartbeat within
// its service_down_time and not forced down).
func (s Service) Up() bool { return s.State == "up" && !s.ForcedDown }

// Flavor is a server's size.
type Flavor struct {
	VCPUs  int
	RAMMB  int
	DiskGB int
	// ExtraSpecs are the flavor's extra specs, when Nova embeds them.
	ExtraSpecs map[string]string
	// req, set by Placer.flavorOf, carries the instance's constraints.
	req *placeRequest
}

// Server is a Nova server as the flows need it.
type Server struct {
	ID         string
	Name       string
	Host       string
	Status     string
	VMState    string // active, stopped, error, paused, rescued, resized...
	TaskState  string // "" when idle
	PowerState int
	Metadata   map[string]string
	Flavor     Flavor
	// TenantID is the server's project.
	TenantID string
	// Locked and LockedReason are the server's lock (the reason from
	// microversion 2.73).
	Locked       bool
	LockedReason string
	// AvailabilityZone is the zone of its current host; PinnedAZ the zone
	// it was booted into (microversion 2.96; "" = not pinned or unknown).
	AvailabilityZone, PinnedAZ string
	// VolumeBacked is a server booted from a volume: no local root disk.
	VolumeBacked bool
}

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

// PowerState is a host's power as its fence devices read it.
type PowerState int

// Power states.
const (
	PowerUnknown PowerState = iota
	PowerOn
	PowerOff
)

// String returns "unknown", "on" or "off".
func (p PowerState) String() string {
	switch p {
	case PowerOn:
		return "on"
	case PowerOff:
		return "off"
	}
	return "unknown"
}

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
