package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/migrations"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

func TestDBSyncIdempotentAndVersion(t *testing.T) {
	t.Parallel()
	conf := filepath.Join(t.TempDir(), "lazarus.conf")
	require.NoError(t, os.WriteFile(conf, []byte("[database]\nconnection = "+storetest.NewDatabase(t)+"\n"), 0o600))
	manage := func(args ...string) (string, error) {
		cmd := newDBCmd()
		cmd.PersistentFlags().String("config", conf, "")
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		cmd.SetArgs(args)
		err := cmd.Execute()
		return out.String(), err
	}
	out, err := manage("version")
	require.NoError(t, err)
	require.Contains(t, out, "database: 0\n")
	out, err = manage("sync")
	require.NoError(t, err)
	require.Contains(t, out, "applying migration 1: 001_initial.sql")
	out, err = manage("sync")
	require.NoError(t, err, "db sync is idempotent")
	require.Contains(t, out, "schema already at version")
	out, err = manage("version")
	require.NoError(t, err)
	require.Contains(t, out, fmt.Sprintf("database: %d\nlatest: %d\n", migrations.Latest(), migrations.Latest()))
}
