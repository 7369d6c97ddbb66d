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

// ErrLeaseLost means the recovery's lease is no longer held by the caller:
// it expired and another engine claimed it (its epoch moved on), or the
// recovery ended. The caller must stop acting on the recovery at once.
var ErrLeaseLost = errors.New("recovery lease lost")

// Recovery kinds, one per notification type the engine acts on.
const (
	RecoveryKindHost     = "host"
	RecoveryKindInstance = "instance"
	RecoveryKindProcess  = "process"
)

// Recovery states. pending and held recoveries are claimable once their
// run_after has passed; a running one is claimable once its lease expired.
const (
	RecoveryStatePending = "pending"
	RecoveryStateRunning = "running"
	RecoveryStateHeld    = "held"
	RecoveryStateDone    = "done"
)

// Lease identifies one ownership term of a recovery: who holds it and under
// which epoch (fencing token). Every checkpoint is checked against it.
type Lease struct {
	RecoveryUUID string
	Owner        string
	Epoch        int64
}

// Recovery is a claimed recovery with what the flows need of its
// notification, host and segment.
type Recovery struct {
	UUID             string
	NotificationUUID string
	Kind             string
	HostUUID         string
	HostName         string
	SegmentUUID      string
	State            string
	HoldReason       string
	Attempt          int
	Lease            Lease
	LeaseExpiresAt   time.Time
	CreatedAt        time.Time

	NotificationType string
	Payload          map[string]string
	GeneratedTime    time.Time
	// EventID is set when the notification came from a monitor event
	// (through the intake) rather than the API.
	EventID        string
	RecoveryMethod string
	SegmentEnabled bool
}

// RecoveryCreateResult says what RecoveryCreateFromNew did with one
// notification.
type RecoveryCreateResult struct {
	NotificationUUID string
	// RecoveryUUID is set when a recovery was created.
	RecoveryUUID string
	// Status is the notification's status afterwards (running, or ignored
	// when the segment is disabled or the failure merged into an active
	// recovery of the same host).
	Status  string
	Message string
}

