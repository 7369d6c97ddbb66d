package migrations_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/migrations"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(ctx) })
	return conn
}

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := connect(t, storetest.NewDatabase(t))

	from, to, err := migrations.Migrate(ctx, conn, nil)
	require.NoError(t, err)
	require.Equal(t, int32(0), from)
	require.Equal(t, migrations.Latest(), to)

	from, to, err = migrations.Migrate(ctx, conn, nil)
	require.NoError(t, err)
	require.Equal(t, migrations.Latest(), from)
	require.Equal(t, migrations.Latest(), to)

	cur, latest, err := migrations.Status(ctx, conn)
	require.NoError(t, err)
	require.Equal(t, latest, cur)
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := connect(t, storetest.NewDatabase(t))
	_, _, err := migrations.Migrate(ctx, conn, nil)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "UPDATE "+migrations.VersionTable+" SET version = $1", migrations.Latest()+5)
	require.NoError(t, err)

	_, _, err = migrations.Migrate(ctx, conn, nil)
	var tooNew *migrations.ErrSchemaTooNew
	require.True(t, errors.As(err, &tooNew), "got %v", err)
	require.Equal(t, migrations.Latest()+5, tooNew.Database)
	// Nothing was changed: the version is still the newer one.
	var v int32
	require.NoError(t, conn.QueryRow(ctx, "SELECT version FROM "+migrations.VersionTable).Scan(&v))
	require.Equal(t, migrations.Latest()+5, v)
}
