package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Host is a compute host in a failover segment.
type Host struct {
	ID                int64
	UUID              string
	Name              string
	FailoverSegmentID string // the segment's uuid
	// Segment is the host's segment, always loaded (Masakari's responses
	// embed it).
	Segment           *Segment
	Type              string
	ControlAttributes string
	Reserved          bool
	OnMaintenance     bool
	// MaintenanceByLazarus is set by the engine when it put the host in
	// maintenance itself (not a Masakari field, never shown by the API).
	MaintenanceByLazarus bool
	CreatedAt            time.Time
	UpdatedAt            *time.Time
	DeletedAt            *time.Time
	Deleted              bool
}

// hostColumns are the columns a host list may sort by.
var hostColumns = []string{"id", "uuid", "name", "failover_segment_id", "type", "control_attributes", "reserved", "on_maintenance", "created_at", "updated_at", "deleted_at", "deleted"}

const hostSelect = `t.id, t.uuid::text, t.name, t.failover_segment_id::text, t.type, t.control_attributes, t.reserved, t.on_maintenance, t.maintenance_by_lazarus, t.created_at, t.updated_at, t.deleted_at, t.deleted,
	s.id, s.uuid::text, s.name, s.service_type, s.description, s.recovery_method, s.enabled, s.created_at, s.updated_at, s.deleted_at, s.deleted`

const hostFrom = `hosts t JOIN segments s ON s.uuid = t.failover_segment_id`

func scanHost(row pgx.Row) (*Host, error) {
	var h Host
	var s Segment
	err := row.Scan(&h.ID, &h.UUID, &h.Name, &h.FailoverSegmentID, &h.Type, &h.ControlAttributes, &h.Reserved, &h.OnMaintenance, &h.MaintenanceByLazarus, &h.CreatedAt, &h.UpdatedAt, &h.DeletedAt, &h.Deleted,
		&s.ID, &s.UUID, &s.Name, &s.ServiceType, &s.Description, &s.RecoveryMethod, &s.Enabled, &s.CreatedAt, &s.UpdatedAt, &s.DeletedAt, &s.Deleted)
	if err != nil {
		return nil, err
	}
	h.CreatedAt = h.CreatedAt.UTC()
	h.UpdatedAt = utcPtr(h.UpdatedAt)
	h.DeletedAt = utcPtr(h.DeletedAt)
	utcSegment(&s)
	h.Segment = &s
	return &h, nil
}

// HostInsertParams are the fields of a new host.
type HostInsertParams struct {
	SegmentUUID       string
	Name              string
	Type              string
	ControlAttributes string
	Reserved          bool
	OnMaintenance     bool
}

