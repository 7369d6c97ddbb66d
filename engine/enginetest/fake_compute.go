package enginetest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/lazarus-ha/lazarus/engine/recovery"
	"github.com/lazarus-ha/lazarus/openstack/nova"
)

// FakeCompute is an in-memory Nova with Nova's evacuation rules: a source
// host whose service is up refuses evacuation; a busy server answers
// conflict; an accepted evacuation sets task_state rebuilding and moves the
// server after EvacuateDelay (0 = at once). It records every call.
type FakeCompute struct {
	mu        sync.Mutex
	services  map[string]*recovery.Service
	hyps      map[string]*recovery.Hypervisor
	servers   map[string]*recovery.Server
	migs      map[string][]recovery.Migration
	aggs      []recovery.Aggregate
	evacuates map[string][]string // server -> targets
	calls     []string
	failEvac  map[string]bool
	failOnce  map[string]bool
	killed    map[string]bool
	// EvacuateDelay is how long an accepted evacuation takes.
	EvacuateDelay time.Duration
	// OnEvacuate, if set, is called (without the lock) after an evacuate
	// call is accepted.
	OnEvacuate func(id, target string)

	// In flight: accepted evacuations not yet finished, per target and in
	// all, with the most ever seen at once.
	inflight, maxInflight map[string]int
	inflightAll, maxAll   int
	hold                  chan struct{}

	// gets and sinceLists count Server and ServersOnHostSince calls.
	gets, sinceLists int
}

// Reads returns how many times a single server was read (Server) and a
// host's changed servers were listed (ServersOnHostSince).
func (f *FakeCompute) Reads() (gets, sinceLists int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets, f.sinceLists
}

// HoldEvacuations keeps every accepted evacuation in flight (task_state
// rebuilding) until ReleaseEvacuations.
func (f *FakeCompute) HoldEvacuations() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hold == nil {
		f.hold = make(chan struct{})
	}
}

// ReleaseEvacuations lets the held evacuations, and later ones, finish.
func (f *FakeCompute) ReleaseEvacuations() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hold != nil {
		close(f.hold)
		f.hold = nil
	}
}

// InFlight returns the evacuations accepted and not yet finished, in all.
func (f *FakeCompute) InFlight() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.inflightAll
}

// MaxInFlight returns the most evacuations ever in flight at once, in all
// and per target host.
func (f *FakeCompute) MaxInFlight() (int, map[string]int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxAll, maps.Clone(f.maxInflight)
}

// NewFakeCompute returns an empty fake.
func NewFakeCompute() *FakeCompute {
	return &FakeCompute{services: map[string]*recovery.Service{}, hyps: map[string]*recovery.Hypervisor{},
		servers: map[string]*recovery.Server{}, migs: map[string][]recovery.Migration{},
		evacuates: map[string][]string{}, failEvac: map[string]bool{}}
}

// AddHost adds an up, enabled compute host with capacity.
func (f *FakeCompute) AddHost(name string, vcpus, ramMB, diskGB int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.services[name] = &recovery.Service{ID: uuid.NewString(), Host: name, Status: "enabled", State: "up", UpdatedAt: time.Now()}
	f.hyps[name] = &recovery.Hypervisor{Host: name, VCPUs: vcpus, MemoryMB: ramMB, LocalGB: diskGB}
}

// AddServer adds a server on host and returns its id.
func (f *FakeCompute) AddServer(host, name, vmState string, md map[string]string, fl recovery.Flavor) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := uuid.NewString()
	f.servers[id] = &recovery.Server{ID: id, Name: name, Host: host, VMState: vmState, Metadata: md,
		Flavor: nova.Flavor{VCPUs: fl.VCPUs, RAMMB: fl.RAMMB, DiskGB: fl.DiskGB, ExtraSpecs: fl.ExtraSpecs}}
	if h := f.hyps[host]; h != nil {
		h.VCPUsUsed += fl.VCPUs
		h.MemoryMBUsed += fl.RAMMB
		h.LocalGBUsed += fl.DiskGB
	}
	return id
}

// KillHost makes the host's nova-compute report down.
func (f *FakeCompute) KillHost(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.services[name].State = "down"
	if f.killed == nil {
		f.killed = map[string]bool{}
	}
	f.killed[name] = true
}

// ReviveHost makes a killed host's nova-compute heartbeat again (its state
// is up unless forced down).
func (f *FakeCompute) ReviveHost(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.killed, name)
	if s := f.services[name]; !s.ForcedDown {
		s.State = "up"
	}
}

// SetServiceStatus sets a service's status (enabled/disabled).
func (f *FakeCompute) SetServiceStatus(name, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.services[name].Status = status
}

