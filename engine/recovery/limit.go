package recovery

import "sync"

// Defaults of the evacuation limits, when Config leaves them zero. The
// reasons are in the [host_failure] max_evacuations_per_target and
// [engine] max_evacuations_in_flight help texts (cmd/internal/config).
const (
	DefaultMaxEvacuationsPerTarget = 4
	DefaultMaxEvacuationsInFlight  = 64
)

// admission is the answer of evacLimiter.try.
type admission int

const (
	admitted   admission = iota
	targetFull           // the target has its share in flight: try another
	engineFull           // the engine has its share in flight: wait
)

// evacLimiter bounds the evacuations in flight in one engine, across all
// the recoveries it runs: at most perTarget on any one target host (what a
// nova-compute rebuilding instances can take) and total in all (what Nova's
// API, conductor and scheduler take from us). An evacuation is in flight
// from its target being chosen until it is confirmed, failed or given up.
// It is safe for concurrent use.
type evacLimiter struct {
	perTarget, total int

	mu       sync.Mutex
	inFlight int
	byTarget map[string]int
	freed    chan struct{} // closed and replaced whenever a slot frees
}

func newEvacLimiter(perTarget, total int) *evacLimiter {
	return &evacLimiter{perTarget: perTarget, total: total, byTarget: map[string]int{}, freed: make(chan struct{})}
}

// try takes a slot on target if both limits allow it.
func (l *evacLimiter) try(target string) admission {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inFlight >= l.total {
		return engineFull
	}
	if l.byTarget[target] >= l.perTarget {
		return targetFull
	}
	l.inFlight++
	l.byTarget[target]++
	return admitted
}

// release gives back a slot taken on target and wakes the waiters.
func (l *evacLimiter) release(target string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inFlight--
	if l.byTarget[target]--; l.byTarget[target] <= 0 {
		delete(l.byTarget, target)
	}
	close(l.freed)
	l.freed = make(chan struct{})
}

// changed returns a channel closed at the next release. Take it before
// trying, so that a release between the try and the wait is not missed.
func (l *evacLimiter) changed() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.freed
}
