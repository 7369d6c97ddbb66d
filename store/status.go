package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// StatusSnapshot is everything the operator status page shows, read in one
// repeatable-read transaction so the parts agree with each other.
type StatusSnapshot struct {
	// Now is the database's clock, which every age on the page is measured
	// against (heartbeats are stamped with it too).
	Now time.Time
	// Leader is the engine holding the leader lease, "" when none does.
	Leader     string
	Segments   []StatusSegment
	Recoveries []StatusRecovery
}

// StatusSegment is a live segment with its live hosts.
type StatusSegment struct {
	UUID           string
	Name           string
	ServiceType    string
	RecoveryMethod string
	Enabled        bool
	Hosts          []StatusHost
}

// StatusHost is a live host with what says whether it is protected.
type StatusHost struct {
	UUID          string
	Name          string
	Type          string
	Reserved      bool
	OnMaintenance bool
	// MaintenanceByLazarus: the engine set on_maintenance after a
	// recovery (and may clear it again); false with OnMaintenance means an
	// operator (or Masakari's API) set it.
	MaintenanceByLazarus bool
	// HeartbeatAt is the last heartbeat of the host's monitor; nil when
	// it never sent one.
	HeartbeatAt *time.Time
	// FenceDevices are the host's devices in topology order.
	FenceDevices []*FenceDevice
	// LastRecovery is the host's most recent recovery of any kind; nil
	// when it never had one.
	LastRecovery *StatusRecoveryRef
}

// StatusRecoveryRef names a recovery from a host row.
type StatusRecoveryRef struct {
	NotificationUUID   string
	Kind               string
	State              string
	NotificationStatus string
	CreatedAt          time.Time
	FinishedAt         *time.Time
}

// StatusRecovery is a recovery with its notification, journal and moves.
type StatusRecovery struct {
	UUID             string
	NotificationUUID string
	NotificationType string
	// NotificationStatus is the Masakari status (new, running, finished,
	// error, failed, ignored).
	NotificationStatus string
	Message            string
	Kind               string
	HostUUID           string
	HostName           string
	SegmentUUID        string
	SegmentName        string
	// State is the recovery's own state: pending, running, held or done.
	State         string
	HoldReason    string
	Attempt       int
	LeaseOwner    string
	GeneratedTime time.Time
	CreatedAt     time.Time
	FinishedAt    *time.Time
	Steps         []StepEntry
	VMoves        []StatusVMove
}

// StatusVMove is one instance's move within a recovery.
type StatusVMove struct {
	InstanceUUID string
	InstanceName string
	SourceHost   string
	DestHost     string
	Status       string
	Message      string
	StartTime    *time.Time
	EndTime      *time.Time
}

// StatusSnapshotParams choose how much history the snapshot carries.
type StatusSnapshotParams struct {
	// RecentDone is how many finished recoveries to include besides the
	// active ones (default 10).
	RecentDone int
}

