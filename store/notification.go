package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Notification is a failure report from a monitor (or an operator): the
// unit of work of the engine.
type Notification struct {
	ID                  int64
	NotificationUUID    string
	GeneratedTime       time.Time
	SourceHostUUID      string
	FailoverSegmentUUID string
	Type                string
	Payload             map[string]string
	Status              string
	Message             *string
	EventID             *string
	CreatedAt           time.Time
	UpdatedAt           *time.Time
	DeletedAt           *time.Time
	Deleted             bool
}

// notificationColumns are the columns a notification list may sort by.
var notificationColumns = []string{"id", "notification_uuid", "generated_time", "source_host_uuid", "failover_segment_uuid", "type", "payload", "status", "message", "created_at", "updated_at", "deleted_at", "deleted"}

const notificationSelect = `t.id, t.notification_uuid::text, t.generated_time, t.source_host_uuid::text, t.failover_segment_uuid::text, t.type, t.payload, t.status, t.message, t.event_id, t.created_at, t.updated_at, t.deleted_at, t.deleted`

func scanNotification(row pgx.Row) (*Notification, error) {
	var n Notification
	err := row.Scan(&n.ID, &n.NotificationUUID, &n.GeneratedTime, &n.SourceHostUUID, &n.FailoverSegmentUUID, &n.Type, &n.Payload, &n.Status, &n.Message, &n.EventID, &n.CreatedAt, &n.UpdatedAt, &n.DeletedAt, &n.Deleted)
	if err != nil {
		return nil, err
	}
	if n.Payload == nil {
		n.Payload = map[string]string{}
	}
	n.GeneratedTime = n.GeneratedTime.UTC()
	n.CreatedAt = n.CreatedAt.UTC()
	n.UpdatedAt = utcPtr(n.UpdatedAt)
	n.DeletedAt = utcPtr(n.DeletedAt)
	return &n, nil
}

// ErrHostOnMaintenance is wrapped by NotificationInsert's error when the
// source host is on maintenance. It wraps ErrConflict.
var ErrHostOnMaintenance = fmt.Errorf("host on maintenance: %w", ErrConflict)

// ErrAlreadyExists is wrapped by NotificationInsert's error when a
// notification with the same EventID exists: the event was redelivered.
// The existing notification is returned alongside. It wraps ErrConflict.
var ErrAlreadyExists = fmt.Errorf("notification already exists: %w", ErrConflict)

// DuplicateError is NotificationInsert's refusal of a duplicate (same type,
// source host and payload, generated within the window). It wraps
// ErrConflict; Error is Masakari's message.
type DuplicateError struct {
	Existing *Notification
	Message  string
}

func (e *DuplicateError) Error() string { return e.Message }

// Unwrap returns ErrConflict.
func (e *DuplicateError) Unwrap() error { return ErrConflict }

// NotificationInsertParams describe a new notification. The API and the
// engine's intake both use it.
type NotificationInsertParams struct {
	Type          string // COMPUTE_HOST, VM or PROCESS
	Hostname      string // the source host's name
	GeneratedTime time.Time
	Payload       map[string]string
	// EventID is the optional idempotency id of a monitor event; a second
	// insert with the same id returns the first notification and
	// ErrAlreadyExists.
	EventID string
	// DuplicateWindow is [DEFAULT] duplicate_notification_detection_interval.
	DuplicateWindow time.Duration
}

