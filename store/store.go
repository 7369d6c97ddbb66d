package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrNotFound means the row asked for does not exist (or is soft-deleted).
var ErrNotFound = errors.New("not found")

// ErrConflict means the write would break a uniqueness or in-use rule.
var ErrConflict = errors.New("conflict")

// ChannelNotification is the LISTEN/NOTIFY channel on which new
// notifications are announced to the engines, after their commit and
// batched: the payload is the id of the latest one.
const ChannelNotification = "lazarus_notification"

// Store wraps a pgx pool. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	wake waker
}

// New returns a Store on an existing pool.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Open connects a pool to url with at most maxConns connections and checks
// that the database answers.
func Open(ctx context.Context, url string, maxConns int) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", redactErr(err))
	}
	if maxConns > 0 {
		cfg.MaxConns = int32(maxConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return &Store{pool: pool}, nil
}

// Pool gives the underlying pool (for LISTEN connections and migrations).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close closes the pool.
func (s *Store) Close() { s.pool.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// InTx runs fn in a transaction, committing if fn returns nil and rolling
// back otherwise.
func (s *Store) InTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// isUniqueViolation reports whether err is a unique_violation (23505).
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// redactErr keeps a password in a malformed URL out of error messages.
func redactErr(err error) error {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return errors.New("invalid connection string (not shown, it may contain a password)")
	}
	return err
}