// StatusSnapshot reads the status page's data: live segments and hosts with
// fence devices, heartbeats and last recovery; every active recovery and
// the most recent finished ones, each with its journal and vmoves.
func (s *Store) StatusSnapshot(ctx context.Context, p *StatusSnapshotParams) (*StatusSnapshot, error) {
	recent := p.RecentDone
	if recent <= 0 {
		recent = 10
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("begin status snapshot: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()

	snap := &StatusSnapshot{}
	if err := tx.QueryRow(ctx, `SELECT now(), COALESCE((SELECT owner FROM leases WHERE name = 'leader' AND expires_at > now()), '')`).
		Scan(&snap.Now, &snap.Leader); err != nil {
		return nil, fmt.Errorf("read clock and leader: %w", err)
	}
	if err := statusSegments(ctx, tx, snap); err != nil {
		return nil, err
	}
	if err := statusRecoveries(ctx, tx, snap, recent); err != nil {
		return nil, err
	}
	return snap, nil
}

func statusSegments(ctx context.Context, tx pgx.Tx, snap *StatusSnapshot) error {
	rows, err := tx.Query(ctx, `
		SELECT s.uuid::text, s.name, s.service_type, s.recovery_method, s.enabled,
			h.uuid::text, h.name, h.type, h.reserved, h.on_maintenance, h.maintenance_by_lazarus, hb.last_seen,
			lr.notification_uuid::text, lr.kind, lr.state, lr.status, lr.created_at, lr.finished_at
		FROM segments s
		LEFT JOIN hosts h ON h.failover_segment_id = s.uuid AND NOT h.deleted
		LEFT JOIN monitor_heartbeats hb ON hb.host = h.name
		LEFT JOIN LATERAL (
			SELECT r.notification_uuid, r.kind, r.state, n.status, r.created_at, r.finished_at
			FROM recoveries r JOIN notifications n ON n.notification_uuid = r.notification_uuid
			WHERE r.host_uuid = h.uuid ORDER BY r.created_at DESC, r.id DESC LIMIT 1
		) lr ON true
		WHERE NOT s.deleted
		ORDER BY s.name, s.id, h.name`)
	if err != nil {
		return fmt.Errorf("list segments and hosts: %w", err)
	}
	defer rows.Close()
	index := map[string]*StatusHost{}
	for rows.Next() {
		var seg StatusSegment
		var hUUID, hName, hType *string
		var reserved, maint, maintByUs *bool
		var h StatusHost
		var lrNotif, lrKind, lrState, lrStatus *string
		var lrCreated, lrFinished *time.Time
		if err := rows.Scan(&seg.UUID, &seg.Name, &seg.ServiceType, &seg.RecoveryMethod, &seg.Enabled,
			&hUUID, &hName, &hType, &reserved, &maint, &maintByUs, &h.HeartbeatAt,
			&lrNotif, &lrKind, &lrState, &lrStatus, &lrCreated, &lrFinished); err != nil {
			return fmt.Errorf("scan segment and host: %w", err)
		}
		if n := len(snap.Segments); n == 0 || snap.Segments[n-1].UUID != seg.UUID {
			snap.Segments = append(snap.Segments, seg)
		}
		if hUUID == nil {
			continue
		}
		h.UUID, h.Name, h.Type = *hUUID, *hName, *hType
		h.Reserved, h.OnMaintenance, h.MaintenanceByLazarus = *reserved, *maint, *maintByUs
		if h.HeartbeatAt != nil {
			t := h.HeartbeatAt.UTC()
			h.HeartbeatAt = &t
		}
		if lrNotif != nil {
			h.LastRecovery = &StatusRecoveryRef{NotificationUUID: *lrNotif, Kind: *lrKind, State: *lrState,
				NotificationStatus: *lrStatus, CreatedAt: lrCreated.UTC(), FinishedAt: utcPtr(lrFinished)}
		}
		last := &snap.Segments[len(snap.Segments)-1]
		last.Hosts = append(last.Hosts, h)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list segments and hosts: %w", err)
	}
	for i := range snap.Segments {
		for j := range snap.Segments[i].Hosts {
			h := &snap.Segments[i].Hosts[j]
			index[h.UUID] = h
		}
	}

	drows, err := tx.Query(ctx, `SELECT `+fenceDeviceSelect+` FROM `+fenceDeviceFrom+`
		WHERE NOT d.deleted AND NOT h.deleted ORDER BY h.name, d.level, d.id`)
	if err != nil {
		return fmt.Errorf("list fence devices: %w", err)
	}
	defer drows.Close()
	for drows.Next() {
		d, err := scanFenceDevice(drows)
		if err != nil {
			return fmt.Errorf("scan fence device: %w", err)
		}
		if h := index[d.HostUUID]; h != nil {
			h.FenceDevices = append(h.FenceDevices, d)
		}
	}
	if err := drows.Err(); err != nil {
		return fmt.Errorf("list fence devices: %w", err)
	}
	return nil
}

func statusRecoveries(ctx context.Context, tx pgx.Tx, snap *StatusSnapshot, recent int) error {
	rows, err := tx.Query(ctx, `
		SELECT r.uuid::text, r.notification_uuid::text, n.type, n.status, COALESCE(n.message, ''), r.kind,
			r.host_uuid::text, r.host_name, r.segment_uuid::text, s.name, r.state, COALESCE(r.hold_reason, ''),
			r.attempt, COALESCE(r.lease_owner, ''), n.generated_time, r.created_at, r.finished_at
		FROM recoveries r
		JOIN notifications n ON n.notification_uuid = r.notification_uuid
		JOIN segments s ON s.uuid = r.segment_uuid
		WHERE r.state <> 'done'
			OR r.id IN (SELECT id FROM recoveries WHERE state = 'done' ORDER BY finished_at DESC NULLS LAST, id DESC LIMIT $1)
		ORDER BY r.state = 'done', r.created_at DESC, r.id DESC`, recent)
	if err != nil {
		return fmt.Errorf("list recoveries: %w", err)
	}
	defer rows.Close()
	byUUID := map[string]int{}
	byNotification := map[string]int{}
	var ids, notifs []string
	for rows.Next() {
		var r StatusRecovery
		if err := rows.Scan(&r.UUID, &r.NotificationUUID, &r.NotificationType, &r.NotificationStatus, &r.Message, &r.Kind,
			&r.HostUUID, &r.HostName, &r.SegmentUUID, &r.SegmentName, &r.State, &r.HoldReason,
			&r.Attempt, &r.LeaseOwner, &r.GeneratedTime, &r.CreatedAt, &r.FinishedAt); err != nil {
			return fmt.Errorf("scan recovery: %w", err)
		}
		r.GeneratedTime, r.CreatedAt, r.FinishedAt = r.GeneratedTime.UTC(), r.CreatedAt.UTC(), utcPtr(r.FinishedAt)
		byUUID[r.UUID] = len(snap.Recoveries)
		byNotification[r.NotificationUUID] = len(snap.Recoveries)
		ids, notifs = append(ids, r.UUID), append(notifs, r.NotificationUUID)
		snap.Recoveries = append(snap.Recoveries, r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list recoveries: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}

	srows, err := tx.Query(ctx, `
		SELECT recovery_uuid::text, name, item, phase, state, progress, message, owner, epoch, created_at
		FROM recovery_steps WHERE recovery_uuid = ANY($1::uuid[]) ORDER BY id`, ids)
	if err != nil {
		return fmt.Errorf("read recovery journals: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		var rid string
		var e StepEntry
		if err := srows.Scan(&rid, &e.Name, &e.Item, &e.Phase, &e.State, &e.Progress, &e.Message, &e.Owner, &e.Epoch, &e.CreatedAt); err != nil {
			return fmt.Errorf("scan journal row: %w", err)
		}
		e.CreatedAt = e.CreatedAt.UTC()
		r := &snap.Recoveries[byUUID[rid]]
		r.Steps = append(r.Steps, e)
	}
	if err := srows.Err(); err != nil {
		return fmt.Errorf("read recovery journals: %w", err)
	}

	vrows, err := tx.Query(ctx, `
		SELECT notification_uuid::text, instance_uuid::text, instance_name, source_host, COALESCE(dest_host, ''),
			status, COALESCE(message, ''), start_time, end_time
		FROM vmoves WHERE notification_uuid = ANY($1::uuid[]) AND NOT deleted ORDER BY id`, notifs)
	if err != nil {
		return fmt.Errorf("list vmoves: %w", err)
	}
	defer vrows.Close()
	for vrows.Next() {
		var nid string
		var m StatusVMove
		if err := vrows.Scan(&nid, &m.InstanceUUID, &m.InstanceName, &m.SourceHost, &m.DestHost, &m.Status, &m.Message,
			&m.StartTime, &m.EndTime); err != nil {
			return fmt.Errorf("scan vmove: %w", err)
		}
		m.StartTime, m.EndTime = utcPtr(m.StartTime), utcPtr(m.EndTime)
		r := &snap.Recoveries[byNotification[nid]]
		r.VMoves = append(r.VMoves, m)
	}
	if err := vrows.Err(); err != nil {
		return fmt.Errorf("list vmoves: %w", err)
	}
	return nil
}
