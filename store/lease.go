package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// LeaseAcquire takes or renews the named lease (e.g. "leader") for owner
// for ttl. It succeeds when the lease is free, expired, or already owner's;
// the epoch grows each time the lease changes hands, never on a renewal.
// ok is false when another owner holds it.
func (s *Store) LeaseAcquire(ctx context.Context, name, owner string, ttl time.Duration) (epoch int64, ok bool, err error) {
	err = s.pool.QueryRow(ctx, `
		INSERT INTO leases (name, owner, epoch, expires_at)
		VALUES ($1, $2, 1, now() + ($3::float8 * interval '1 second'))
		ON CONFLICT (name) DO UPDATE SET
			epoch = CASE WHEN leases.owner = EXCLUDED.owner THEN leases.epoch ELSE leases.epoch + 1 END,
			owner = EXCLUDED.owner,
			expires_at = EXCLUDED.expires_at
		WHERE leases.owner = EXCLUDED.owner OR leases.expires_at < now()
		RETURNING epoch`, name, owner, ttl.Seconds()).Scan(&epoch)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	return epoch, true, nil
}

// LeaseRelease gives the named lease up if owner holds it, so another
// engine can take it without waiting for expiry.
func (s *Store) LeaseRelease(ctx context.Context, name, owner string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM leases WHERE name = $1 AND owner = $2`, name, owner); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// LeaseHolder returns the current, unexpired holder of the named lease, or
// "" when nobody holds it.
func (s *Store) LeaseHolder(ctx context.Context, name string) (string, error) {
	var owner string
	err := s.pool.QueryRow(ctx, `SELECT owner FROM leases WHERE name = $1 AND expires_at > now()`, name).Scan(&owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read lease %s: %w", name, err)
	}
	return owner, nil
}
