package recovery

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPerRecovery(t *testing.T) {
	t.Parallel()
	l := newEvacLimiter(4, 64)
	cases := []struct {
		name             string
		threads, targets int
		want             int
	}{
		{"threads set: Masakari's meaning, whatever the targets", 3, 100, 3},
		{"unset, 2 targets: what they take in flight (2 x 4)", 0, 2, 8},
		{"unset, 100 targets: the engine's limit", 0, 100, 64},
		{"unset, no candidate yet: one target's share, never zero", 0, 0, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, l.perRecovery(tc.threads, tc.targets))
		})
	}
}
