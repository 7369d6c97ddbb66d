package novasim

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Flavor is the size of a server.
type Flavor struct {
	// Name is the flavor's original_name; default "m1.small".
	Name string
	// VCPUs, RAMMB and DiskGB default to 1, 2048 and 20.
	VCPUs, RAMMB, DiskGB int
}

func (f Flavor) withDefaults() Flavor {
	if f.Name == "" {
		f.Name = "m1.small"
	}
	if f.VCPUs == 0 {
		f.VCPUs = 1
	}
	if f.RAMMB == 0 {
		f.RAMMB = 2048
	}
	if f.DiskGB == 0 {
		f.DiskGB = 20
	}
	return f
}

// HostSpec describes a compute host to add. Its nova-compute service starts
// up and enabled unless Disabled.
type HostSpec struct {
	// Name is the service host name (required, unique).
	Name string
	// VCPUs, MemoryMB and DiskGB are the hypervisor's capacity; defaults
	// 64, 262144 and 2000.
	VCPUs, MemoryMB, DiskGB int
	// Disabled starts the service disabled with DisabledReason.
	Disabled       bool
	DisabledReason string
	// Zone is the host's availability zone; default "nova".
	Zone string
	// Inventory tunes its Placement inventory (default: nothing reserved,
	// allocation ratios 1).
	Inventory Inventory
}

// Inventory is what Placement reserves of a host and the allocation
// ratios it applies: capacity = (total - reserved) * ratio. A zero ratio
// means 1.
type Inventory struct {
	ReservedVCPUs, ReservedMemoryMB, ReservedDiskGB             int
	CPUAllocationRatio, RAMAllocationRatio, DiskAllocationRatio float64
}

// ServerSpec describes a server to add.
type ServerSpec struct {
	// ID defaults to a random UUID.
	ID string
	// Name defaults to "server-<n>".
	Name string
	// TenantID defaults to the simulator's project ID.
	TenantID string
	// Host is the compute host the server runs on (required, must exist).
	Host string
	// VMState defaults to "active"; "stopped" and "error" are common too.
	VMState string
	// TaskState is usually empty.
	TaskState string
	// Locked marks the server locked, with LockedReason.
	Locked       bool
	LockedReason string
	// Metadata is copied.
	Metadata map[string]string
	// Flavor defaults as Flavor does.
	Flavor Flavor
}

// ServerState is a snapshot of a server.
type ServerState struct {
	ID, Name, TenantID, Host, Node, VMState, TaskState, Status string
	PowerState                                                 int
	Locked                                                     bool
	LockedReason                                               string
	Metadata                                                   map[string]string
	Flavor                                                     Flavor
}

// ServiceState is a snapshot of a host's nova-compute service.
type ServiceState struct {
	// ID is the service UUID (microversion >= 2.53).
	ID, Host, Status, State string
	ForcedDown              bool
	DisabledReason          string
	// Alive is whether nova-compute heartbeats (false after KillHost).
	Alive bool
}

// EvacuateCall is one evacuate request the simulator received.
type EvacuateCall struct {
	// ServerID is the server the call was for.
	ServerID string
	// SourceHost is the server's host at the time of the call.
	SourceHost string
	// RequestedHost is the body's "host" ("" = let the scheduler choose).
	RequestedHost string
	// TargetHost is where the server is being moved ("" when refused or
	// when no host was found).
	TargetHost string
	// At is when the call arrived.
	At time.Time
	// Code is the HTTP status returned: 200 for an accepted evacuation.
	Code int
	// Message is the error message of a refused call.
	Message string
	// Result is "" while in flight, then "done", "failed" (injected) or
	// "error" (no valid host); always "" for refused calls.
	Result string
	// DoneAt is when an accepted evacuation completed.
	DoneAt time.Time
}

// Request is a compute request, kept when Options.RecordRequests is set.
type Request struct {
	Method       string
	Path         string // relative to the compute root, e.g. "/servers/x/action"
	RawQuery     string
	Body         []byte
	Microversion string // "2.53"; "" when the client sent none
}

// Fault makes matching compute requests fail.
type Fault struct {
	// Method matches the HTTP method; "" matches any.
	Method string
	// Path is a prefix of the path relative to the compute root, say
	// "/servers/detail" or "/os-services"; "" matches any.
	Path string
	// Action matches the action name of POST .../action bodies
	// ("evacuate", "os-stop"); "" matches any.
	Action string
	// Status is the HTTP status to answer (required).
	Status int
	// Message is the error message; default "Injected fault.".
	Message string
	// Times is how many requests fail; 0 means every one until ClearFaults.
	Times int
}

