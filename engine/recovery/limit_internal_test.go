package recovery

import (
	"context"
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

func TestSlots(t *testing.T) {
	t.Parallel()
	// An ended context: acquire then answers at once, with a slot when
	// one is free and an error when it would wait.
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	s := newSlots(2)
	require.NoError(t, s.acquire(ended))
	require.NoError(t, s.acquire(ended))
	require.Error(t, s.acquire(ended), "both used: waits")
	s.grow(1)
	require.Error(t, s.acquire(ended), "grow never lowers the size")
	s.grow(3)
	require.NoError(t, s.acquire(ended), "grown: a third slot")
	require.Error(t, s.acquire(ended))
	s.release()
	require.NoError(t, s.acquire(ended), "released: free again")

	// A waiter is woken by a release.
	got := make(chan error)
	go func() { got <- s.acquire(context.Background()) }()
	s.release()
	require.NoError(t, <-got)
}