// NotificationInsert checks and inserts a notification with status new, in
// one transaction, and once it is committed wakes the engines on
// ChannelNotification (Store.wakeEngines: batched, outside the
// transaction). Inserts that could be duplicates of each other (same host
// name, type and payload) are serialized with a transaction-scoped
// advisory lock, so two concurrent identical reports give one notification
// and one DuplicateError (Masakari's check races); different reports, even
// for one host, do not wait for each other's commit.
//
// Errors, in the order checked: EventID seen before (the existing
// notification and an error wrapping ErrAlreadyExists); no live host of
// that name (ErrNotFound, "Host with name X could not be found."); host on
// maintenance (ErrHostOnMaintenance); duplicate (*DuplicateError).
func (s *Store) NotificationInsert(ctx context.Context, p *NotificationInsertParams) (*Notification, error) {
	payload := p.Payload
	if payload == nil {
		payload = map[string]string{}
	}
	// The duplicate check compares type, host and payload: only reports
	// equal in all three can race each other. encoding/json sorts map
	// keys, so equal payloads give equal keys; a hash collision only
	// serializes two reports that need not be.
	key, err := json.Marshal([]any{p.Hostname, p.Type, payload})
	if err != nil {
		return nil, fmt.Errorf("encode duplicate key: %w", err)
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("acquire connection: %w", err)
	}
	defer conn.Release()
	out, err := notificationInsert(ctx, conn.Conn(), p, string(key), payload)
	if err != nil && p.EventID != "" && isUniqueViolation(err) {
		// The same event id with another payload (so under another lock)
		// committed first: a redelivery all the same.
		n, gerr := scanNotification(conn.QueryRow(ctx, `SELECT `+notificationSelect+` FROM notifications t WHERE t.event_id = $1`, p.EventID))
		if gerr == nil {
			return n, conflict(ErrAlreadyExists, "Notification for event %s already exists.", p.EventID)
		}
	}
	if err != nil {
		if errors.Is(err, ErrAlreadyExists) {
			return out, err
		}
		return nil, err
	}
	s.wakeEngines(out.NotificationUUID)
	return out, nil
}

