package novasim

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Options' zero values.
const (
	// DefaultUsername is the Keystone user the simulator accepts.
	DefaultUsername = "admin"
	// DefaultPassword is that user's password.
	DefaultPassword = "secret"
	// DefaultProjectName is the project that user is scoped to.
	DefaultProjectName = "admin"
	// DefaultDomainName is the user's and the project's domain.
	DefaultDomainName = "Default"
	// DefaultRegion is the region of every catalog endpoint.
	DefaultRegion = "RegionOne"
	// DefaultTokenTTL is how long an issued token is valid (Keystone's default).
	DefaultTokenTTL = time.Hour
	// DefaultMaxLimit is Nova's [api] max_limit: the largest page.
	DefaultMaxLimit = 1000
	// DefaultServiceDownTime is Nova's service_down_time: how long after
	// nova-compute's last heartbeat its service still reports "up".
	DefaultServiceDownTime = 60 * time.Second
	// DefaultMaxMicroversion is the newest compute microversion the
	// simulator announces by default (Nova 2023.1's maximum).
	DefaultMaxMicroversion = 95
)

// Options configure a Sim. Zero values take the defaults above; the delays
// default to zero, meaning "completes right after the call, asynchronously".
type Options struct {
	// Username and Password are the only Keystone credentials accepted.
	Username, Password string
	// ProjectName is the project tokens are scoped to; ProjectID its ID.
	ProjectName, ProjectID string
	// DomainName is the user's and project's domain name.
	DomainName string
	// Region is the region of the catalog's endpoints.
	Region string
	// TokenTTL is the lifetime of an issued token.
	TokenTTL time.Duration
	// MaxLimit is the largest page of a list call (Nova's [api] max_limit).
	MaxLimit int
	// ServiceDownTime is Nova's service_down_time (see KillHost).
	ServiceDownTime time.Duration
	// EvacuateDelay is how long an accepted evacuation stays in task_state
	// rebuilding before the server is ACTIVE on its target.
	EvacuateDelay time.Duration
	// PowerDelay is how long os-start and os-stop take.
	PowerDelay time.Duration
	// APILatency delays every compute answer by this long (a loaded Nova
	// API; a real one took ~80 ms per evacuate call on the test cloud).
	APILatency time.Duration
	// RefuseInvalidTargets makes an evacuation to a requested host that is
	// down, disabled or full fail at once with 400. By default it is
	// accepted and then ends in ERROR with migration status "error", as
	// Nova's scheduler answers NoValidHost after the API call returned.
	RefuseInvalidTargets bool
	// NodeSuffix, when set, makes each hypervisor_hostname "<host><suffix>"
	// (say ".example.org"), as on clouds whose node names are FQDNs.
	NodeSuffix string
	// MaxMicroversion is the newest compute microversion (the minor of
	// 2.x) announced and accepted; DefaultMaxMicroversion when zero. Set it
	// lower to play an older Nova.
	MaxMicroversion int
	// MinMicroversion is the oldest one (default 1): set it higher to play
	// a Nova that dropped old microversions.
	MinMicroversion int
	// RecordRequests keeps every compute request for Requests (tests that
	// assert exact request bodies). Off by default to save memory at scale.
	RecordRequests bool
}

// Sim is the simulator. Its methods are safe for concurrent use; serve it
// as an http.Handler and call Close when done.
type Sim struct {
	opts Options
	mux  *http.ServeMux

	requestCount atomic.Int64

	mu          sync.Mutex
	closed      bool
	hosts       map[string]*host
	hostOrder   []*host
	hostsByUUID map[string]*host
	control     []*service // non-compute services (conductor, scheduler)
	servers     map[string]*server
	serverSeq   []*server // every server in creation order; index = seq
	migrations  []*migration
	migByInst   map[string][]*migration
	aggregates  []*aggregate
	groups      []*serverGroup
	tokens      map[string]token
	tokensIssed int
	evacCalls   []EvacuateCall
	evacByInst  map[string][]int // server ID -> indexes into evacCalls
	failEvac    map[string]bool
	faults      []*Fault
	requests    []Request
	timers      map[*time.Timer]func()
	inflight    int
	idle        chan struct{} // closed when inflight drops to zero
	nextSvcID   int
	nextMigID   int
	nextAggID   int
}

