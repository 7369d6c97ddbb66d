// Package storetest gives tests their own PostgreSQL database, migrated to
// the latest schema and dropped when the test ends.
//
// The server comes from TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable, the CI server).
// A test that cannot reach it fails, unless LAZARUS_SKIP_DB_TESTS is set:
// the tests that matter talk to a real database.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lazarus-ha/lazarus/migrations"
	"github.com/lazarus-ha/lazarus/store"
)

// DefaultURL is the server tests use when TEST_DATABASE_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// ServerURL is the admin URL of the test server.
func ServerURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// NewDatabase creates an empty database on the test server, named after a
// random suffix, and returns its URL. It is dropped in t.Cleanup.
func NewDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		if os.Getenv("LAZARUS_SKIP_DB_TESTS") != "" {
			t.Skipf("no test database (LAZARUS_SKIP_DB_TESTS set): %v", err)
		}
		t.Fatalf("connect to test database server %s: %v (set TEST_DATABASE_URL, or start PostgreSQL: .ci/run does)", ServerURL(), err)
	}
	defer admin.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "lazarus_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, ServerURL())
		if err != nil {
			t.Logf("drop test database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(ServerURL())
	if err != nil || u.Scheme == "" {
		t.Fatalf("TEST_DATABASE_URL must be a postgres:// URL, got %q", ServerURL())
	}
	u.Path = "/" + name
	return u.String()
}

// NewMigratedDatabase is NewDatabase with the latest schema applied.
func NewMigratedDatabase(t testing.TB) string {
	t.Helper()
	dbURL := NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect to test database: %v", err)
	}
	defer conn.Close(ctx)
	if _, _, err := migrations.Migrate(ctx, conn, nil); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return dbURL
}

// NewStore returns a Store on a fresh, migrated database, closed at cleanup.
func NewStore(t testing.TB) *store.Store {
	t.Helper()
	dbURL := NewMigratedDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatalf("open pool: %v", err)
	}
	t.Cleanup(pool.Close)
	return store.New(pool)
}
