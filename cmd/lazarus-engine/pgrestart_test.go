package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/migrations"
	"github.com/lazarus-ha/lazarus/test/novasim"
)

// privatePostgres is a PostgreSQL server of this test's own (the shared
// one is never restarted), run as the postgres user.
type privatePostgres struct {
	dir  string
	port int
	url  string
}

// asPostgres runs a PostgreSQL server command as the postgres user.
// Debian keeps initdb and pg_ctl in /usr/lib/postgresql/<version>/bin, off
// PATH; the newest version there is used when PATH has none.
func asPostgres(args ...string) *exec.Cmd {
	args = append([]string{pgBin(args[0])}, args[1:]...)
	return exec.Command("su", "postgres", "-s", "/bin/sh", "-c", shellJoin(args))
}

func pgBin(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	slices.SortFunc(found, func(a, b string) int { return pgVersion(a) - pgVersion(b) })
	if len(found) == 0 {
		return name
	}
	return found[len(found)-1]
}

// pgVersion is the major version in /usr/lib/postgresql/<version>/bin/X.
func pgVersion(path string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return v
}

func shellJoin(args []string) string {
	out := ""
	for i, a := range args {
		if i > 0 {
			out += " "
		}
		out += "'" + a + "'"
	}
	return out
}

func startPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	if _, err := exec.LookPath(pgBin("initdb")); err != nil {
		t.Fatalf("initdb not found on PATH or in /usr/lib/postgresql/*/bin: %v (PostgreSQL server binaries are needed; make services installs them)", err)
	}
	dir, err := os.MkdirTemp("", "lazarus-pg-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	out, err := exec.Command("chown", "postgres", dir).CombinedOutput()
	require.NoError(t, err, string(out))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	p := &privatePostgres{dir: dir, port: port, url: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)}
	out, err = asPostgres("initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "-A", "trust", "--no-sync").CombinedOutput()
	require.NoError(t, err, string(out))
	p.ctl(t, "start")
	t.Cleanup(func() { _ = asPostgres("pg_ctl", "-D", filepath.Join(dir, "data"), "-m", "immediate", "stop").Run() })
	return p
}

func (p *privatePostgres) ctl(t *testing.T, action string) {
	t.Helper()
	out, err := asPostgres("pg_ctl", "-D", filepath.Join(p.dir, "data"), "-w", "-m", "fast", "-l", filepath.Join(p.dir, "log"),
		"-o", fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c max_connections=200", p.port, p.dir), action).CombinedOutput()
	require.NoError(t, err, string(out))
}

// TestE2EPostgresRestartMidEvacuation: the database restarts while an
// engine evacuates a host; the recovery still ends with every instance
// evacuated exactly once (invariant 3).
func TestE2EPostgresRestartMidEvacuation(t *testing.T) {
	t.Parallel()
	pg := startPrivatePostgres(t)
	conn, err := pgx.Connect(context.Background(), pg.url)
	require.NoError(t, err)
	_, _, err = migrations.Migrate(context.Background(), conn, nil)
	require.NoError(t, err)
	conn.Close(context.Background())

	c := newCloudOn(t, novasim.Options{ServiceDownTime: time.Second, EvacuateDelay: 400 * time.Millisecond}, pg.url)
	c.addHost("c1", true)
	c.addHost("c2", false)
	c.addHost("c3", false)
	ids := c.addServers("c1", 24, true)
	c.startEngine("engine-a")
	require.NoError(t, c.sim.KillHost("c1"))
	c.publish("ev-1", "c2", "c1", stopped)
	waitFor(t, "evacuations to start", 2*time.Minute, func() bool { return len(c.sim.EvacuateCalls()) >= 5 })
	pg.ctl(t, "restart")
	require.Less(t, len(c.sim.EvacuateCalls()), len(ids), "restarted mid-evacuation")
	status, msg := c.waitStatus("ev-1", "finished", "error")
	require.Equal(t, "finished", status, msg)
	for _, id := range ids {
		require.Equal(t, 1, c.sim.EvacuateCount(id), "instance %s evacuated exactly once", id)
		s, _ := c.sim.Server(id)
		require.NotEqual(t, "c1", s.Host)
	}
}
