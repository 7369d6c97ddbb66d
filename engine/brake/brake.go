package brake

import (
	"context"
	"fmt"
	"time"

	"github.com/lazarus-ha/lazarus/store"
)

// Limits are the [host_failure] storm brake options.
type Limits struct {
	// MaxFailedHostRatio: more than this share of a segment's hosts
	// failing (down or in recovery within Window) stops automatic fencing.
	MaxFailedHostRatio float64
	// MinHostsForRatio: smaller segments use the small-segment rule
	// instead of the ratio.
	MinHostsForRatio int
	// MaxFencesPerWindow caps automatic fences per segment within Window.
	MaxFencesPerWindow int
	// Window is the failure window.
	Window time.Duration
}

// Decision is Decide's verdict.
type Decision struct {
	Hold   bool
	Reason string
}

// Decide weighs a segment's failure stats and the engine's self-check.
// selfErr is the self-check's error (nil when healthy).
func Decide(st store.SegmentFailureStats, l Limits, selfErr error) Decision {
	if selfErr != nil {
		return Decision{true, fmt.Sprintf("engine self-check failed (%v): this engine may be the isolated one, so it fences nothing automatically", selfErr)}
	}
	if l.MaxFencesPerWindow > 0 && st.Fences >= l.MaxFencesPerWindow {
		return Decision{true, fmt.Sprintf("fence rate limit: %d hosts of this segment were fenced within %s (max_fences_per_window = %d)", st.Fences, l.Window, l.MaxFencesPerWindow)}
	}
	if st.Hosts <= 0 {
		return Decision{true, "the segment has no hosts"}
	}
	if st.Hosts < l.MinHostsForRatio {
		// One failure in a two-host segment is 50%: the ratio means
		// little there. Allow up to half the hosts (at least one).
		allowed := max(1, st.Hosts/2)
		if st.Failing > allowed {
			return Decision{true, fmt.Sprintf("storm brake: %d of the %d hosts of this small segment are failing (at most %d allowed)", st.Failing, st.Hosts, allowed)}
		}
		return Decision{}
	}
	ratio := float64(st.Failing) / float64(st.Hosts)
	if ratio > l.MaxFailedHostRatio {
		return Decision{true, fmt.Sprintf("storm brake: %d of %d hosts (%.0f%%) of this segment are failing within %s, above max_failed_host_ratio %.2f", st.Failing, st.Hosts, ratio*100, l.Window, l.MaxFailedHostRatio)}
	}
	return Decision{}
}

// SelfCheck reports whether this engine can trust its own view: it can
// reach the database and the channel the monitors reach it through.
type SelfCheck interface {
	Check(ctx context.Context) error
}

// SelfCheckFunc adapts a function to SelfCheck.
type SelfCheckFunc func(ctx context.Context) error

// Check calls f.
func (f SelfCheckFunc) Check(ctx context.Context) error { return f(ctx) }

// Checks combines several checks; the first failure wins.
type Checks []SelfCheck

// Check runs every check in order.
func (c Checks) Check(ctx context.Context) error {
	for _, s := range c {
		if s == nil {
			continue
		}
		if err := s.Check(ctx); err != nil {
			return err
		}
	}
	return nil
}