// New returns a simulator with no hosts, a nova-conductor and a
// nova-scheduler service on host "controller", and opts' defaults filled.
func New(opts Options) *Sim {
	if opts.Username == "" {
		opts.Username = DefaultUsername
	}
	if opts.Password == "" {
		opts.Password = DefaultPassword
	}
	if opts.ProjectName == "" {
		opts.ProjectName = DefaultProjectName
	}
	if opts.ProjectID == "" {
		opts.ProjectID = "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5"
	}
	if opts.DomainName == "" {
		opts.DomainName = DefaultDomainName
	}
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = DefaultTokenTTL
	}
	if opts.MaxLimit <= 0 {
		opts.MaxLimit = DefaultMaxLimit
	}
	if opts.MaxMicroversion <= 0 {
		opts.MaxMicroversion = DefaultMaxMicroversion
	}
	if opts.MinMicroversion <= 0 {
		opts.MinMicroversion = 1
	}
	if opts.ServiceDownTime <= 0 {
		opts.ServiceDownTime = DefaultServiceDownTime
	}
	s := &Sim{
		opts:        opts,
		hosts:       map[string]*host{},
		hostsByUUID: map[string]*host{},
		servers:     map[string]*server{},
		migByInst:   map[string][]*migration{},
		tokens:      map[string]token{},
		evacByInst:  map[string][]int{},
		failEvac:    map[string]bool{},
		timers:      map[*time.Timer]func(){},
	}
	now := time.Now()
	for _, bin := range []string{"nova-conductor", "nova-scheduler"} {
		s.nextSvcID++
		s.control = append(s.control, &service{
			id: s.nextSvcID, uuid: newUUID(), binary: bin, host: "controller",
			zone: "internal", alive: true, updatedAt: now,
		})
	}
	s.routes()
	return s
}

// ServeHTTP serves the Keystone and Nova APIs.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requestCount.Add(1)
	s.mux.ServeHTTP(w, r)
}

// RequestCount is how many HTTP requests the simulator has served.
func (s *Sim) RequestCount() int64 { return s.requestCount.Load() }

// Close stops every pending evacuation, start and stop: they never
// complete. It does not close any HTTP server serving the simulator.
func (s *Sim) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for t := range s.timers {
		t.Stop()
	}
	s.timers = map[*time.Timer]func(){}
	s.inflight = 0
	if s.idle != nil {
		close(s.idle)
		s.idle = nil
	}
}

// WaitIdle returns once no evacuation, start or stop is in flight, or with
// ctx's error.
func (s *Sim) WaitIdle(ctx context.Context) error {
	s.mu.Lock()
	ch := s.idle
	s.mu.Unlock()
	if ch == nil {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for the simulator to be idle: %w", context.Cause(ctx))
	}
}

// after runs fn under s.mu once d has passed, counting it as in flight
// until then. Callers hold s.mu.
func (s *Sim) after(d time.Duration, fn func()) {
	if s.closed {
		return
	}
	if s.inflight == 0 {
		s.idle = make(chan struct{})
	}
	s.inflight++
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.fire(t)
	})
	s.timers[t] = fn
}

// fire runs a pending completion once. Callers hold s.mu.
func (s *Sim) fire(t *time.Timer) {
	fn, ok := s.timers[t]
	if !ok {
		return // Close dropped it, or it already ran
	}
	delete(s.timers, t)
	fn()
	s.inflight--
	if s.inflight == 0 && s.idle != nil {
		close(s.idle)
		s.idle = nil
	}
}

// FinishPending completes every evacuation, start and stop in flight now,
// whatever their delays: tests hold evacuations with a long delay, look at
// the in-flight state, then let them finish.
func (s *Sim) FinishPending() {
	s.mu.Lock()
	defer s.mu.Unlock()
	// A completion may schedule the next phase; run until none is left.
	for len(s.timers) > 0 {
		s.stepLocked()
	}
}

// StepPending runs the next phase of every evacuation, start and stop in
// flight now, whatever their delays: an evacuation moves to its target
// (task_state rebuild_spawning) on the first step and finishes on the
// second. Tests use it with long delays to look at each phase.
func (s *Sim) StepPending() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stepLocked()
}

func (s *Sim) stepLocked() {
	pending := make([]*time.Timer, 0, len(s.timers))
	for t := range s.timers {
		pending = append(pending, t)
	}
	for _, t := range pending {
		t.Stop()
		s.fire(t)
	}
}