// notificationInsert is NotificationInsert's transaction in two round
// trips: BEGIN, the lock and every check in one pipeline (statements run
// in order, so all the reads happen under the lock), then the INSERT and
// COMMIT in another. The segment is share-locked so that a concurrent
// segment or host update, which locks it exclusively, cannot pass its
// in-use check while this notification is being added; the host is read
// after that lock so its maintenance flag is current. Any failure rolls
// back (a connection left in a transaction is closed, and the pool drops
// it).
func notificationInsert(ctx context.Context, c *pgx.Conn, p *NotificationInsertParams, key string, payload map[string]string) (_ *Notification, err error) {
	committed := false
	defer func() {
		if committed || c.PgConn().TxStatus() == 'I' {
			return
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, rerr := c.Exec(rctx, "ROLLBACK"); rerr != nil {
			_ = c.Close(rctx)
		}
	}()
	var existing *Notification
	h, err := func() (*Host, error) {
		b := &pgx.Batch{}
		b.Queue("BEGIN")
		b.Queue(`SELECT pg_advisory_xact_lock(hashtext('lazarus.notification_insert'), hashtext($1))`, key)
		if p.EventID != "" {
			b.Queue(`SELECT `+notificationSelect+` FROM notifications t WHERE t.event_id = $1`, p.EventID)
		}
		b.Queue(`SELECT 1 FROM segments WHERE NOT deleted
			AND uuid = (SELECT failover_segment_id FROM hosts WHERE name = $1 AND NOT deleted) FOR SHARE`, p.Hostname)
		b.Queue(`SELECT `+hostSelect+` FROM `+hostFrom+` WHERE t.name = $1 AND NOT t.deleted`, p.Hostname)
		b.Queue(`SELECT `+notificationSelect+` FROM notifications t
			WHERE NOT t.deleted AND t.type = $1
			AND t.source_host_uuid = (SELECT uuid FROM hosts WHERE name = $2 AND NOT deleted)
			AND t.generated_time >= $3 AND t.payload = $4::jsonb
			ORDER BY t.id LIMIT 1`,
			p.Type, p.Hostname, p.GeneratedTime.Add(-p.DuplicateWindow), payload)
		br := c.SendBatch(ctx, b)
		defer br.Close()
		if _, err := br.Exec(); err != nil {
			return nil, fmt.Errorf("begin: %w", err)
		}
		if _, err := br.Exec(); err != nil {
			return nil, fmt.Errorf("lock reports of host %s: %w", p.Hostname, err)
		}
		if p.EventID != "" {
			n, err := scanNotification(br.QueryRow())
			switch {
			case err == nil:
				existing = n
				return nil, conflict(ErrAlreadyExists, "Notification for event %s already exists.", p.EventID)
			case !errors.Is(err, pgx.ErrNoRows):
				return nil, fmt.Errorf("look up event id: %w", err)
			}
		}
		var one int
		segErr := br.QueryRow().Scan(&one)
		if segErr != nil && !errors.Is(segErr, pgx.ErrNoRows) {
			return nil, fmt.Errorf("lock segment: %w", segErr)
		}
		h, err := scanHost(br.QueryRow())
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, notFound("Host with name %s could not be found.", p.Hostname)
		}
		if err != nil {
			return nil, fmt.Errorf("get host by name: %w", err)
		}
		if segErr != nil {
			return nil, notFound("No failover segment with id %s.", h.FailoverSegmentID)
		}
		if h.OnMaintenance {
			return nil, conflict(ErrHostOnMaintenance, "Notification received from host %s of type '%s' is ignored as the host is already under maintenance.", p.Hostname, p.Type)
		}
		dup, err := scanNotification(br.QueryRow())
		switch {
		case err == nil:
			return nil, &DuplicateError{Existing: dup, Message: fmt.Sprintf("Notification received from host %s of type %s is duplicate.", p.Hostname, p.Type)}
		case !errors.Is(err, pgx.ErrNoRows):
			return nil, fmt.Errorf("check duplicate: %w", err)
		}
		if err := br.Close(); err != nil {
			return nil, fmt.Errorf("check notification: %w", err)
		}
		return h, nil
	}()
	if err != nil {
		return existing, err
	}
	var eventID *string
	if p.EventID != "" {
		eventID = &p.EventID
	}
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO notifications
		(notification_uuid, generated_time, source_host_uuid, failover_segment_uuid, type, payload, status, event_id)
		VALUES ($1, $2, $3, $4, $5, $6, 'new', $7)
		RETURNING `+notificationSelectNoAlias,
		uuid.NewString(), p.GeneratedTime, h.UUID, h.FailoverSegmentID, p.Type, payload, eventID)
	b.Queue("COMMIT")
	br := c.SendBatch(ctx, b)
	defer br.Close()
	out, err := scanNotification(br.QueryRow())
	if err != nil {
		return nil, fmt.Errorf("insert notification: %w", err)
	}
	tag, err := br.Exec()
	if err != nil {
		return nil, fmt.Errorf("commit notification: %w", err)
	}
	if tag.String() != "COMMIT" {
		return nil, fmt.Errorf("commit notification: the server answered %s", tag)
	}
	if err := br.Close(); err != nil {
		return nil, fmt.Errorf("commit notification: %w", err)
	}
	committed = true
	return out, nil
}

const notificationSelectNoAlias = `id, notification_uuid::text, generated_time, source_host_uuid::text, failover_segment_uuid::text, type, payload, status, message, event_id, created_at, updated_at, deleted_at, deleted`

// NotificationGetByUUID returns a live notification, or an error wrapping
// ErrNotFound: "No notification with id X.".
func (s *Store) NotificationGetByUUID(ctx context.Context, id string) (*Notification, error) {
	if !canonicalUUID(id) {
		return nil, notFound("No notification with id %s.", id)
	}
	n, err := scanNotification(s.pool.QueryRow(ctx, `SELECT `+notificationSelect+` FROM notifications t WHERE t.notification_uuid = $1 AND NOT t.deleted`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("No notification with id %s.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get notification: %w", err)
	}
	return n, nil
}

// NotificationListParams filter and page a notification list.
type NotificationListParams struct {
	ListParams
	Status              *string
	SourceHostUUID      *string
	FailoverSegmentUUID *string
	Type                *string
	// GeneratedSince keeps notifications generated at or after it
	// (Masakari's "generated-since").
	GeneratedSince *time.Time
}

// NotificationList returns the live notifications matching p.
func (s *Store) NotificationList(ctx context.Context, p *NotificationListParams) ([]*Notification, error) {
	q := &listQuery{table: "notifications", columns: notificationColumns}
	for _, f := range []struct {
		col string
		val *string
	}{{"source_host_uuid", p.SourceHostUUID}, {"failover_segment_uuid", p.FailoverSegmentUUID}} {
		if f.val == nil {
			continue
		}
		if !canonicalUUID(*f.val) {
			// Not a uuid: nothing can match (the column is a uuid).
			return []*Notification{}, nil
		}
		q.where = append(q.where, "t."+f.col+" = "+q.arg(*f.val))
	}
	if p.Type != nil {
		q.where = append(q.where, "t.type = "+q.arg(*p.Type))
	}
	if p.Status != nil {
		q.where = append(q.where, "t.status = "+q.arg(*p.Status))
	}
	if p.GeneratedSince != nil {
		q.where = append(q.where, "t.generated_time >= "+q.arg(*p.GeneratedSince))
	}
	return listRows(ctx, s, q, p.ListParams, notificationSelect, "notifications t", scanNotification)
}
