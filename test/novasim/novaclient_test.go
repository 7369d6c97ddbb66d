package novasim_test

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/test/novasim"
)

// systemPython is Debian's python3, where python3-novaclient (a dependency
// of the openstack CLI that make services installs) lives.
const systemPython = "/usr/bin/python3"

// TestPythonNovaclient drives the simulator with python-novaclient at 2.53,
// the client Masakari uses, so the simulator answers what a real client
// expects: keystone auth, force_down, disable_log_reason, evacuate refused
// then accepted, migrations — and Masakari's one-page server listing.
func TestPythonNovaclient(t *testing.T) {
	t.Parallel()
	if err := exec.Command(systemPython, "-c", "import novaclient, keystoneauth1").Run(); err != nil {
		t.Fatalf("python3-novaclient is missing (%v): run make services (it installs python3-openstackclient)", err)
	}
	sim := novasim.New(novasim.Options{MaxLimit: 3, EvacuateDelay: time.Hour})
	srv := httptest.NewServer(sim)
	t.Cleanup(func() {
		srv.Close()
		sim.Close()
	})
	require.NoError(t, sim.AddHost(novasim.HostSpec{Name: "compute-1"}))
	require.NoError(t, sim.AddHost(novasim.HostSpec{Name: "compute-2"}))
	for range 5 {
		_, err := sim.AddServer(novasim.ServerSpec{Host: "compute-1", TenantID: "someone-else"})
		require.NoError(t, err)
	}
	require.NoError(t, sim.KillHost("compute-1"))

	cmd := exec.Command(systemPython, "testdata/novaclient_check.py")
	cmd.Env = append(os.Environ(), "NOVASIM_URL="+srv.URL, "SERVER_HOST=compute-1", "NOVASIM_PASSWORD="+novasim.DefaultPassword)
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Fatalf("novaclient script failed: %v\n%s", err, ee.Stderr)
	}
	require.NoError(t, err)
	var got struct {
		Service      []any   `json:"service"`
		OnePage      int     `json:"one_page"`
		AllPages     int     `json:"all_pages"`
		Refused      string  `json:"refused"`
		ServiceAfter []any   `json:"service_after"`
		Migrations   [][]any `json:"migrations"`
		Server       []any   `json:"server"`
	}
	require.NoError(t, json.Unmarshal(out, &got), "%s", out)
	svc, _ := sim.Service("compute-1")
	require.Equal(t, []any{svc.ID, "up", "enabled", false}, got.Service)
	require.Equal(t, 3, got.OnePage, "Masakari's listing stops at max_limit")
	require.Equal(t, 5, got.AllPages)
	require.Contains(t, got.Refused, "Compute service of compute-1 is still in use.")
	require.Equal(t, []any{"down", "disabled", true, "Masakari detected host failed."}, got.ServiceAfter)
	require.Equal(t, [][]any{{"evacuation", "compute-1"}}, got.Migrations)
	require.Equal(t, []any{"active", "rebuilding", false}, got.Server)
}