// AddHost adds a compute host with its nova-compute service (up, enabled)
// and its hypervisor.
func (s *Sim) AddHost(spec HostSpec) error {
	if spec.Name == "" {
		return errors.New("add host: empty name")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.hosts[spec.Name]; ok {
		return fmt.Errorf("add host %s: already exists", spec.Name)
	}
	now := time.Now()
	s.nextSvcID++
	h := &host{
		service: service{
			id: s.nextSvcID, uuid: newUUID(), binary: "nova-compute", host: spec.Name, zone: cmp.Or(spec.Zone, "nova"),
			disabled: spec.Disabled, disabledReason: spec.DisabledReason, alive: true, updatedAt: now,
		},
		hypUUID: newUUID(),
		node:    spec.Name + s.opts.NodeSuffix,
		vcpus:   cmp.Or(spec.VCPUs, 64),
		ramMB:   cmp.Or(spec.MemoryMB, 262144),
		diskGB:  cmp.Or(spec.DiskGB, 2000),
		inv:     spec.Inventory,
	}
	s.hosts[h.host] = h
	s.hostsByUUID[h.uuid] = h
	s.hostOrder = append(s.hostOrder, h)
	return nil
}

// AddServer adds a server on an existing host and returns its ID.
func (s *Sim) AddServer(spec ServerSpec) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.hosts[spec.Host]
	if !ok {
		return "", fmt.Errorf("add server: unknown host %q", spec.Host)
	}
	id := spec.ID
	if id == "" {
		id = newUUID()
	}
	if _, dup := s.servers[id]; dup {
		return "", fmt.Errorf("add server %s: already exists", id)
	}
	now := time.Now()
	v := &server{
		seq:          len(s.serverSeq),
		id:           id,
		name:         spec.Name,
		tenant:       spec.TenantID,
		host:         h,
		vmState:      cmp.Or(spec.VMState, "active"),
		taskState:    spec.TaskState,
		locked:       spec.Locked,
		lockedReason: spec.LockedReason,
		metadata:     maps.Clone(spec.Metadata),
		flavor:       spec.Flavor.withDefaults(),
		created:      now,
		updated:      now,
	}
	if v.name == "" {
		v.name = fmt.Sprintf("server-%d", v.seq)
	}
	if v.tenant == "" {
		v.tenant = s.opts.ProjectID
	}
	v.user = "user-of-" + v.tenant
	if v.metadata == nil {
		v.metadata = map[string]string{}
	}
	v.powerState = powerRunning
	if v.vmState == "stopped" {
		v.powerState = powerShutdown
	}
	s.servers[id] = v
	s.serverSeq = append(s.serverSeq, v)
	h.addServer(v)
	return id, nil
}

// Populate adds hosts compute-0001 … compute-<hosts>, each with
// serversPerHost servers of the default flavor; a haShare fraction of the
// servers (spread evenly) carry metadata HA_Enabled=True. It is what the
// demo and the scale benchmark start from.
func (s *Sim) Populate(hosts, serversPerHost int, haShare float64) error {
	n := 0
	for i := 1; i <= hosts; i++ {
		name := fmt.Sprintf("compute-%04d", i)
		if err := s.AddHost(HostSpec{Name: name}); err != nil {
			return err
		}
		for range serversPerHost {
			md := map[string]string{}
			if int(float64(n+1)*haShare) > int(float64(n)*haShare) {
				md["HA_Enabled"] = "True"
			}
			if _, err := s.AddServer(ServerSpec{Host: name, Name: fmt.Sprintf("vm-%06d", n), Metadata: md}); err != nil {
				return err
			}
			n++
		}
	}
	return nil
}

// KillHost stops the host's nova-compute heartbeat, as if the host died.
// Its service still reports "up" for Options.ServiceDownTime, as in Nova.
func (s *Sim) KillHost(name string) error {
	return s.withHost(name, func(h *host) {
		if h.alive {
			h.alive = false
			h.diedAt = time.Now()
		}
	})
}

// MarkServiceDown kills the host's nova-compute and makes its service
// report "down" at once, as if service_down_time had already passed.
func (s *Sim) MarkServiceDown(name string) error {
	return s.withHost(name, func(h *host) {
		h.alive = false
		h.diedAt = time.Now().Add(-s.opts.ServiceDownTime)
	})
}

// ReviveHost restarts the host's nova-compute: the service heartbeats
// again, and, as nova-compute does on start, the evacuations that left the
// host are cleaned up (their migrations become "completed").
func (s *Sim) ReviveHost(name string) error {
	return s.withHost(name, func(h *host) {
		h.alive = true
		h.updatedAt = time.Now()
		for _, m := range s.migrations {
			if m.typ == "evacuation" && m.source == h.host && m.status == "done" {
				m.status = "completed"
				m.updated = time.Now()
			}
		}
	})
}

// SetServiceDisabled disables or enables the host's nova-compute service
// directly (as an operator would).
func (s *Sim) SetServiceDisabled(name string, disabled bool, reason string) error {
	return s.withHost(name, func(h *host) {
		h.disabled = disabled
		h.disabledReason = ""
		if disabled {
			h.disabledReason = reason
		}
		h.updatedAt = time.Now()
	})
}

