package enginetest

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/store"
)

// Segment inserts a segment with recovery method and returns its uuid.
func Segment(t testing.TB, st *store.Store, method string) string {
	t.Helper()
	id := uuid.NewString()
	_, err := st.Pool().Exec(context.Background(), `INSERT INTO segments (uuid, name, service_type, recovery_method)
		VALUES ($1, $2, 'COMPUTE', $3)`, id, "seg-"+id[:8], method)
	require.NoError(t, err)
	return id
}

// Host inserts a host in segment and returns its uuid.
func Host(t testing.TB, st *store.Store, segment, name string, reserved bool) string {
	t.Helper()
	id := uuid.NewString()
	_, err := st.Pool().Exec(context.Background(), `INSERT INTO hosts (uuid, name, failover_segment_id, type, control_attributes, reserved)
		VALUES ($1, $2, $3, 'COMPUTE', 'SSH', $4)`, id, name, segment, reserved)
	require.NoError(t, err)
	return id
}

// NotificationStatus reads a notification's status and message.
func NotificationStatus(t testing.TB, st *store.Store, notification string) (status, message string) {
	t.Helper()
	require.NoError(t, st.Pool().QueryRow(context.Background(),
		`SELECT status, COALESCE(message, '') FROM notifications WHERE notification_uuid = $1`, notification).Scan(&status, &message))
	return status, message
}

// HostMaintenance reads a host's on_maintenance and maintenance_by_lazarus.
func HostMaintenance(t testing.TB, st *store.Store, host string) (on, byLazarus bool) {
	t.Helper()
	require.NoError(t, st.Pool().QueryRow(context.Background(),
		`SELECT on_maintenance, maintenance_by_lazarus FROM hosts WHERE uuid = $1`, host).Scan(&on, &byLazarus))
	return on, byLazarus
}
