//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// floorServers is how many servers the Nova floor evacuates, and how many
// HA-enabled servers scenario 1 has: the 6.
const floorServers = 6

// Labels of the floor's timeline marks.
const (
	lFloorEvacCalls = "evacuate calls returned (Nova alone, all at once)"
	lFloorActive    = lActive
)

// novaFloor is scenario 0: what Nova alone does, the floor under any HA
// service on this cloud. floorServers servers on compute-1, power off
// through the BMC, force its service down, and issue every evacuate call
// at once (the scheduler picks the hosts), as test/e2e/smoke.sh does; the
// timeline runs from power off to every server ACTIVE elsewhere (polled
// every 250 ms, as for Lazarus's scenarios).
func (e *env) novaFloor(ctx context.Context, t *testing.T, r *result) {
	prefix := e.prefix + "-s0"
	t.Cleanup(func() {
		e.deleteServers(ctx, prefix)
		e.restoreHost(ctx, t, victim)
	})
	ids, _ := e.bootServers(ctx, t, prefix, victim, floorServers)
	logf("%d servers ACTIVE on %s for the Nova floor", len(ids), victim)

	tl, _, cancel, activeAt := e.cutPower(ctx, t, r, prefix, ids)
	defer cancel()

	svc, err := e.service(ctx, victim)
	require.NoError(t, err)
	require.NoError(t, e.novaDo(ctx, "PUT", "/os-services/"+svc.ID, map[string]any{"forced_down": true}, nil, 200), "force down %s", victim)
	forced := time.Now()
	tl.add(lForced+"os-services PUT, Nova alone)", forced)

	var wg sync.WaitGroup
	errs := make([]error, len(ids))
	for i, id := range ids {
		wg.Go(func() {
			errs[i] = e.novaDo(ctx, "POST", "/servers/"+id+"/action", map[string]any{"evacuate": map[string]any{}}, nil, 200)
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err, "evacuate")
	}
	called := time.Now()
	tl.add(lFloorEvacCalls, called)
	r.note = fmt.Sprintf("Nova alone: %d evacuate calls returned at %.1f s", len(ids), called.Sub(tl.origin).Seconds())
	select {
	case at := <-activeAt:
		tl.add(lFloorActive, at)
	case <-time.After(5 * time.Minute):
		t.Fatalf("the servers were not all ACTIVE elsewhere within 5 min of Nova's evacuate calls")
	}
	tl.print(fmt.Sprintf("%s (%s, Nova alone: force down, %d evacuate calls at once)", t.Name(), victim, len(ids)))
	migs, err := e.evacuations(ctx, ids)
	require.NoError(t, err)
	for _, id := range ids {
		require.Len(t, migs[id], 1, "one evacuation of %s", id)
	}
}

// floorPair is one run of the Nova floor (scenario 0) and one of
// Lazarus's host failure (scenario 1) right after it.
type floorPair struct{ floor, lazarus *result }

// floorPairs is LAZARUS_E2E_FLOOR_PAIRS, how many pairs of scenarios 0
// and 1 make the floor comparison (default 3).
func floorPairs(t *testing.T) int {
	v := os.Getenv("LAZARUS_E2E_FLOOR_PAIRS")
	if v == "" {
		return 3
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("LAZARUS_E2E_FLOOR_PAIRS=%q: want a whole number of pairs, at least 1", v)
	}
	return n
}

// floorComparison prints, per pair, Lazarus's scenario 1 next to the Nova
// floor run just before it (power off to every HA server ACTIVE
// elsewhere), and the verdict on the median of the differences.
func floorComparison(pairs []floorPair) string {
	var b strings.Builder
	var diffs []time.Duration
	for i, p := range pairs {
		f, okF := p.floor.since(lFloorActive)
		l, okL := p.lazarus.since(lActive)
		if !okF || !okL {
			fmt.Fprintf(&b, "pair %d: not measured (a scenario failed)\n", i+1)
			continue
		}
		diffs = append(diffs, l-f)
		fmt.Fprintf(&b, "pair %d: power off → all %d ACTIVE elsewhere: Nova floor %.1f s, Lazarus (default config) %.1f s: %+.1f s\n",
			i+1, floorServers, f.Seconds(), l.Seconds(), (l - f).Seconds())
	}
	if len(diffs) == 0 {
		b.WriteString("Nova floor vs Lazarus: not measured (every pair failed)\n")
		return b.String()
	}
	slices.Sort(diffs)
	med := diffs[len(diffs)/2]
	if len(diffs)%2 == 0 {
		med = (diffs[len(diffs)/2-1] + diffs[len(diffs)/2]) / 2
	}
	verdict := "within 1 s of the floor"
	if med > time.Second {
		verdict = "MORE than 1 s above the floor"
	}
	fmt.Fprintf(&b, "Lazarus vs the Nova floor, median of %d pairs: %+.1f s (range %+.1f to %+.1f s), %s\n",
		len(diffs), med.Seconds(), diffs[0].Seconds(), diffs[len(diffs)-1].Seconds(), verdict)
	return b.String()
}

// since is the time from the origin to the first mark whose label starts
// with prefix.
func (r *result) since(prefix string) (time.Duration, bool) {
	if r == nil || r.tl == nil || !r.passed {
		return 0, false
	}
	for _, m := range r.tl.marks {
		if len(m.what) >= len(prefix) && m.what[:len(prefix)] == prefix {
			return m.at.Sub(r.tl.origin), true
		}
	}
	return 0, false
}