// FailEvacuation makes the server's evacuations end in ERROR on the
// source host.
func (f *FakeCompute) FailEvacuation(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failEvac[id] = true
}

// Service returns a copy of a host's service.
func (f *FakeCompute) Service(name string) recovery.Service {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *f.services[name]
}

// ServerState returns a copy of a server.
func (f *FakeCompute) ServerState(id string) recovery.Server {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *f.servers[id]
}

// Evacuations returns the targets each server was evacuated to, in order.
func (f *FakeCompute) Evacuations() map[string][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string][]string{}
	for k, v := range f.evacuates {
		out[k] = slices.Clone(v)
	}
	return out
}

// Calls returns every call as "Method arg...".
func (f *FakeCompute) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *FakeCompute) call(format string, args ...any) {
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

// ComputeService implements recovery.Compute.
func (f *FakeCompute) ComputeService(_ context.Context, host string) (recovery.Service, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.services[host]
	if !ok {
		return recovery.Service{}, fmt.Errorf("service of %s: %w", host, recovery.ErrNotFound)
	}
	return *s, nil
}

// ComputeServices implements recovery.Compute.
func (f *FakeCompute) ComputeServices(context.Context) ([]recovery.Service, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]recovery.Service, 0, len(f.services))
	for _, s := range f.services {
		out = append(out, *s)
	}
	return out, nil
}

func (f *FakeCompute) serviceByID(id string) (*recovery.Service, error) {
	for _, s := range f.services {
		if s.ID == id {
			return s, nil
		}
	}
	return nil, fmt.Errorf("service %s: %w", id, recovery.ErrNotFound)
}

// SetForcedDown implements recovery.Compute.
func (f *FakeCompute) SetForcedDown(_ context.Context, id string, down bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.serviceByID(id)
	if err != nil {
		return err
	}
	f.call("SetForcedDown %s %v", s.Host, down)
	s.ForcedDown = down
	switch {
	case down:
		s.State = "down"
	case !f.killed[s.Host]:
		s.State = "up"
	}
	return nil
}

// DisableService implements recovery.Compute.
func (f *FakeCompute) DisableService(_ context.Context, id, reason string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.serviceByID(id)
	if err != nil {
		return err
	}
	f.call("DisableService %s", s.Host)
	s.Status, s.DisabledReason = "disabled", reason
	return nil
}

// EnableService implements recovery.Compute.
func (f *FakeCompute) EnableService(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.serviceByID(id)
	if err != nil {
		return err
	}
	f.call("EnableService %s", s.Host)
	s.Status, s.DisabledReason = "enabled", ""
	return nil
}

