package storetest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// PrivateServer is a PostgreSQL server of a test's own, on its own port and
// data directory, run as the postgres user: for tests that stop or restart
// the database (the shared server is never restarted).
type PrivateServer struct {
	// Dir holds the data directory, the socket and the server log.
	Dir string
	// Port is its TCP port on 127.0.0.1.
	Port int
	// URL is the admin URL of its postgres database.
	URL string
}

// StartPrivateServer runs initdb in a new directory and starts the server;
// it is stopped (immediate) and removed in t.Cleanup. It needs the
// PostgreSQL server binaries (Debian's postgresql package) and root, to run
// them as postgres.
func StartPrivateServer(t testing.TB) *PrivateServer {
	t.Helper()
	if _, err := exec.LookPath(pgBin("initdb")); err != nil {
		t.Fatalf("initdb not found on PATH or in /usr/lib/postgresql/*/bin: %v (PostgreSQL server binaries are needed; make services installs them)", err)
	}
	dir, err := os.MkdirTemp("", "lazarus-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("chown", "postgres", dir).CombinedOutput(); err != nil {
		t.Fatalf("chown postgres %s: %v: %s", dir, err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	p := &PrivateServer{Dir: dir, Port: port, URL: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)}
	if out, err := asPostgres("initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "-A", "trust", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v: %s", err, out)
	}
	p.Ctl(t, "start")
	t.Cleanup(func() { _ = asPostgres("pg_ctl", "-D", filepath.Join(dir, "data"), "-m", "immediate", "stop").Run() })
	return p
}

// Ctl runs pg_ctl ACTION (start, stop, restart; fast shutdown) and waits
// for it to complete.
func (p *PrivateServer) Ctl(t testing.TB, action string) {
	t.Helper()
	if err := p.TryCtl(action); err != nil {
		t.Fatal(err)
	}
}

// TryCtl is Ctl returning the error.
func (p *PrivateServer) TryCtl(action string) error {
	out, err := asPostgres("pg_ctl", "-D", filepath.Join(p.Dir, "data"), "-w", "-m", "fast", "-l", filepath.Join(p.Dir, "log"),
		"-o", fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c max_connections=200", p.Port, p.Dir), action).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl %s: %v: %s", action, err, out)
	}
	return nil
}

// asPostgres runs a PostgreSQL server command as the postgres user.
func asPostgres(args ...string) *exec.Cmd {
	args = append([]string{pgBin(args[0])}, args[1:]...)
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return exec.Command("su", "postgres", "-s", "/bin/sh", "-c", strings.Join(quoted, " "))
}

// pgBin finds a server binary: on PATH, else in Debian's
// /usr/lib/postgresql/<version>/bin (the newest version there).
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
