package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// StatusScene is a fixed operator's view written straight into the tables
// (no engine runs): what the status page tests render.
//
// Segment seg-a (auto): compute-1 failed, its host recovery running
// (verdict, fence, force_down, select done; evacuate under way: web-1
// succeeded, web-2 and cache-1 ongoing, db-primary pending); compute-2 IPMI
// ready with a fresh heartbeat; compute-3 IPMI not ready (timeout);
// compute-4 on maintenance set by Lazarus after a finished recovery an hour
// ago, its monitor silent for five minutes. Segment seg-b (reserved_host):
// compute-5 held (its BMC unreachable at every level), compute-6 a
// reserved host with a manual device and no heartbeat ever.
type StatusScene struct {
	SegA, SegB string
	// Hosts maps host name to uuid.
	Hosts map[string]string
	// Running, Held and Done are notification uuids.
	Running, Held, Done string
	// RunningRecovery is the recovery uuid of Running.
	RunningRecovery string
}

const sceneSQL = `
INSERT INTO segments (uuid, name, service_type, recovery_method) VALUES
  ('5e000000-0000-4000-8000-00000000000a', 'seg-a', 'COMPUTE', 'auto'),
  ('5e000000-0000-4000-8000-00000000000b', 'seg-b', 'COMPUTE', 'reserved_host');
INSERT INTO hosts (uuid, name, failover_segment_id, type, control_attributes, reserved, on_maintenance, maintenance_by_lazarus) VALUES
  ('40000000-0000-4000-8000-000000000001', 'compute-1', '5e000000-0000-4000-8000-00000000000a', 'COMPUTE', 'SSH', false, false, false),
  ('40000000-0000-4000-8000-000000000002', 'compute-2', '5e000000-0000-4000-8000-00000000000a', 'COMPUTE', 'SSH', false, false, false),
  ('40000000-0000-4000-8000-000000000003', 'compute-3', '5e000000-0000-4000-8000-00000000000a', 'COMPUTE', 'SSH', false, false, false),
  ('40000000-0000-4000-8000-000000000004', 'compute-4', '5e000000-0000-4000-8000-00000000000a', 'COMPUTE', 'SSH', false, true, true),
  ('40000000-0000-4000-8000-000000000005', 'compute-5', '5e000000-0000-4000-8000-00000000000b', 'COMPUTE', 'SSH', false, false, false),
  ('40000000-0000-4000-8000-000000000006', 'compute-6', '5e000000-0000-4000-8000-00000000000b', 'COMPUTE', 'SSH', true, false, false);
INSERT INTO fence_devices (uuid, host_uuid, level, driver, address, port, username, fence_ready, last_error, checked_at) VALUES
  (gen_random_uuid(), '40000000-0000-4000-8000-000000000001', 1, 'ipmi', '10.0.0.1', 623, 'admin', true, NULL, now() - interval '20 seconds'),
  (gen_random_uuid(), '40000000-0000-4000-8000-000000000002', 1, 'ipmi', '10.0.0.2', 623, 'admin', true, NULL, now() - interval '20 seconds'),
  (gen_random_uuid(), '40000000-0000-4000-8000-000000000003', 1, 'ipmi', '10.0.0.3', 623, 'admin', false, 'power status: dial udp 10.0.0.3:623: i/o timeout', now() - interval '20 seconds'),
  (gen_random_uuid(), '40000000-0000-4000-8000-000000000004', 1, 'ipmi', '10.0.0.4', 623, 'admin', true, NULL, now() - interval '20 seconds'),
  (gen_random_uuid(), '40000000-0000-4000-8000-000000000005', 1, 'ipmi', '10.0.0.5', 623, 'admin', false, 'power status: dial udp 10.0.0.5:623: i/o timeout', now() - interval '20 seconds'),
  (gen_random_uuid(), '40000000-0000-4000-8000-000000000006', 1, 'manual', '', NULL, '', NULL, NULL, NULL);
INSERT INTO monitor_heartbeats (host, last_seen) VALUES
  ('compute-2', now() - interval '3 seconds'),
  ('compute-3', now() - interval '4 seconds'),
  ('compute-4', now() - interval '5 minutes'),
  ('compute-5', now() - interval '2 seconds');
INSERT INTO notifications (notification_uuid, generated_time, source_host_uuid, failover_segment_uuid, type, payload, status, message, created_at) VALUES
  ('a0000000-0000-4000-8000-000000000001', now() - interval '12 seconds', '40000000-0000-4000-8000-000000000001', '5e000000-0000-4000-8000-00000000000a', 'COMPUTE_HOST', '{"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}', 'running', NULL, now() - interval '12 seconds'),
  ('a0000000-0000-4000-8000-000000000005', now() - interval '3 minutes', '40000000-0000-4000-8000-000000000005', '5e000000-0000-4000-8000-00000000000b', 'COMPUTE_HOST', '{"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}', 'running', 'Recovery held: fencing failed at every level: level 1: ipmi 10.0.0.5: power off: dial udp 10.0.0.5:623: i/o timeout', now() - interval '3 minutes'),
  ('a0000000-0000-4000-8000-000000000004', now() - interval '61 minutes', '40000000-0000-4000-8000-000000000004', '5e000000-0000-4000-8000-00000000000a', 'COMPUTE_HOST', '{"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}', 'finished', NULL, now() - interval '61 minutes');
INSERT INTO recoveries (uuid, notification_uuid, kind, host_uuid, host_name, segment_uuid, state, hold_reason, lease_owner, lease_epoch, lease_expires_at, created_at, finished_at) VALUES
  ('b0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001', 'host', '40000000-0000-4000-8000-000000000001', 'compute-1', '5e000000-0000-4000-8000-00000000000a', 'running', NULL, 'engine-ctl-1', 1, now() + interval '15 seconds', now() - interval '11 seconds', NULL),
  ('b0000000-0000-4000-8000-000000000005', 'a0000000-0000-4000-8000-000000000005', 'host', '40000000-0000-4000-8000-000000000005', 'compute-5', '5e000000-0000-4000-8000-00000000000b', 'held', 'fencing failed at every level: level 1: ipmi 10.0.0.5: power off: dial udp 10.0.0.5:623: i/o timeout', NULL, 1, NULL, now() - interval '3 minutes', NULL),
  ('b0000000-0000-4000-8000-000000000004', 'a0000000-0000-4000-8000-000000000004', 'host', '40000000-0000-4000-8000-000000000004', 'compute-4', '5e000000-0000-4000-8000-00000000000a', 'done', NULL, NULL, 1, NULL, now() - interval '61 minutes', now() - interval '60 minutes');
INSERT INTO recovery_steps (recovery_uuid, name, item, phase, state, progress, message, owner, epoch, created_at) VALUES
  ('b0000000-0000-4000-8000-000000000001', 'verdict', '', 'result', 'SUCCESS', 1, 'Host failure confirmed: dead on every monitored network (2 observers); BMC reachable', 'engine-ctl-1', 1, now() - interval '10.9 seconds'),
  ('b0000000-0000-4000-8000-000000000001', 'fence', '', 'intent', 'RUNNING', 0, 'Fencing host ''compute-1''', 'engine-ctl-1', 1, now() - interval '10.8 seconds'),
  ('b0000000-0000-4000-8000-000000000001', 'fence', '', 'result', 'SUCCESS', 1, 'Power off read back from ipmi 10.0.0.1', 'engine-ctl-1', 1, now() - interval '10.6 seconds'),
  ('b0000000-0000-4000-8000-000000000001', 'force_down', '', 'result', 'SUCCESS', 1, 'nova-compute on compute-1 forced down and disabled', 'engine-ctl-1', 1, now() - interval '10.5 seconds'),
  ('b0000000-0000-4000-8000-000000000001', 'select', '', 'progress', 'RUNNING', 0.3, 'Total instances running on failed host ''compute-1'' is 6', 'engine-ctl-1', 1, now() - interval '10.4 seconds'),
  ('b0000000-0000-4000-8000-000000000001', 'select', '', 'result', 'SUCCESS', 1, 'Total HA Enabled instances count: ''4''', 'engine-ctl-1', 1, now() - interval '10.4 seconds'),
  ('b0000000-0000-4000-8000-000000000001', 'evacuate', 'c0000000-0000-4000-8000-000000000001', 'intent', 'RUNNING', 0.5, '', 'engine-ctl-1', 1, now() - interval '10.3 seconds'),
  ('b0000000-0000-4000-8000-000000000001', 'evacuate', 'c0000000-0000-4000-8000-000000000001', 'result', 'SUCCESS', 1, '', 'engine-ctl-1', 1, now() - interval '8.1 seconds'),
  ('b0000000-0000-4000-8000-000000000001', 'evacuate', 'c0000000-0000-4000-8000-000000000002', 'intent', 'RUNNING', 0.5, '', 'engine-ctl-1', 1, now() - interval '8 seconds'),
  ('b0000000-0000-4000-8000-000000000001', 'evacuate', 'c0000000-0000-4000-8000-000000000004', 'intent', 'RUNNING', 0.5, '', 'engine-ctl-1', 1, now() - interval '7.9 seconds'),
  ('b0000000-0000-4000-8000-000000000005', 'verdict', '', 'result', 'SUCCESS', 1, 'Host failure confirmed: dead on every monitored network (3 observers)', 'engine-ctl-2', 1, now() - interval '179 seconds'),
  ('b0000000-0000-4000-8000-000000000005', 'fence', '', 'intent', 'RUNNING', 0, 'Fencing host ''compute-5''', 'engine-ctl-2', 1, now() - interval '178 seconds'),
  ('b0000000-0000-4000-8000-000000000005', 'fence', '', 'result', 'HELD', 0, 'fencing failed at every level: level 1: ipmi 10.0.0.5: power off: dial udp 10.0.0.5:623: i/o timeout', 'engine-ctl-2', 1, now() - interval '150 seconds'),
  ('b0000000-0000-4000-8000-000000000004', 'verdict', '', 'result', 'SUCCESS', 1, 'Host failure confirmed', 'engine-ctl-1', 1, now() - interval '61 minutes'),
  ('b0000000-0000-4000-8000-000000000004', 'fence', '', 'result', 'SUCCESS', 1, 'Power off read back', 'engine-ctl-1', 1, now() - interval '61 minutes'),
  ('b0000000-0000-4000-8000-000000000004', 'finish', '', 'result', 'SUCCESS', 1, 'Host compute-4 recovered', 'engine-ctl-1', 1, now() - interval '60 minutes');
INSERT INTO vmoves (uuid, notification_uuid, instance_uuid, instance_name, source_host, dest_host, start_time, end_time, status, message) VALUES
  (gen_random_uuid(), 'a0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'web-1', 'compute-1', 'compute-2', now() - interval '10.3 seconds', now() - interval '8.1 seconds', 'succeeded', NULL),
  (gen_random_uuid(), 'a0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000002', 'web-2', 'compute-1', 'compute-3', now() - interval '8 seconds', NULL, 'ongoing', NULL),
  (gen_random_uuid(), 'a0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000003', 'db-primary', 'compute-1', NULL, NULL, NULL, 'pending', NULL),
  (gen_random_uuid(), 'a0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000004', 'cache-1', 'compute-1', 'compute-2', now() - interval '7.9 seconds', NULL, 'ongoing', NULL),
  (gen_random_uuid(), 'a0000000-0000-4000-8000-000000000004', 'c0000000-0000-4000-8000-000000000009', 'app-4', 'compute-4', 'compute-2', now() - interval '61 minutes', now() - interval '60 minutes', 'succeeded', NULL);
`

