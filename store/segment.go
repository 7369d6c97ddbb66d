package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Segment is a failover segment: a group of compute hosts that fail over
// to each other (Masakari's FailoverSegment).
type Segment struct {
	ID             int64
	UUID           string
	Name           string
	ServiceType    string
	Description    *string
	RecoveryMethod string
	Enabled        bool
	CreatedAt      time.Time
	UpdatedAt      *time.Time
	DeletedAt      *time.Time
	Deleted        bool
}

// segmentColumns are the columns a list may sort by (every Masakari column).
var segmentColumns = []string{"id", "uuid", "name", "service_type", "description", "recovery_method", "enabled", "created_at", "updated_at", "deleted_at", "deleted"}

const segmentSelect = `t.id, t.uuid::text, t.name, t.service_type, t.description, t.recovery_method, t.enabled, t.created_at, t.updated_at, t.deleted_at, t.deleted`

func scanSegment(row pgx.Row) (*Segment, error) {
	var s Segment
	err := row.Scan(&s.ID, &s.UUID, &s.Name, &s.ServiceType, &s.Description, &s.RecoveryMethod, &s.Enabled, &s.CreatedAt, &s.UpdatedAt, &s.DeletedAt, &s.Deleted)
	if err != nil {
		return nil, err
	}
	utcSegment(&s)
	return &s, nil
}

func utcSegment(s *Segment) {
	s.CreatedAt = s.CreatedAt.UTC()
	s.UpdatedAt = utcPtr(s.UpdatedAt)
	s.DeletedAt = utcPtr(s.DeletedAt)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// SegmentInsertParams are the fields of a new segment.
type SegmentInsertParams struct {
	Name           string
	ServiceType    string
	Description    *string
	RecoveryMethod string
	Enabled        bool
}

// SegmentInsert creates a segment with a new uuid. A live segment with the
// same name gives an error wrapping ErrConflict.
func (s *Store) SegmentInsert(ctx context.Context, p *SegmentInsertParams) (*Segment, error) {
	row := s.pool.QueryRow(ctx, `INSERT INTO segments (uuid, name, service_type, description, recovery_method, enabled)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+segmentSelectNoAlias,
		uuid.NewString(), p.Name, p.ServiceType, p.Description, p.RecoveryMethod, p.Enabled)
	seg, err := scanSegment(row)
	if err != nil {
		if isUniqueViolation(err) {
			return nil, conflict(ErrConflict, "Failover segment with name %s already exists.", p.Name)
		}
		return nil, fmt.Errorf("insert segment: %w", err)
	}
	return seg, nil
}

const segmentSelectNoAlias = `id, uuid::text, name, service_type, description, recovery_method, enabled, created_at, updated_at, deleted_at, deleted`

// SegmentGetByUUID returns the live segment with that uuid, or an error
// wrapping ErrNotFound (also for a string that is not a uuid).
func (s *Store) SegmentGetByUUID(ctx context.Context, id string) (*Segment, error) {
	return segmentGet(ctx, s.pool, id, "")
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func segmentGet(ctx context.Context, q querier, id, lock string) (*Segment, error) {
	if !canonicalUUID(id) {
		return nil, notFound("No failover segment with id %s.", id)
	}
	seg, err := scanSegment(q.QueryRow(ctx, `SELECT `+segmentSelect+` FROM segments t WHERE t.uuid = $1 AND NOT t.deleted `+lock, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("No failover segment with id %s.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get segment: %w", err)
	}
	return seg, nil
}

// SegmentListParams filter and page a segment list. Filters are exact
// matches; nil means no filter.
type SegmentListParams struct {
	ListParams
	RecoveryMethod *string
	ServiceType    *string
	// Enabled is compared with the boolean column; Masakari passes the raw
	// query string to SQLAlchemy, so we accept what PostgreSQL accepts as a
	// boolean literal (true/false, t/f, yes/no, on/off, 1/0) and reject the
	// rest with an ErrInvalid.
	Enabled *string
}

// SegmentList returns the live segments matching p.
func (s *Store) SegmentList(ctx context.Context, p *SegmentListParams) ([]*Segment, error) {
	q, err := segmentListQuery(p)
	if err != nil {
		return nil, err
	}
	return listRows(ctx, s, q, p.ListParams, segmentSelect, "segments t", scanSegment)
}

func segmentListQuery(p *SegmentListParams) (*listQuery, error) {
	q := &listQuery{table: "segments", columns: segmentColumns}
	if p.RecoveryMethod != nil {
		q.where = append(q.where, "t.recovery_method = "+q.arg(*p.RecoveryMethod))
	}
	if p.ServiceType != nil {
		q.where = append(q.where, "t.service_type = "+q.arg(*p.ServiceType))
	}
	if p.Enabled != nil {
		b, ok := pgBool(*p.Enabled)
		if !ok {
			return nil, invalid("Invalid input received: Invalid value for enabled: %s", *p.Enabled)
		}
		q.where = append(q.where, "t.enabled = "+q.arg(b))
	}
	return q, nil
}

// pgBool parses a boolean the way PostgreSQL's boolin does.
func pgBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "t", "tr", "tru", "true", "y", "ye", "yes", "on", "1":
		return true, true
	case "f", "fa", "fal", "fals", "false", "n", "no", "of", "off", "0":
		return false, true
	}
	return false, false
}

// SegmentUpdateParams change a segment; nil fields stay as they are.
type SegmentUpdateParams struct {
	UUID           string
	Name           *string
	ServiceType    *string
	RecoveryMethod *string
	Enabled        *bool
	// SetDescription says whether Description is to be written (it may be
	// set to NULL).
	SetDescription bool
	Description    *string
}

// segmentInUse is Masakari's is_failover_segment_under_recovery: any live
// notification new, running or in error whose source host is a live host of
// the segment.
func segmentInUse(ctx context.Context, tx pgx.Tx, segmentUUID string) (bool, error) {
	var inUse bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM notifications n
		WHERE NOT n.deleted AND n.status IN ('new', 'running', 'error')
		AND n.source_host_uuid IN (SELECT h.uuid FROM hosts h WHERE h.failover_segment_id = $1 AND NOT h.deleted))`, segmentUUID).Scan(&inUse)
	if err != nil {
		return false, fmt.Errorf("check segment in use: %w", err)
	}
	return inUse, nil
}

// SegmentInUse reports whether a notification of the segment is new,
// running or in error, the rule that blocks segment and host changes.
func (s *Store) SegmentInUse(ctx context.Context, segmentUUID string) (bool, error) {
	var inUse bool
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		inUse, err = segmentInUse(ctx, tx, segmentUUID)
		return err
	})
	return inUse, err
}

