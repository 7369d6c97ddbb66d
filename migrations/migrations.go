// Package migrations holds Lazarus's numbered SQL migrations, embedded in
// every binary, and applies them with jackc/tern.
//
// Files are named NNN_what.sql; the part above the line
// "---- create above / drop below ----" migrates up, the part below down.
// Migrate refuses to touch a database whose schema is newer than the
// migrations this binary carries: an old binary must never "downgrade" a
// schema a newer release created.
package migrations

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/tern/v2/migrate"
)

//go:embed *.sql
var files embed.FS

// VersionTable is the table where the applied schema version is kept.
const VersionTable = "lazarus_schema_version"

// ErrSchemaTooNew is returned when the database is ahead of this binary.
type ErrSchemaTooNew struct{ Database, Binary int32 }

func (e *ErrSchemaTooNew) Error() string {
	return fmt.Sprintf("database schema is at version %d but this binary knows only up to %d: upgrade Lazarus before running it against this database", e.Database, e.Binary)
}

func newMigrator(ctx context.Context, conn *pgx.Conn) (*migrate.Migrator, error) {
	m, err := migrate.NewMigrator(ctx, conn, VersionTable)
	if err != nil {
		return nil, fmt.Errorf("create migrator: %w", err)
	}
	if err := m.LoadMigrations(files); err != nil {
		return nil, fmt.Errorf("load embedded migrations: %w", err)
	}
	return m, nil
}

// Latest is the schema version this binary's migrations lead to.
func Latest() int32 {
	names, err := migrate.FindMigrations(files)
	if err != nil {
		panic("migrations: embedded files are broken: " + err.Error())
	}
	return int32(len(names))
}

// Status reports the database's schema version and the latest known.
func Status(ctx context.Context, conn *pgx.Conn) (current, latest int32, err error) {
	m, err := newMigrator(ctx, conn)
	if err != nil {
		return 0, 0, err
	}
	current, err = m.GetCurrentVersion(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("read schema version: %w", err)
	}
	return current, int32(len(m.Migrations)), nil
}

// Migrate brings the schema to the latest version. It is idempotent, safe to
// run from several processes at once (tern takes an advisory lock), and
// refuses a schema newer than it knows. onStart, if not nil, is told of each
// migration as it begins.
func Migrate(ctx context.Context, conn *pgx.Conn, onStart func(seq int32, name string)) (from, to int32, err error) {
	m, err := newMigrator(ctx, conn)
	if err != nil {
		return 0, 0, err
	}
	from, err = m.GetCurrentVersion(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("read schema version: %w", err)
	}
	latest := int32(len(m.Migrations))
	if from > latest {
		return from, from, &ErrSchemaTooNew{Database: from, Binary: latest}
	}
	if onStart != nil {
		m.OnStart = func(seq int32, name, _, _ string) { onStart(seq, name) }
	}
	if err := m.Migrate(ctx); err != nil {
		return from, 0, fmt.Errorf("migrate: %w", err)
	}
	return from, latest, nil
}
