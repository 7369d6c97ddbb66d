package store_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/store"
)

func TestRecoveryCountsActive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	seg := f.segment(true)
	insert := func(host, kind, state string) {
		t.Helper()
		h := f.host(seg, host)
		n := f.notification(h, "COMPUTE_HOST", stopped)
		_, err := f.st.Pool().Exec(ctx, `INSERT INTO recoveries (uuid, notification_uuid, kind, host_uuid, host_name, segment_uuid, state)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, uuid.NewString(), n, kind, h, host, seg, state)
		require.NoError(t, err)
	}
	got, err := f.st.RecoveryCountsActive(ctx)
	require.NoError(t, err)
	require.Empty(t, got, "no recoveries, no rows")

	insert("compute-1", store.RecoveryKindHost, store.RecoveryStateHeld)
	insert("compute-2", store.RecoveryKindHost, store.RecoveryStateHeld)
	insert("compute-3", store.RecoveryKindHost, store.RecoveryStateRunning)
	insert("compute-4", store.RecoveryKindProcess, store.RecoveryStatePending)
	// Done recoveries are history, not load: not counted.
	insert("compute-5", store.RecoveryKindHost, store.RecoveryStateDone)

	got, err = f.st.RecoveryCountsActive(ctx)
	require.NoError(t, err)
	require.Equal(t, []store.RecoveryCount{
		{Kind: "host", State: "held", Count: 2},
		{Kind: "host", State: "running", Count: 1},
		{Kind: "process", State: "pending", Count: 1},
	}, got)
}
