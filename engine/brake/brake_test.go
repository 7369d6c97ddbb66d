package brake_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/engine/brake"
	"github.com/lazarus-ha/lazarus/store"
)

func TestDecide(t *testing.T) {
	t.Parallel()
	l := brake.Limits{MaxFailedHostRatio: 0.5, MinHostsForRatio: 4, MaxFencesPerWindow: 3, Window: 10 * time.Minute}
	cases := []struct {
		name string
		st   store.SegmentFailureStats
		self error
		hold bool
		why  string
	}{
		{"one of ten", store.SegmentFailureStats{Hosts: 10, Failing: 1}, nil, false,
			"a single host failure in a healthy segment is the normal case"},
		{"half of ten", store.SegmentFailureStats{Hosts: 10, Failing: 5}, nil, false,
			"exactly at the ratio is still allowed (the brake is 'above')"},
		{"six of ten", store.SegmentFailureStats{Hosts: 10, Failing: 6}, nil, true,
			"more than half the segment failing at once looks like a partition, not six dead hosts"},
		{"rate limit", store.SegmentFailureStats{Hosts: 100, Failing: 4, Fences: 3}, nil, true,
			"three fences already in the window: the fourth waits even though 4% is a small ratio"},
		{"below rate limit", store.SegmentFailureStats{Hosts: 100, Failing: 3, Fences: 2}, nil, false,
			"two earlier fences leave room for a third"},
		{"self-check failed", store.SegmentFailureStats{Hosts: 10, Failing: 1}, errors.New("broker unreachable"), true,
			"an engine that cannot hear the monitors may be the isolated one: it must not fence"},
		{"two-host segment, one down", store.SegmentFailureStats{Hosts: 2, Failing: 1}, nil, false,
			"small segment: one failure is 50% but is exactly what HA is for"},
		{"two-host segment, both down", store.SegmentFailureStats{Hosts: 2, Failing: 2}, nil, true,
			"both hosts of a pair 'dead' at once means we are probably cut off"},
		{"three-host segment, two down", store.SegmentFailureStats{Hosts: 3, Failing: 2}, nil, true,
			"a small segment tolerates at most half its hosts failing"},
		{"empty segment", store.SegmentFailureStats{Hosts: 0, Failing: 1}, nil, true,
			"no hosts to count means something is inconsistent: hold rather than guess"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := brake.Decide(c.st, l, c.self)
			require.Equal(t, c.hold, d.Hold, c.why)
			if c.hold {
				require.NotEmpty(t, d.Reason)
			}
		})
	}
}