// SegmentUpdate changes a segment in one transaction that locks its row
// (NotificationInsert takes a share lock on it, so a segment cannot be
// changed between a notification's checks and its insert). Errors: not
// found (ErrNotFound), in use (ErrSegmentInUse), name taken (ErrConflict).
func (s *Store) SegmentUpdate(ctx context.Context, p *SegmentUpdateParams) (*Segment, error) {
	var out *Segment
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := segmentGet(ctx, tx, p.UUID, "FOR UPDATE"); err != nil {
			return err
		}
		inUse, err := segmentInUse(ctx, tx, p.UUID)
		if err != nil {
			return err
		}
		if inUse {
			return conflict(ErrSegmentInUse, "Failover segment %s can't be updated as it is in-use to process notifications.", p.UUID)
		}
		row := tx.QueryRow(ctx, `UPDATE segments SET
			name = COALESCE($2, name),
			service_type = COALESCE($3, service_type),
			recovery_method = COALESCE($4, recovery_method),
			enabled = COALESCE($5, enabled),
			description = CASE WHEN $6 THEN $7 ELSE description END,
			updated_at = date_trunc('second', now())
			WHERE uuid = $1 AND NOT deleted RETURNING `+segmentSelectNoAlias,
			p.UUID, p.Name, p.ServiceType, p.RecoveryMethod, p.Enabled, p.SetDescription, p.Description)
		out, err = scanSegment(row)
		if err != nil {
			if isUniqueViolation(err) {
				name := ""
				if p.Name != nil {
					name = *p.Name
				}
				return conflict(ErrConflict, "Failover segment with name %s already exists.", name)
			}
			return fmt.Errorf("update segment: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SegmentDelete soft-deletes a segment and all its hosts, refused with an
// error wrapping ErrSegmentInUse while the segment processes notifications.
func (s *Store) SegmentDelete(ctx context.Context, id string) error {
	return s.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := segmentGet(ctx, tx, id, "FOR UPDATE"); err != nil {
			return err
		}
		inUse, err := segmentInUse(ctx, tx, id)
		if err != nil {
			return err
		}
		if inUse {
			return conflict(ErrSegmentInUse, "Failover segment (%s) can't be deleted as it is in-use to process notifications.", id)
		}
		if _, err := tx.Exec(ctx, `UPDATE segments SET deleted = true, deleted_at = date_trunc('second', now()) WHERE uuid = $1 AND NOT deleted`, id); err != nil {
			return fmt.Errorf("delete segment: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE hosts SET deleted = true, deleted_at = date_trunc('second', now()) WHERE failover_segment_id = $1 AND NOT deleted`, id); err != nil {
			return fmt.Errorf("delete hosts of segment: %w", err)
		}
		return nil
	})
}
