package recovery

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFenceTransitions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		got  fenceState
		want fenceState
	}{
		{"an operator confirmed it off during this recovery: proven", afterConfirmCheck(true), fsConfirmed},
		{"no confirmation: through the gate", afterConfirmCheck(false), fsGate},
		{"the brake holds: held, even with fencing required", afterGate(true, true), fsHeldByBrake},
		{"the brake holds: held, even without fencing (nothing evacuated in a storm)", afterGate(true, false), fsHeldByBrake},
		{"gate open, require_fencing = false: skipped (Masakari's trust)", afterGate(false, false), fsSkipped},
		{"gate open: power off", afterGate(false, true), fsPowerOff},
		{"power off read back: fenced", afterPowerOff(true, false), fsFenced},
		{"fence failed, an operator confirmed meanwhile: confirmed", afterPowerOff(false, true), fsConfirmed},
		{"fence failed, nobody confirmed: held, not proven dead", afterPowerOff(false, false), fsHeldUnproven},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, tc.got, "got %s", tc.got)
		})
	}
}

func TestUnprovenReason(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name          string
		res           FenceResult
		err           error
		reason, count string
	}{
		{"a manual level stops automatic fencing", FenceResult{Manual: true}, nil, "fencing reached the manual level", "manual"},
		{"manual wins over the error it came with", FenceResult{Manual: true}, errors.New("x"), "fencing reached the manual level", "manual"},
		{"every level failed with an error", FenceResult{}, errors.New("bmc timeout"), "fencing failed at every level: bmc timeout", "failed"},
		{"the off command went through, off was not read back", FenceResult{}, nil, "fencing failed at every level: power off was not read back", "failed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reason, count := unprovenReason(tc.res, tc.err)
			require.Equal(t, tc.reason, reason)
			require.Equal(t, tc.count, count)
		})
	}
}

func TestCountFailing(t *testing.T) {
	t.Parallel()
	// Why: a host both in recovery and silent counts once.
	require.Equal(t, 3, countFailing([]string{"a", "b"}, []string{"b", "c"}))
	require.Equal(t, 0, countFailing(nil, nil))
}

func TestFenceStateNames(t *testing.T) {
	t.Parallel()
	require.Len(t, fenceStateNames, int(fsHeldUnproven)+1, "a name per state")
}