// ServersOnHost implements recovery.Compute.
func (f *FakeCompute) ServersOnHost(_ context.Context, host string) ([]recovery.Server, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []recovery.Server
	for _, s := range f.servers {
		if s.Host == host {
			out = append(out, *s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// ServersOnHostSince implements recovery.ChangedServerLister. The fake
// keeps no change times: it lists every server on the host, which a
// caller filtering by id cannot tell from Nova's shorter list.
func (f *FakeCompute) ServersOnHostSince(ctx context.Context, host string, _ time.Time) ([]recovery.Server, error) {
	f.mu.Lock()
	f.sinceLists++
	f.mu.Unlock()
	return f.ServersOnHost(ctx, host)
}

// Server implements recovery.Compute.
func (f *FakeCompute) Server(_ context.Context, id string) (recovery.Server, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	s, ok := f.servers[id]
	if !ok {
		return recovery.Server{}, fmt.Errorf("server %s: %w", id, recovery.ErrNotFound)
	}
	return *s, nil
}

// Evacuate implements recovery.Compute.
func (f *FakeCompute) Evacuate(_ context.Context, id, target string) error {
	f.mu.Lock()
	s, ok := f.servers[id]
	if !ok {
		f.mu.Unlock()
		return fmt.Errorf("server %s: %w", id, recovery.ErrNotFound)
	}
	f.call("Evacuate %s %s", id, target)
	src := f.services[s.Host]
	if src != nil && src.State == "up" && !src.ForcedDown {
		f.mu.Unlock()
		return fmt.Errorf("compute service of %s is still in use", s.Host)
	}
	if s.TaskState != "" {
		f.mu.Unlock()
		return fmt.Errorf("server %s is %s: %w", id, s.TaskState, recovery.ErrConflict)
	}
	if t := f.services[target]; target != "" && (t == nil || t.State != "up" || t.Status != "enabled") {
		f.mu.Unlock()
		return fmt.Errorf("target %s is not available", target)
	}
	f.evacuates[id] = append(f.evacuates[id], target)
	s.TaskState = "rebuilding"
	mig := recovery.Migration{ID: uuid.NewString(), Type: "evacuation", Status: "accepted", SourceCompute: s.Host, DestCompute: target, CreatedAt: time.Now()}
	f.migs[id] = append(f.migs[id], mig)
	fail := f.failEvac[id] || f.failOnce[id]
	delete(f.failOnce, id)
	delay := f.EvacuateDelay
	hook := f.OnEvacuate
	hold := f.hold
	if f.inflight == nil {
		f.inflight, f.maxInflight = map[string]int{}, map[string]int{}
	}
	f.inflight[target]++
	f.maxInflight[target] = max(f.maxInflight[target], f.inflight[target])
	f.inflightAll++
	f.maxAll = max(f.maxAll, f.inflightAll)
	f.mu.Unlock()
	if hook != nil {
		hook(id, target)
	}
	done := func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.inflight[target]--
		f.inflightAll--
		s.TaskState = ""
		ms := f.migs[id]
		if fail {
			s.VMState = "error"
			ms[len(ms)-1].Status = "failed"
			return
		}
		s.Host = target
		if s.VMState == "error" {
			s.VMState = "active" // a rebuild of an ERROR instance comes up ACTIVE
		}
		ms[len(ms)-1].Status = "done"
	}
	switch {
	case hold != nil:
		go func() {
			<-hold
			if delay > 0 {
				time.Sleep(delay)
			}
			done()
		}()
	case delay <= 0:
		done()
	default:
		time.AfterFunc(delay, done)
	}
	return nil
}

// StartServer implements recovery.Compute.
func (f *FakeCompute) StartServer(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("StartServer %s", id)
	s, ok := f.servers[id]
	if !ok {
		return recovery.ErrNotFound
	}
	if s.VMState != "stopped" {
		return fmt.Errorf("start %s: %w", id, recovery.ErrConflict)
	}
	s.VMState = "active"
	return nil
}

// StopServer implements recovery.Compute.
func (f *FakeCompute) StopServer(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("StopServer %s", id)
	s, ok := f.servers[id]
	if !ok {
		return recovery.ErrNotFound
	}
	if s.VMState == "stopped" {
		return fmt.Errorf("stop %s: %w", id, recovery.ErrConflict)
	}
	s.VMState = "stopped"
	return nil
}

// ResetState implements recovery.Compute.
func (f *FakeCompute) ResetState(_ context.Context, id, state string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("ResetState %s %s", id, state)
	if s, ok := f.servers[id]; ok {
		s.VMState, s.TaskState = state, ""
		return nil
	}
	return recovery.ErrNotFound
}

// Migrations implements recovery.Compute.
func (f *FakeCompute) Migrations(_ context.Context, id string) ([]recovery.Migration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.migs[id]), nil
}

// Hypervisors implements recovery.Compute.
func (f *FakeCompute) Hypervisors(context.Context) ([]recovery.Hypervisor, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]recovery.Hypervisor, 0, len(f.hyps))
	for _, h := range f.hyps {
		out = append(out, *h)
	}
	return out, nil
}

// AddAggregate adds an aggregate.
func (f *FakeCompute) AddAggregate(name string, hosts ...string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := fmt.Sprint(len(f.aggs) + 1)
	f.aggs = append(f.aggs, recovery.Aggregate{ID: id, Name: name, Hosts: hosts})
	return id
}

// Aggregates implements recovery.Compute.
func (f *FakeCompute) Aggregates(context.Context) ([]recovery.Aggregate, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]recovery.Aggregate, len(f.aggs))
	for i, a := range f.aggs {
		a.Hosts = slices.Clone(a.Hosts)
		out[i] = a
	}
	return out, nil
}

// AddHostToAggregate implements recovery.Compute.
func (f *FakeCompute) AddHostToAggregate(_ context.Context, id, host string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("AddHostToAggregate %s %s", id, host)
	for i := range f.aggs {
		if f.aggs[i].ID == id {
			if slices.Contains(f.aggs[i].Hosts, host) {
				return recovery.ErrConflict
			}
			f.aggs[i].Hosts = append(f.aggs[i].Hosts, host)
			return nil
		}
	}
	return recovery.ErrNotFound
}

// Note appends an event of another fake (a fence) to the call log, so
// tests can check the order of fencing and Nova calls.
func (f *FakeCompute) Note(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, s)
}

// FailEvacuationOnce makes only the server's next evacuation fail.
func (f *FakeCompute) FailEvacuationOnce(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failOnce == nil {
		f.failOnce = map[string]bool{}
	}
	f.failOnce[id] = true
}