// RecoveryCreateFromNew takes up to limit notifications in status new
// (FOR UPDATE SKIP LOCKED, so engines never take the same one) and, in the
// same transaction, creates their recovery and marks them running. A host
// failure for a host that already has an active recovery merges into it:
// the notification becomes ignored and its observers join the active one.
// A notification of a disabled segment is ignored, as in Masakari.
func (s *Store) RecoveryCreateFromNew(ctx context.Context, limit int) ([]RecoveryCreateResult, error) {
	var out []RecoveryCreateResult
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT n.notification_uuid::text, n.type, n.source_host_uuid::text, h.name,
			       n.failover_segment_uuid::text, s.enabled
			FROM notifications n
			JOIN hosts h ON h.uuid = n.source_host_uuid
			JOIN segments s ON s.uuid = n.failover_segment_uuid
			WHERE n.status = 'new' AND NOT n.deleted
			ORDER BY n.id
			LIMIT $1
			FOR UPDATE OF n SKIP LOCKED`, limit)
		if err != nil {
			return fmt.Errorf("select new notifications: %w", err)
		}
		type cand struct {
			notif, typ, host, hostName, seg string
			enabled                         bool
		}
		var cands []cand
		for rows.Next() {
			var c cand
			if err := rows.Scan(&c.notif, &c.typ, &c.host, &c.hostName, &c.seg, &c.enabled); err != nil {
				rows.Close()
				return fmt.Errorf("scan new notification: %w", err)
			}
			cands = append(cands, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("select new notifications: %w", err)
		}
		for _, c := range cands {
			res := RecoveryCreateResult{NotificationUUID: c.notif}
			if !c.enabled {
				res.Status, res.Message = "ignored", "Recovery aborted: the segment HA is disabled."
			} else {
				kind := RecoveryKindHost
				switch c.typ {
				case "VM":
					kind = RecoveryKindInstance
				case "PROCESS":
					kind = RecoveryKindProcess
				}
				recUUID := uuid.NewString()
				tag, err := tx.Exec(ctx, `
					INSERT INTO recoveries (uuid, notification_uuid, kind, host_uuid, host_name, segment_uuid)
					VALUES ($1, $2, $3, $4, $5, $6)
					ON CONFLICT (host_name) WHERE kind = 'host' AND state IN ('pending', 'running', 'held')
					DO NOTHING`, recUUID, c.notif, kind, c.host, c.hostName, c.seg)
				if err != nil {
					return fmt.Errorf("insert recovery for notification %s: %w", c.notif, err)
				}
				if tag.RowsAffected() == 1 {
					res.RecoveryUUID, res.Status = recUUID, "running"
				} else {
					var active string
					if err := tx.QueryRow(ctx, `
						SELECT notification_uuid::text FROM recoveries
						WHERE host_name = $1 AND kind = 'host' AND state IN ('pending', 'running', 'held')`,
						c.hostName).Scan(&active); err != nil {
						return fmt.Errorf("find active recovery of host %s: %w", c.hostName, err)
					}
					if _, err := tx.Exec(ctx, `
						INSERT INTO notification_observers (notification_uuid, event_id, observer, monitor, payload, evidence, received_at)
						SELECT $1, event_id, observer, monitor, payload, evidence, received_at
						FROM notification_observers WHERE notification_uuid = $2
						ON CONFLICT DO NOTHING`, active, c.notif); err != nil {
						return fmt.Errorf("merge observers into notification %s: %w", active, err)
					}
					res.Status = "ignored"
					res.Message = "Merged into the active recovery of host " + c.hostName + " (notification " + active + ")."
				}
			}
			if _, err := tx.Exec(ctx, `
				UPDATE notifications SET status = $2, message = NULLIF($3, ''), updated_at = now()
				WHERE notification_uuid = $1`, c.notif, res.Status, res.Message); err != nil {
				return fmt.Errorf("update notification %s: %w", c.notif, err)
			}
			out = append(out, res)
		}
		return nil
	})
	return out, err
}

// RecoveryClaimParams are the arguments of RecoveryClaim.
type RecoveryClaimParams struct {
	Owner string
	TTL   time.Duration
	Limit int
}

const recoveryColumns = `
	r.uuid::text, r.notification_uuid::text, r.kind, r.host_uuid::text, r.host_name,
	r.segment_uuid::text, r.state, COALESCE(r.hold_reason, ''), r.attempt,
	COALESCE(r.lease_owner, ''), r.lease_epoch, COALESCE(r.lease_expires_at, 'epoch'::timestamptz), r.created_at,
	n.type, n.payload, n.generated_time, COALESCE(n.event_id, ''), s.recovery_method, s.enabled`

func scanRecovery(row pgx.Row) (*Recovery, error) {
	var r Recovery
	var payload []byte
	if err := row.Scan(&r.UUID, &r.NotificationUUID, &r.Kind, &r.HostUUID, &r.HostName,
		&r.SegmentUUID, &r.State, &r.HoldReason, &r.Attempt,
		&r.Lease.Owner, &r.Lease.Epoch, &r.LeaseExpiresAt, &r.CreatedAt,
		&r.NotificationType, &payload, &r.GeneratedTime, &r.EventID, &r.RecoveryMethod, &r.SegmentEnabled); err != nil {
		return nil, err
	}
	r.Lease.RecoveryUUID = r.UUID
	if len(payload) > 0 {
		if err := json.Unmarshal(payload, &r.Payload); err != nil {
			return nil, fmt.Errorf("decode payload of notification %s: %w", r.NotificationUUID, err)
		}
	}
	return &r, nil
}

// RecoveryClaim takes up to Limit recoveries that are due: pending or held
// ones whose run_after passed, and running ones whose lease expired (their
// engine died or stalled). Each claim bumps the epoch, so the previous
// owner's checkpoints fail from now on.
func (s *Store) RecoveryClaim(ctx context.Context, p *RecoveryClaimParams) ([]*Recovery, error) {
	rows, err := s.pool.Query(ctx, `
		WITH due AS (
			SELECT uuid FROM recoveries
			WHERE (state IN ('pending', 'held') AND run_after <= now())
			   OR (state = 'running' AND lease_expires_at < now())
			ORDER BY run_after, id
			LIMIT $3
			FOR UPDATE SKIP LOCKED
		), claimed AS (
			UPDATE recoveries r SET state = 'running', lease_owner = $1, lease_epoch = r.lease_epoch + 1,
				lease_expires_at = now() + ($2::float8 * interval '1 second'), updated_at = now()
			FROM due WHERE r.uuid = due.uuid
			RETURNING r.*
		)
		SELECT `+recoveryColumns+`
		FROM claimed r
		JOIN notifications n ON n.notification_uuid = r.notification_uuid
		JOIN segments s ON s.uuid = r.segment_uuid`, p.Owner, p.TTL.Seconds(), p.Limit)
	if err != nil {
		return nil, fmt.Errorf("claim recoveries: %w", err)
	}
	defer rows.Close()
	var out []*Recovery
	for rows.Next() {
		r, err := scanRecovery(rows)
		if err != nil {
			return nil, fmt.Errorf("scan claimed recovery: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim recoveries: %w", err)
	}
	return out, nil
}

// RecoveryGet reads one recovery by its uuid.
func (s *Store) RecoveryGet(ctx context.Context, recoveryUUID string) (*Recovery, error) {
	r, err := scanRecovery(s.pool.QueryRow(ctx, `SELECT `+recoveryColumns+`
		FROM recoveries r
		JOIN notifications n ON n.notification_uuid = r.notification_uuid
		JOIN segments s ON s.uuid = r.segment_uuid
		WHERE r.uuid = $1`, recoveryUUID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("recovery %s: %w", recoveryUUID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get recovery %s: %w", recoveryUUID, err)
	}
	return r, nil
}

// RecoveryGetByNotification reads the recovery of a notification.
func (s *Store) RecoveryGetByNotification(ctx context.Context, notificationUUID string) (*Recovery, error) {
	var id string
	err := s.pool.QueryRow(ctx, `SELECT uuid::text FROM recoveries WHERE notification_uuid = $1`, notificationUUID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("recovery of notification %s: %w", notificationUUID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get recovery of notification %s: %w", notificationUUID, err)
	}
	return s.RecoveryGet(ctx, id)
}

// RecoveryLeaseRenew extends the lease by ttl if the caller still holds it.
// It returns the new expiry as the database sees it, or ErrLeaseLost.
func (s *Store) RecoveryLeaseRenew(ctx context.Context, l Lease, ttl time.Duration) (time.Time, error) {
	var exp time.Time
	err := s.pool.QueryRow(ctx, `
		UPDATE recoveries SET lease_expires_at = now() + ($4::float8 * interval '1 second')
		WHERE uuid = $1 AND lease_owner = $2 AND lease_epoch = $3 AND state = 'running'
		  AND lease_expires_at > now()
		RETURNING lease_expires_at`, l.RecoveryUUID, l.Owner, l.Epoch, ttl.Seconds()).Scan(&exp)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, ErrLeaseLost
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("renew lease of recovery %s: %w", l.RecoveryUUID, err)
	}
	return exp, nil
}

// RecoveryTx runs fn in a transaction that first locks the recovery row and
// checks that l is still its current, unexpired lease. If not, nothing is
// written and ErrLeaseLost is returned. Every checkpoint goes through here,
// which is what makes a paused ex-owner's write fail (invariant 2).
//
// The row is locked FOR SHARE: checkpoints of one recovery (one per
// instance being evacuated) run side by side, while a claim or renewal,
// which updates the row, waits for them and they for it, so no checkpoint
// commits under an epoch that has already moved on.
func (s *Store) RecoveryTx(ctx context.Context, l Lease, fn func(pgx.Tx) error) error {
	return s.recoveryTx(ctx, l, "FOR SHARE", fn)
}

func (s *Store) recoveryTx(ctx context.Context, l Lease, lock string, fn func(pgx.Tx) error) error {
	return s.InTx(ctx, func(tx pgx.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `
			SELECT 1 FROM recoveries
			WHERE uuid = $1 AND lease_owner = $2 AND lease_epoch = $3 AND state = 'running'
			  AND lease_expires_at > now()
			`+lock, l.RecoveryUUID, l.Owner, l.Epoch).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrLeaseLost
		}
		if err != nil {
			return fmt.Errorf("check lease of recovery %s: %w", l.RecoveryUUID, err)
		}
		return fn(tx)
	})
}

// RecoveryHold parks a recovery in state held with reason (shown as the
// notification's message) until recheck has passed; then any engine claims
// it again and re-evaluates. The lease is given up.
func (s *Store) RecoveryHold(ctx context.Context, l Lease, reason string, recheck time.Duration) error {
	return s.recoveryTx(ctx, l, "FOR UPDATE", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			UPDATE recoveries SET state = 'held', hold_reason = $2, run_after = now() + ($3::float8 * interval '1 second'),
				lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
			WHERE uuid = $1`, l.RecoveryUUID, reason, recheck.Seconds()); err != nil {
			return fmt.Errorf("hold recovery: %w", err)
		}
		if _, err := tx.Exec(ctx, `
			UPDATE notifications SET message = $2, updated_at = now()
			WHERE notification_uuid = (SELECT notification_uuid FROM recoveries WHERE uuid = $1)`,
			l.RecoveryUUID, "Recovery held: "+reason); err != nil {
			return fmt.Errorf("record hold reason: %w", err)
		}
		return nil
	})
}