// HostInsert creates a host in a live segment. Errors: segment missing
// (ErrNotFound, "No failover segment with id X."), name taken by a live
// host anywhere (ErrConflict, "Host with name X already exists.").
func (s *Store) HostInsert(ctx context.Context, p *HostInsertParams) (*Host, error) {
	var out *Host
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		// A share lock keeps the segment from being deleted under us.
		if _, err := segmentGet(ctx, tx, p.SegmentUUID, "FOR SHARE"); err != nil {
			return err
		}
		id := uuid.NewString()
		_, err := tx.Exec(ctx, `INSERT INTO hosts (uuid, name, failover_segment_id, type, control_attributes, reserved, on_maintenance)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, p.Name, p.SegmentUUID, p.Type, p.ControlAttributes, p.Reserved, p.OnMaintenance)
		if err != nil {
			if isUniqueViolation(err) {
				return conflict(ErrConflict, "Host with name %s already exists.", p.Name)
			}
			return fmt.Errorf("insert host: %w", err)
		}
		out, err = scanHost(tx.QueryRow(ctx, `SELECT `+hostSelect+` FROM `+hostFrom+` WHERE t.uuid = $1`, id))
		if err != nil {
			return fmt.Errorf("read new host: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// HostGetByUUIDParams name a host, optionally within a segment.
type HostGetByUUIDParams struct {
	UUID string
	// SegmentUUID, when set, requires the host to be in that segment.
	SegmentUUID string
}

// HostGetByUUID returns a live host. Not found (or not a uuid): an error
// wrapping ErrNotFound with Masakari's message ("No host with id X.", or
// "Host 'h' under failover_segment 's' could not be found.").
func (s *Store) HostGetByUUID(ctx context.Context, p *HostGetByUUIDParams) (*Host, error) {
	return hostGet(ctx, s.pool, p, "")
}

func hostGet(ctx context.Context, q querier, p *HostGetByUUIDParams, lock string) (*Host, error) {
	if !canonicalUUID(p.UUID) {
		return nil, notFound("No host with id %s.", p.UUID)
	}
	sql := `SELECT ` + hostSelect + ` FROM ` + hostFrom + ` WHERE t.uuid = $1 AND NOT t.deleted`
	args := []any{p.UUID}
	if p.SegmentUUID != "" {
		if !canonicalUUID(p.SegmentUUID) {
			return nil, notFound("Host '%s' under failover_segment '%s' could not be found.", p.UUID, p.SegmentUUID)
		}
		sql += ` AND t.failover_segment_id = $2`
		args = append(args, p.SegmentUUID)
	}
	h, err := scanHost(q.QueryRow(ctx, sql+" "+lock, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		if p.SegmentUUID != "" {
			return nil, notFound("Host '%s' under failover_segment '%s' could not be found.", p.UUID, p.SegmentUUID)
		}
		return nil, notFound("No host with id %s.", p.UUID)
	}
	if err != nil {
		return nil, fmt.Errorf("get host: %w", err)
	}
	return h, nil
}

// HostGetByName returns the live host with that name (names are globally
// unique), or an error wrapping ErrNotFound: "Host with name X could not
// be found.".
func (s *Store) HostGetByName(ctx context.Context, name string) (*Host, error) {
	return hostGetByName(ctx, s.pool, name, "")
}

func hostGetByName(ctx context.Context, q querier, name, lock string) (*Host, error) {
	h, err := scanHost(q.QueryRow(ctx, `SELECT `+hostSelect+` FROM `+hostFrom+` WHERE t.name = $1 AND NOT t.deleted `+lock, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("Host with name %s could not be found.", name)
	}
	if err != nil {
		return nil, fmt.Errorf("get host by name: %w", err)
	}
	return h, nil
}

// HostListParams filter and page the hosts of a segment. Masakari accepts
// name and control_attributes filters but ignores them; so do we (the API
// does not pass them).
type HostListParams struct {
	ListParams
	// SegmentUUID limits the list to one segment (empty: all segments).
	SegmentUUID   string
	Type          *string
	OnMaintenance *bool
	Reserved      *bool
}

// HostList returns the live hosts matching p.
func (s *Store) HostList(ctx context.Context, p *HostListParams) ([]*Host, error) {
	q := &listQuery{table: "hosts", columns: hostColumns}
	if p.SegmentUUID != "" {
		if !canonicalUUID(p.SegmentUUID) {
			return []*Host{}, nil
		}
		q.where = append(q.where, "t.failover_segment_id = "+q.arg(p.SegmentUUID))
	}
	if p.Type != nil {
		q.where = append(q.where, "t.type = "+q.arg(*p.Type))
	}
	if p.OnMaintenance != nil {
		q.where = append(q.where, "t.on_maintenance = "+q.arg(*p.OnMaintenance))
	}
	if p.Reserved != nil {
		q.where = append(q.where, "t.reserved = "+q.arg(*p.Reserved))
	}
	return listRows(ctx, s, q, p.ListParams, hostSelect, hostFrom, scanHost)
}

// HostUpdateParams change a host; nil fields stay as they are. A host
// cannot move to another segment.
type HostUpdateParams struct {
	UUID              string
	SegmentUUID       string // the segment the host must be in
	Name              *string
	Type              *string
	ControlAttributes *string
	Reserved          *bool
	OnMaintenance     *bool
}

// HostUpdate changes a host, refused (ErrSegmentInUse, "Host X can't be
// updated as it is in-use to process notifications.") while its segment
// processes notifications. The segment row is locked for the duration, so
// no notification of the segment is inserted between check and update.
func (s *Store) HostUpdate(ctx context.Context, p *HostUpdateParams) (*Host, error) {
	var out *Host
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		h, err := lockHostAndSegment(ctx, tx, p.UUID, p.SegmentUUID)
		if err != nil {
			return err
		}
		inUse, err := segmentInUse(ctx, tx, h.FailoverSegmentID)
		if err != nil {
			return err
		}
		if inUse {
			return conflict(ErrSegmentInUse, "Host %s can't be updated as it is in-use to process notifications.", h.UUID)
		}
		_, err = tx.Exec(ctx, `UPDATE hosts SET
			name = COALESCE($2, name),
			type = COALESCE($3, type),
			control_attributes = COALESCE($4, control_attributes),
			reserved = COALESCE($5, reserved),
			on_maintenance = COALESCE($6, on_maintenance),
			maintenance_by_lazarus = CASE WHEN $6 IS NOT NULL THEN false ELSE maintenance_by_lazarus END,
			updated_at = date_trunc('second', now())
			WHERE uuid = $1`, p.UUID, p.Name, p.Type, p.ControlAttributes, p.Reserved, p.OnMaintenance)
		if err != nil {
			if isUniqueViolation(err) {
				name := ""
				if p.Name != nil {
					name = *p.Name
				}
				return conflict(ErrConflict, "Host with name %s already exists.", name)
			}
			return fmt.Errorf("update host: %w", err)
		}
		out, err = hostGet(ctx, tx, &HostGetByUUIDParams{UUID: p.UUID}, "")
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// lockHostAndSegment finds the host (in segmentUUID if set) and locks its
// segment's row, then the host's.
func lockHostAndSegment(ctx context.Context, tx pgx.Tx, hostUUID, segmentUUID string) (*Host, error) {
	h, err := hostGet(ctx, tx, &HostGetByUUIDParams{UUID: hostUUID, SegmentUUID: segmentUUID}, "")
	if err != nil {
		return nil, err
	}
	if _, err := segmentGet(ctx, tx, h.FailoverSegmentID, "FOR UPDATE"); err != nil {
		return nil, err
	}
	// Re-read under lock: the host may have gone meanwhile.
	return hostGet(ctx, tx, &HostGetByUUIDParams{UUID: hostUUID, SegmentUUID: segmentUUID}, "FOR UPDATE OF t")
}

// HostDeleteParams name the host to delete.
type HostDeleteParams struct {
	UUID        string
	SegmentUUID string
}

// HostDelete soft-deletes a host, refused (ErrSegmentInUse) while its
// segment processes notifications.
func (s *Store) HostDelete(ctx context.Context, p *HostDeleteParams) error {
	return s.InTx(ctx, func(tx pgx.Tx) error {
		h, err := lockHostAndSegment(ctx, tx, p.UUID, p.SegmentUUID)
		if err != nil {
			return err
		}
		inUse, err := segmentInUse(ctx, tx, h.FailoverSegmentID)
		if err != nil {
			return err
		}
		if inUse {
			return conflict(ErrSegmentInUse, "Host %s can't be deleted as it is in-use to process notifications.", h.UUID)
		}
		if _, err := tx.Exec(ctx, `UPDATE hosts SET deleted = true, deleted_at = date_trunc('second', now()) WHERE uuid = $1`, p.UUID); err != nil {
			return fmt.Errorf("delete host: %w", err)
		}
		return nil
	})
}
