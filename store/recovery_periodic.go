package store

import (
	"context"
	"fmt"
	"time"
)

// RecoveryRetryErrored gives every notification in error whose recovery
// has run fewer than maxAttempts times another run (recovery pending again,
// attempt+1, notification running); those that used their attempts become
// failed. With maxAttempts 2 this is Masakari's "retry error once, then
// failed". The resumed recovery skips the steps its journal shows done.
func (s *Store) RecoveryRetryErrored(ctx context.Context, maxAttempts int) (retried, failed int, err error) {
	tag, err := s.pool.Exec(ctx, `
		WITH r AS (
			UPDATE recoveries r SET state = 'pending', attempt = r.attempt + 1, run_after = now(),
				finished_at = NULL, updated_at = now()
			FROM notifications n
			WHERE n.notification_uuid = r.notification_uuid AND n.status = 'error' AND NOT n.deleted
			  AND r.state = 'done' AND r.attempt < $1
			RETURNING r.notification_uuid
		)
		UPDATE notifications n SET status = 'running', updated_at = now()
		FROM r WHERE n.notification_uuid = r.notification_uuid`, maxAttempts)
	if err != nil {
		return 0, 0, fmt.Errorf("retry errored notifications: %w", err)
	}
	retried = int(tag.RowsAffected())
	tag, err = s.pool.Exec(ctx, `
		UPDATE notifications n SET status = 'failed', updated_at = now()
		WHERE n.status = 'error' AND NOT n.deleted
		  AND NOT EXISTS (SELECT 1 FROM recoveries r WHERE r.notification_uuid = n.notification_uuid
		                  AND (r.state <> 'done' OR r.attempt < $1))`, maxAttempts)
	if err != nil {
		return retried, 0, fmt.Errorf("fail errored notifications: %w", err)
	}
	return retried, int(tag.RowsAffected()), nil
}

// RecoveryExpire fails notifications new, running or in error whose
// generated_time is older than age, as Masakari's expiry task does, and
// ends their recoveries, except those an engine is working on right now
// (live lease): a recovery that is still making progress is not cut off.
func (s *Store) RecoveryExpire(ctx context.Context, age time.Duration) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `
		WITH expired AS (
			UPDATE notifications n SET status = 'failed', updated_at = now(),
				message = COALESCE(n.message || ' ', '') || 'Expired.'
			WHERE n.status IN ('new', 'running', 'error') AND NOT n.deleted
			  AND n.generated_time < now() - ($1::float8 * interval '1 second')
			  AND NOT EXISTS (SELECT 1 FROM recoveries r WHERE r.notification_uuid = n.notification_uuid
			                  AND r.state = 'running' AND r.lease_expires_at > now())
			RETURNING n.notification_uuid
		), ended AS (
			UPDATE recoveries r SET state = 'done', finished_at = now(), lease_owner = NULL,
				lease_expires_at = NULL, updated_at = now()
			FROM expired e WHERE r.notification_uuid = e.notification_uuid AND r.state <> 'done'
			RETURNING 1
		)
		SELECT count(*) FROM expired`, age.Seconds()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("expire notifications: %w", err)
	}
	return n, nil
}
