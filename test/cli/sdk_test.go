package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/store/storetest"
)

// TestOpenstackSDK runs testdata/sdk_instance_ha.py — Debian's
// python3-openstacksdk, conn.instance_ha — against a real lazarus-api:
// segments, hosts and notifications through the SDK's typed calls
// (create, list with filters, get, update, delete, the 404 and 409
// exceptions), a seeded notification's recovery_workflow_details, and its
// vmoves through the same adapter (the SDK of Debian 12 has no VMove
// resource).
func TestOpenstackSDK(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/usr/lib/python3/dist-packages/openstack/instance_ha"); err != nil {
		t.Fatalf("python3-openstacksdk is missing (make services installs python3-openstackclient, which depends on it): %v", err)
	}
	dbURL := storetest.NewMigratedDatabase(t)
	pool, err := pgxpool.New(context.Background(), dbURL)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	scene := storetest.SeedStatusScene(t, pool)
	endpoint, _ := startAPIWith(t, apiOptions{DBURL: dbURL})

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/usr/bin/python3", filepath.Join("testdata", "sdk_instance_ha.py"), endpoint, scene.Running)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "sdk_instance_ha.py failed:\n%s", stderr.String())
	t.Logf("openstacksdk results:\n%s", out)

	var got struct {
		SDKVersion    string `json:"sdk_version"`
		SegmentCreate struct {
			Name, Description, UUID string
			RecoveryMethod          string `json:"recovery_method"`
			ServiceType             string `json:"service_type"`
			ID                      any
		} `json:"segment_create"`
		SegmentList   []string                    `json:"segment_list"`
		SegmentGet    struct{ Name, UUID string } `json:"segment_get"`
		SegmentUpdate struct {
			Description    string
			RecoveryMethod string `json:"recovery_method"`
		} `json:"segment_update"`
		SegmentAfterUpdate    string                      `json:"segment_get_after_update"`
		SegmentDuplicate      string                      `json:"segment_duplicate"`
		SegmentMissing        string                      `json:"segment_missing"`
		SegmentListFiltered   []string                    `json:"segment_list_filtered"`
		SegmentListAfterDel   []string                    `json:"segment_list_after_delete"`
		HostCreate            map[string]any              `json:"host_create"`
		HostList              []string                    `json:"host_list"`
		HostListReserved      []string                    `json:"host_list_reserved"`
		HostGet               struct{ Name, UUID string } `json:"host_get"`
		HostUpdate            map[string]any              `json:"host_update"`
		HostUpdateBack        map[string]any              `json:"host_update_back"`
		HostListAfterDelete   []string                    `json:"host_list_after_delete"`
		HostDeleteBusy        string                      `json:"host_delete_busy"`
		NotificationCreate    map[string]any              `json:"notification_create"`
		NotificationList      []string                    `json:"notification_list"`
		NotificationGet       map[string]any              `json:"notification_get"`
		NotificationDuplicate string                      `json:"notification_duplicate"`
		Seeded                struct {
			Status string
			Steps  [][2]string
		} `json:"seeded_notification"`
		VMoveList        [][2]string `json:"vmove_list"`
		VMoveGet         bool        `json:"vmove_get"`
		HasVMoveResource bool        `json:"has_vmove_resource"`
	}
	require.NoError(t, json.Unmarshal(out, &got))

	require.Equal(t, "0.101.0", got.SDKVersion, "Debian 12's python3-openstacksdk")
	require.Equal(t, "sdk-seg", got.SegmentCreate.Name)
	require.Equal(t, "auto", got.SegmentCreate.RecoveryMethod)
	require.Equal(t, "COMPUTE", got.SegmentCreate.ServiceType)
	require.Equal(t, "made by openstacksdk", got.SegmentCreate.Description)
	require.IsType(t, float64(0), got.SegmentCreate.ID, "Masakari's integer id")
	require.Equal(t, []string{"sdk-seg", "seg-a", "seg-b"}, got.SegmentList)
	require.Equal(t, got.SegmentCreate.UUID, got.SegmentGet.UUID)
	require.Equal(t, "updated by openstacksdk", got.SegmentUpdate.Description)
	require.Equal(t, "reserved_host", got.SegmentUpdate.RecoveryMethod)
	require.Equal(t, "updated by openstacksdk", got.SegmentAfterUpdate)
	require.Contains(t, got.SegmentDuplicate, "conflict: Failover segment with name sdk-seg already exists.")
	require.Equal(t, "not found", got.SegmentMissing)
	require.Equal(t, []string{"sdk-seg", "seg-b"}, got.SegmentListFiltered)
	require.Equal(t, []string{"sdk-seg", "seg-a", "seg-b"}, got.SegmentListAfterDel)

	require.Equal(t, map[string]any{"name": "compute-sdk-1", "type": "COMPUTE", "control_attributes": "SSH",
		"reserved": false, "on_maintenance": false, "failover_segment_id": got.SegmentCreate.UUID}, got.HostCreate)
	require.Equal(t, []string{"compute-sdk-1", "compute-sdk-2"}, got.HostList)
	require.Equal(t, []string{"compute-sdk-2"}, got.HostListReserved)
	require.Equal(t, "compute-sdk-1", got.HostGet.Name)
	require.Equal(t, true, got.HostUpdate["on_maintenance"])
	require.Equal(t, false, got.HostUpdateBack["on_maintenance"])
	require.True(t, strings.HasPrefix(got.HostDeleteBusy, "conflict: Host "), got.HostDeleteBusy)
	require.Contains(t, got.HostDeleteBusy, "can't be deleted as it is in-use to process notifications.")
	require.Empty(t, got.HostListAfterDelete)

	require.Equal(t, "COMPUTE_HOST", got.NotificationCreate["type"])
	require.Equal(t, "new", got.NotificationCreate["status"])
	require.Equal(t, true, got.NotificationCreate["source_host_is_host"])
	require.Equal(t, map[string]any{"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}, got.NotificationCreate["payload"])
	require.Len(t, got.NotificationList, 4, "three seeded and one made through the SDK")
	require.Contains(t, got.NotificationList, scene.Running)
	require.Equal(t, "new", got.NotificationGet["status"])
	require.Equal(t, "conflict", got.NotificationDuplicate, "the same host, type and time within the duplicate window")

	require.Equal(t, "running", got.Seeded.Status)
	require.Equal(t, [][2]string{{"verdict", "SUCCESS"}, {"fence", "SUCCESS"}, {"force_down", "SUCCESS"}, {"select", "SUCCESS"}, {"evacuate", "RUNNING"}},
		got.Seeded.Steps)
	require.Equal(t, [][2]string{{"cache-1", "ongoing"}, {"db-primary", "pending"}, {"web-1", "succeeded"}, {"web-2", "ongoing"}}, got.VMoveList)
	require.True(t, got.VMoveGet)
	require.False(t, got.HasVMoveResource, "if a newer SDK has vmoves, call them typed here")
}
