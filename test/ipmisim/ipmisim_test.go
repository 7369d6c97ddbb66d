package ipmisim_test

import (
	"os/exec"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/test/ipmisim"
)

// TestPowerThroughIpmitool drives the simulators with ipmitool, an
// independent client, and checks that power off really stops the host.
func TestPowerThroughIpmitool(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("ipmitool"); err != nil {
		t.Fatalf("ipmitool not installed (run make services): %v", err)
	}
	bmcs := ipmisim.Start(t, 3)
	for _, b := range bmcs {
		require.True(t, b.HostAlive(), "host %s runs at start", b.Name)
	}
	b := bmcs[1]
	require.Contains(t, ipmitool(t, b, "chassis", "power", "status"), "is on")
	ipmitool(t, b, "chassis", "power", "off")
	require.Contains(t, ipmitool(t, b, "chassis", "power", "status"), "is off")
	require.False(t, b.HostAlive(), "power off kills the host process")
	require.True(t, bmcs[0].HostAlive(), "the other hosts are untouched")
	require.True(t, bmcs[2].HostAlive(), "the other hosts are untouched")
	ipmitool(t, b, "chassis", "power", "on")
	require.True(t, b.HostAlive(), "power on starts a host process again")
	require.Equal(t, []string{"get power", "set power 0", "get power", "set power 1"}, b.HookCalls())
}

func TestStopAndPause(t *testing.T) {
	t.Parallel()
	b := ipmisim.Start(t, 1)[0]
	require.True(t, b.Ready(t.Context()))
	require.NoError(t, b.Pause())
	require.False(t, b.Ready(t.Context()), "a paused BMC answers nothing")
	require.NoError(t, b.Resume())
	require.True(t, b.Ready(t.Context()))
	b.Stop()
	require.False(t, b.Ready(t.Context()))
	require.True(t, b.HostAlive(), "a dead BMC does not stop its host")
}

func ipmitool(t *testing.T, b *ipmisim.BMC, args ...string) string {
	t.Helper()
	// ipmitool reads the password from IPMI_PASSWORD with -E, keeping it out of argv.
	cmd := exec.Command("ipmitool", append([]string{"-I", "lanplus", "-C", "3", "-H", b.Address, "-p", strconv.Itoa(b.Port), "-U", b.Username, "-E"}, args...)...)
	cmd.Env = append(cmd.Environ(), "IPMI_PASSWORD="+b.Password)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "ipmitool %v: %s", args, out)
	return string(out)
}

func TestLaunchCreatesDir(t *testing.T) {
	t.Parallel()
	s, err := ipmisim.Launch(t.TempDir()+"/nested/bmc", ipmisim.Options{Count: 1, StartOff: true, HostCommand: "exec sleep 1000"})
	require.NoError(t, err)
	defer s.Close()
	require.False(t, s.BMCs[0].HostAlive())
	require.NoError(t, s.BMCs[0].PowerOnHost())
	require.True(t, s.BMCs[0].HostAlive())
}