func (s *Sim) withHost(name string, fn func(*host)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.hosts[name]
	if !ok {
		return fmt.Errorf("unknown host %q", name)
	}
	fn(h)
	return nil
}

// SetEvacuateDelay changes Options.EvacuateDelay for evacuations accepted
// from now on.
func (s *Sim) SetEvacuateDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.EvacuateDelay = d
}

// SetAPILatency changes Options.APILatency for requests from now on.
func (s *Sim) SetAPILatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.APILatency = d
}

// SetPowerDelay changes Options.PowerDelay for starts and stops accepted
// from now on.
func (s *Sim) SetPowerDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.PowerDelay = d
}

// FailEvacuation makes every later evacuation of the server end in
// vm_state error on its source host (fail=true), or succeed again.
func (s *Sim) FailEvacuation(serverID string, fail bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fail {
		s.failEvac[serverID] = true
	} else {
		delete(s.failEvac, serverID)
	}
}

// InjectFault adds a fault; the first matching fault answers a request.
func (s *Sim) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Message == "" {
		f.Message = "Injected fault."
	}
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every fault.
func (s *Sim) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// EvacuateCalls returns every evacuate call received, in arrival order.
func (s *Sim) EvacuateCalls() []EvacuateCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.evacCalls)
}

// EvacuateCount is how many evacuations of the server were accepted (200).
// "No instance evacuated twice" means this is never above one per failure.
func (s *Sim) EvacuateCount(serverID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, i := range s.evacByInst[serverID] {
		if s.evacCalls[i].Code == 200 {
			n++
		}
	}
	return n
}

// Server returns a snapshot of the server.
func (s *Sim) Server(id string) (ServerState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.servers[id]
	if !ok {
		return ServerState{}, false
	}
	return v.snapshot(), true
}

// ServersOnHost returns snapshots of the servers currently on the host.
func (s *Sim) ServersOnHost(name string) []ServerState {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.hosts[name]
	if !ok {
		return nil
	}
	out := make([]ServerState, 0, len(h.servers))
	for _, v := range h.servers {
		out = append(out, v.snapshot())
	}
	return out
}

func (v *server) snapshot() ServerState {
	return ServerState{
		ID: v.id, Name: v.name, TenantID: v.tenant, Host: v.host.host, Node: v.host.node,
		VMState: v.vmState, TaskState: v.taskState, Status: v.status(), PowerState: v.powerState,
		Locked: v.locked, LockedReason: v.lockedReason, Metadata: maps.Clone(v.metadata), Flavor: v.flavor,
	}
}

// Service returns a snapshot of the host's nova-compute service.
func (s *Sim) Service(name string) (ServiceState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.hosts[name]
	if !ok {
		return ServiceState{}, false
	}
	return ServiceState{
		ID: h.uuid, Host: h.host, Status: h.status(), State: h.state(time.Now(), s.opts.ServiceDownTime),
		ForcedDown: h.forcedDown, DisabledReason: h.disabledReason, Alive: h.alive,
	}, true
}

// AddAggregate adds a host aggregate and returns its ID.
func (s *Sim) AddAggregate(name string, hosts []string, metadata map[string]string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range hosts {
		if _, ok := s.hosts[h]; !ok {
			return 0, fmt.Errorf("add aggregate %s: unknown host %q", name, h)
		}
	}
	s.nextAggID++
	a := &aggregate{
		id: s.nextAggID, uuid: newUUID(), name: name, hosts: slices.Clone(hosts),
		metadata: maps.Clone(metadata), created: time.Now(),
	}
	if a.metadata == nil {
		a.metadata = map[string]string{}
	}
	if a.hosts == nil {
		a.hosts = []string{}
	}
	s.aggregates = append(s.aggregates, a)
	return a.id, nil
}

// AggregateHosts returns the hosts of the aggregate.
func (s *Sim) AggregateHosts(id int) ([]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.aggregates {
		if a.id == id {
			return slices.Clone(a.hosts), true
		}
	}
	return nil, false
}

// Requests returns the recorded compute requests (Options.RecordRequests).
func (s *Sim) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// TokensIssued is how many tokens POST /v3/auth/tokens has issued.
func (s *Sim) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokensIssed
}

// RevokeTokens invalidates every issued token: the next compute call with
// one gets 401, as after a Keystone token expiry.
func (s *Sim) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]token{}
}

// LockServer locks the server as its owner or another admin would, with
// reason as locked_reason ("" = none).
func (s *Sim) LockServer(id, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.servers[id]
	if !ok {
		return fmt.Errorf("lock server %s: no such server", id)
	}
	v.locked, v.lockedReason, v.updated = true, reason, time.Now()
	return nil
}

// SetInventory replaces the host's Placement inventory tuning, as
// PUT /resource_providers/{uuid}/inventories does.
func (s *Sim) SetInventory(name string, inv Inventory) error {
	return s.withHost(name, func(h *host) {
		h.inv = inv
		h.rpGeneration++
	})
}