// SeedStatusScene writes the StatusScene into a migrated database.
func SeedStatusScene(t testing.TB, pool *pgxpool.Pool) StatusScene {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := pool.Exec(ctx, sceneSQL); err != nil {
		t.Fatalf("seed status scene: %v", err)
	}
	return StatusScene{
		SegA: "5e000000-0000-4000-8000-00000000000a", SegB: "5e000000-0000-4000-8000-00000000000b",
		Hosts: map[string]string{
			"compute-1": "40000000-0000-4000-8000-000000000001", "compute-2": "40000000-0000-4000-8000-000000000002",
			"compute-3": "40000000-0000-4000-8000-000000000003", "compute-4": "40000000-0000-4000-8000-000000000004",
			"compute-5": "40000000-0000-4000-8000-000000000005", "compute-6": "40000000-0000-4000-8000-000000000006",
		},
		Running: "a0000000-0000-4000-8000-000000000001", Held: "a0000000-0000-4000-8000-000000000005",
		Done: "a0000000-0000-4000-8000-000000000004", RunningRecovery: "b0000000-0000-4000-8000-000000000001",
	}
}

// StatusSceneFinishMove marks one of the running recovery's instances
// (by name) succeeded on dest, and journals it, as the engine would.
func StatusSceneFinishMove(t testing.TB, pool *pgxpool.Pool, instance, dest string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := pool.Exec(ctx, `
		WITH m AS (
			UPDATE vmoves SET status = 'succeeded', dest_host = $2, start_time = COALESCE(start_time, now()), end_time = now()
			WHERE notification_uuid = 'a0000000-0000-4000-8000-000000000001' AND instance_name = $1
			RETURNING instance_uuid
		)
		INSERT INTO recovery_steps (recovery_uuid, name, item, phase, state, progress, message, owner, epoch)
		SELECT 'b0000000-0000-4000-8000-000000000001', 'evacuate', instance_uuid::text, 'result', 'SUCCESS', 1, '', 'engine-ctl-1', 1 FROM m`,
		instance, dest); err != nil {
		t.Fatalf("finish move of %s: %v", instance, err)
	}
}
