package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// VMoveRecord is one instance's move off a failed host (Masakari microversion
// 1.3). The engine writes these rows; the API only reads them.
type VMoveRecord struct {
	ID               int64
	UUID             string
	NotificationUUID string
	InstanceUUID     string
	InstanceName     string
	SourceHost       string
	DestHost         *string
	StartTime        *time.Time
	EndTime          *time.Time
	Type             string
	Status           string
	Message          *string
	CreatedAt        time.Time
	UpdatedAt        *time.Time
	DeletedAt        *time.Time
	Deleted          bool
}

var vmoveColumns = []string{"id", "uuid", "notification_uuid", "instance_uuid", "instance_name", "source_host", "dest_host", "start_time", "end_time", "type", "status", "message", "created_at", "updated_at", "deleted_at", "deleted"}

const vmoveSelect = `t.id, t.uuid::text, t.notification_uuid::text, t.instance_uuid::text, t.instance_name, t.source_host, t.dest_host, t.start_time, t.end_time, t.type, t.status, t.message, t.created_at, t.updated_at, t.deleted_at, t.deleted`

func scanVMove(row pgx.Row) (*VMoveRecord, error) {
	var v VMoveRecord
	err := row.Scan(&v.ID, &v.UUID, &v.NotificationUUID, &v.InstanceUUID, &v.InstanceName, &v.SourceHost, &v.DestHost, &v.StartTime, &v.EndTime, &v.Type, &v.Status, &v.Message, &v.CreatedAt, &v.UpdatedAt, &v.DeletedAt, &v.Deleted)
	if err != nil {
		return nil, err
	}
	v.StartTime = utcPtr(v.StartTime)
	v.EndTime = utcPtr(v.EndTime)
	v.CreatedAt = v.CreatedAt.UTC()
	v.UpdatedAt = utcPtr(v.UpdatedAt)
	v.DeletedAt = utcPtr(v.DeletedAt)
	return &v, nil
}

// VMoveListParams filter and page the moves of one notification.
type VMoveListParams struct {
	ListParams
	NotificationUUID string
	Type             *string
	Status           *string
}

// VMoveList returns the live moves of a notification matching p.
func (s *Store) VMoveList(ctx context.Context, p *VMoveListParams) ([]*VMoveRecord, error) {
	if !canonicalUUID(p.NotificationUUID) {
		return []*VMoveRecord{}, nil
	}
	q := &listQuery{table: "vmoves", columns: vmoveColumns}
	q.where = append(q.where, "t.notification_uuid = "+q.arg(p.NotificationUUID))
	if p.Type != nil {
		q.where = append(q.where, "t.type = "+q.arg(*p.Type))
	}
	if p.Status != nil {
		q.where = append(q.where, "t.status = "+q.arg(*p.Status))
	}
	return listRows(ctx, s, q, p.ListParams, vmoveSelect, "vmoves t", scanVMove)
}

// VMoveGetByUUIDParams name a move of a notification.
type VMoveGetByUUIDParams struct {
	NotificationUUID string
	UUID             string
}

// VMoveGetByUUID returns a live move of the notification, or an error
// wrapping ErrNotFound: "No vm move with id X.".
func (s *Store) VMoveGetByUUID(ctx context.Context, p *VMoveGetByUUIDParams) (*VMoveRecord, error) {
	if !canonicalUUID(p.UUID) || !canonicalUUID(p.NotificationUUID) {
		return nil, notFound("No vm move with id %s.", p.UUID)
	}
	v, err := scanVMove(s.pool.QueryRow(ctx, `SELECT `+vmoveSelect+` FROM vmoves t WHERE t.uuid = $1 AND t.notification_uuid = $2 AND NOT t.deleted`, p.UUID, p.NotificationUUID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("No vm move with id %s.", p.UUID)
	}
	if err != nil {
		return nil, fmt.Errorf("get vm move: %w", err)
	}
	return v, nil
}
