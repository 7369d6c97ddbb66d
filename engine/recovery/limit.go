package recovery

import (
	"context"
	"sync"
)

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
	// admitted holds a token per instance being worked on in the engine
	// (its reads of Nova, lock, evacuation, confirmation): at most total,
	// so a storm of failed hosts does not start more Nova calls at once
	// than the engine may have evacuations in flight.
	admitted chan struct{}

	mu       sync.Mutex
	inFlight int
	byTarget map[string]int
	freed    chan struct{} // closed and replaced whenever a slot frees
}

func newEvacLimiter(perTarget, total int) *evacLimiter {
	return &evacLimiter{perTarget: perTarget, total: total, admitted: make(chan struct{}, total),
		byTarget: map[string]int{}, freed: make(chan struct{})}
}

// admit waits for a token to work on one instance; leave gives it back.
func (l *evacLimiter) admit(ctx context.Context) error {
	select {
	case l.admitted <- struct{}{}:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (l *evacLimiter) leave() { <-l.admitted }

// perRecovery is how many instances one recovery works on at once: threads
// when set (Masakari's host_failure_recovery_threads), else as many as its
// targets can take in flight (more would only hold engine tokens while
// they wait for a target), and never more than the engine's limit.
func (l *evacLimiter) perRecovery(threads, targets int) int {
	if threads > 0 {
		return threads
	}
	return max(1, min(l.total, l.perTarget*max(targets, 1)))
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

// slots bounds how many instances one recovery works on at once. Its size
// only grows: a recovery starts with the share any recovery gets and grows
// to what its targets take in flight once they are known.
type slots struct {
	mu      sync.Mutex
	used    int
	size    int
	changed chan struct{} // closed and replaced on release and grow
}

func newSlots(size int) *slots { return &slots{size: size, changed: make(chan struct{})} }

// acquire takes a slot, waiting for one while all are used.
func (s *slots) acquire(ctx context.Context) error {
	for {
		s.mu.Lock()
		if s.used < s.size {
			s.used++
			s.mu.Unlock()
			return nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
}

// release gives a slot back.
func (s *slots) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.used--
	s.wake()
}

// grow raises the size to n (never lowers it).
func (s *slots) grow(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n > s.size {
		s.size = n
		s.wake()
	}
}

func (s *slots) wake() {
	close(s.changed)
	s.changed = make(chan struct{})
}