// RecoveryDefer gives a recovery back as pending, due after delay, keeping
// its journal. It is used to wait for something outside (Nova noticing a
// dead host) without holding a worker, and when an engine stops.
func (s *Store) RecoveryDefer(ctx context.Context, l Lease, delay time.Duration) error {
	return s.recoveryTx(ctx, l, "FOR UPDATE", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			UPDATE recoveries SET state = 'pending', run_after = now() + ($2::float8 * interval '1 second'),
				lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
			WHERE uuid = $1`, l.RecoveryUUID, delay.Seconds())
		if err != nil {
			return fmt.Errorf("defer recovery: %w", err)
		}
		return nil
	})
}

// RecoveryFinish ends a recovery and sets its notification's final status
// and message, in one lease-checked transaction.
func (s *Store) RecoveryFinish(ctx context.Context, l Lease, status, message string) error {
	return s.recoveryTx(ctx, l, "FOR UPDATE", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			UPDATE recoveries SET state = 'done', hold_reason = NULL, finished_at = now(),
				lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
			WHERE uuid = $1`, l.RecoveryUUID); err != nil {
			return fmt.Errorf("finish recovery: %w", err)
		}
		if _, err := tx.Exec(ctx, `
			UPDATE notifications SET status = $2, message = NULLIF($3, ''), updated_at = now()
			WHERE notification_uuid = (SELECT notification_uuid FROM recoveries WHERE uuid = $1)`,
			l.RecoveryUUID, status, message); err != nil {
			return fmt.Errorf("set notification status: %w", err)
		}
		return nil
	})
}

// RecoveryActiveForHost returns the notification uuid of the host's active
// host recovery, or ErrNotFound.
func (s *Store) RecoveryActiveForHost(ctx context.Context, hostName string) (string, error) {
	var n string
	err := s.pool.QueryRow(ctx, `
		SELECT notification_uuid::text FROM recoveries
		WHERE host_name = $1 AND kind = 'host' AND state IN ('pending', 'running', 'held')`, hostName).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("active recovery of host %s: %w", hostName, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("find active recovery of host %s: %w", hostName, err)
	}
	return n, nil
}
