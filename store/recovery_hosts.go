package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// RecoveryHost is what the engine needs of a Lazarus host row.
type RecoveryHost struct {
	UUID                 string
	Name                 string
	SegmentUUID          string
	Reserved             bool
	OnMaintenance        bool
	MaintenanceByLazarus bool
}

const recoveryHostColumns = `uuid::text, name, failover_segment_id::text, reserved, on_maintenance, maintenance_by_lazarus`

func scanRecoveryHosts(rows pgx.Rows) ([]RecoveryHost, error) {
	defer rows.Close()
	var out []RecoveryHost
	for rows.Next() {
		var h RecoveryHost
		if err := rows.Scan(&h.UUID, &h.Name, &h.SegmentUUID, &h.Reserved, &h.OnMaintenance, &h.MaintenanceByLazarus); err != nil {
			return nil, fmt.Errorf("scan host: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// RecoveryHostsOfSegment lists a segment's live hosts, oldest first.
func (s *Store) RecoveryHostsOfSegment(ctx context.Context, segmentUUID string) ([]RecoveryHost, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+recoveryHostColumns+` FROM hosts
		WHERE failover_segment_id = $1 AND NOT deleted ORDER BY created_at DESC, id DESC`, segmentUUID)
	if err != nil {
		return nil, fmt.Errorf("list hosts of segment %s: %w", segmentUUID, err)
	}
	return scanRecoveryHosts(rows)
}

// RecoveryHostSetMaintenanceTx puts a host on maintenance, remembering that
// Lazarus did it (only then may Lazarus clear it). A reserved host that
// failed stops being reserved, as in Masakari.
func RecoveryHostSetMaintenanceTx(ctx context.Context, tx pgx.Tx, hostUUID string) error {
	_, err := tx.Exec(ctx, `
		UPDATE hosts SET
			maintenance_by_lazarus = CASE WHEN on_maintenance THEN maintenance_by_lazarus ELSE true END,
			on_maintenance = true, reserved = false, updated_at = now()
		WHERE uuid = $1`, hostUUID)
	if err != nil {
		return fmt.Errorf("put host %s on maintenance: %w", hostUUID, err)
	}
	return nil
}

// RecoveryHostUnreserveTx marks a reserved host as used (reserved = false),
// as Masakari does when it evacuates to it.
func RecoveryHostUnreserveTx(ctx context.Context, tx pgx.Tx, hostUUID string) error {
	if _, err := tx.Exec(ctx, `UPDATE hosts SET reserved = false, updated_at = now() WHERE uuid = $1`, hostUUID); err != nil {
		return fmt.Errorf("unreserve host %s: %w", hostUUID, err)
	}
	return nil
}

// RecoveryHostsMaintainedByLazarus lists hosts that are on maintenance
// because Lazarus put them there and have no active recovery.
func (s *Store) RecoveryHostsMaintainedByLazarus(ctx context.Context) ([]RecoveryHost, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+recoveryHostColumns+` FROM hosts h
		WHERE NOT deleted AND on_maintenance AND maintenance_by_lazarus
		  AND NOT EXISTS (SELECT 1 FROM recoveries r WHERE r.host_uuid = h.uuid AND r.state <> 'done')
		ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list hosts on lazarus maintenance: %w", err)
	}
	return scanRecoveryHosts(rows)
}

// RecoveryHostClearMaintenance clears maintenance Lazarus set, unless an
// operator took over the flag meanwhile or a recovery of the host is active
// again (invariant 6: the host stays out until its VMs are safe). It
// reports whether it cleared anything.
func (s *Store) RecoveryHostClearMaintenance(ctx context.Context, hostUUID string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `
		UPDATE hosts h SET on_maintenance = false, maintenance_by_lazarus = false, updated_at = now()
		WHERE uuid = $1 AND on_maintenance AND maintenance_by_lazarus
		  AND NOT EXISTS (SELECT 1 FROM recoveries r WHERE r.host_uuid = h.uuid AND r.state <> 'done')
		  AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.source_host_uuid = h.uuid
		                  AND n.status IN ('new', 'running', 'error') AND NOT n.deleted)`, hostUUID)
	if err != nil {
		return false, fmt.Errorf("clear maintenance of host %s: %w", hostUUID, err)
	}
	return tag.RowsAffected() == 1, nil
}
