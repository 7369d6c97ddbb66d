package agent_test

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/fencing"
	"github.com/lazarus-ha/lazarus/fencing/agent"
	"github.com/lazarus-ha/lazarus/test/ipmisim"
)

// ipmilan returns a fence_ipmilan device for b. The same scenarios as
// fencing/ipmi's tests run through it, so the two implementations agree.
func ipmilan(t *testing.T, b *ipmisim.BMC, mod ...func(*agent.Config)) *agent.Device {
	t.Helper()
	return ipmilanB(t, b, mod...)
}

func ipmilanB(t testing.TB, b *ipmisim.BMC, mod ...func(*agent.Config)) *agent.Device {
	t.Helper()
	cfg := agent.Config{
		Agent: "fence_ipmilan",
		Options: map[string]string{
			"ip": b.Address, "ipport": strconv.Itoa(b.Port), "username": b.Username,
			"lanplus": "1", "cipher": strconv.Itoa(b.CipherSuite),
			"power_wait": "0",
		},
		Password: b.Password,
		Timeout:  60 * time.Second,
	}
	for _, m := range mod {
		m(&cfg)
	}
	d, err := agent.New(cfg)
	require.NoError(t, err, "fence_ipmilan is installed (make services)")
	return d
}

func requireNoCycle(t *testing.T, b *ipmisim.BMC) {
	t.Helper()
	for _, c := range b.HookCalls() {
		require.False(t, strings.HasPrefix(c, "set reset"), "fencing reset %s: %v", b.Name, b.HookCalls())
		require.NotEqual(t, "set power 1", c, "fencing powered %s on: %v", b.Name, b.HookCalls())
	}
}

func TestIPMILanPowerOffVerified(t *testing.T) {
	t.Parallel()
	b := ipmisim.Start(t, 1)[0]
	rs, err := ipmilan(t, b).PowerOff(t.Context())
	require.NoError(t, err)
	require.False(t, b.HostAlive(), "the host process really died")
	require.Equal(t, fencing.PowerOff, rs[len(rs)-1].State)
	require.Contains(t, b.HookCalls(), "set power 0")
	requireNoCycle(t, b)
}

func TestIPMILanAlreadyOff(t *testing.T) {
	t.Parallel()
	b := ipmisim.StartWith(t, ipmisim.Options{Count: 1, StartOff: true})[0]
	rs, err := ipmilan(t, b).PowerOff(t.Context())
	require.NoError(t, err)
	require.Equal(t, fencing.PowerOff, rs[len(rs)-1].State)
	require.NotContains(t, b.HookCalls(), "set power 0", "fence_ipmilan sees it is already off")
	requireNoCycle(t, b)
}

func TestIPMILanStatusAndOn(t *testing.T) {
	t.Parallel()
	b := ipmisim.StartWith(t, ipmisim.Options{Count: 1, StartOff: true})[0]
	d := ipmilan(t, b)
	s, _, err := d.PowerStatus(t.Context())
	require.NoError(t, err)
	require.Equal(t, fencing.PowerOff, s)
	_, err = d.PowerOn(t.Context())
	require.NoError(t, err)
	require.True(t, b.HostAlive())
	require.NoError(t, d.Monitor(t.Context()))
}

func TestIPMILanFailures(t *testing.T) {
	t.Parallel()
	bmcs := ipmisim.Start(t, 2)
	cases := []struct {
		name  string
		bmc   *ipmisim.BMC
		setup func(*ipmisim.BMC)
		mod   func(*agent.Config)
		errIs error
	}{
		{
			// A hung BMC: fence_ipmilan gives up after power_timeout ("Connection timed out").
			name:  "hung bmc times out",
			bmc:   bmcs[0],
			setup: func(b *ipmisim.BMC) { require.NoError(t, b.Pause()); t.Cleanup(func() { _ = b.Resume() }) },
			mod:   func(c *agent.Config) { c.Options["power_timeout"] = "3" },
			errIs: fencing.ErrTimeout,
		},
		{
			// Wrong password: the RMCP+ session is refused, an authentication error as with go-ipmi.
			name:  "wrong password",
			bmc:   bmcs[1],
			mod:   func(c *agent.Config) { c.Password = "not-the-password" },
			errIs: fencing.ErrAuth,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.setup != nil {
				c.setup(c.bmc)
			}
			rs, err := ipmilan(t, c.bmc, c.mod).PowerOff(t.Context())
			require.ErrorIs(t, err, c.errIs)
			for _, r := range rs {
				require.NotEqual(t, fencing.PowerOff, r.State)
			}
			require.True(t, c.bmc.HostAlive())
			require.NotContains(t, err.Error(), c.bmc.Password)
		})
	}
}

// TestIPMILanPowerNeverDrops: fence_ipmilan, like fencing/ipmi, reports
// no success when the BMC acknowledges off but power stays on.
func TestIPMILanPowerNeverDrops(t *testing.T) {
	t.Parallel()
	b := ipmisim.Start(t, 1)[0]
	require.NoError(t, b.SetStuck(true))
	rs, err := ipmilan(t, b, func(c *agent.Config) { c.Options["power_timeout"] = "2" }).PowerOff(t.Context())
	require.ErrorIs(t, err, fencing.ErrTimeout)
	require.NotErrorIs(t, err, fencing.ErrUnreachable, "the BMC answered; its power did not drop")
	for _, r := range rs {
		require.NotEqual(t, fencing.PowerOff, r.State)
	}
	require.True(t, b.HostAlive())
}

func TestIPMILanTopologyFailsOver(t *testing.T) {
	t.Parallel()
	bmcs := ipmisim.Start(t, 2)
	topo := &fencing.Topology{Host: "compute-1", Levels: []fencing.Level{
		{Devices: []fencing.Device{ipmilan(t, bmcs[0], func(c *agent.Config) { c.Password = "wrong" })}},
		{Devices: []fencing.Device{ipmilan(t, bmcs[1])}},
	}}
	res, err := topo.Fence(t.Context())
	require.NoError(t, err)
	require.True(t, res.Verified)
	require.Equal(t, 2, res.Level)
	require.True(t, bmcs[0].HostAlive())
	require.False(t, bmcs[1].HostAlive())
}

func TestIPMILanTwentyInParallel(t *testing.T) {
	t.Parallel()
	const n = 20
	bmcs := ipmisim.Start(t, n)
	errs := make([]error, n)
	results := make([]fencing.Result, n)
	var wg sync.WaitGroup
	for i, b := range bmcs {
		// Generous timeouts: 20 Python agents plus ipmitool on a shared,
		// loaded machine.
		d := ipmilan(t, b, func(c *agent.Config) { c.Options["power_timeout"] = "60"; c.Timeout = 3 * time.Minute })
		topo := &fencing.Topology{Host: b.Name, Levels: []fencing.Level{{Devices: []fencing.Device{d}}}}
		wg.Go(func() { results[i], errs[i] = topo.Fence(t.Context()) })
	}
	wg.Wait()
	for i, b := range bmcs {
		require.NoError(t, errs[i], b.Name)
		require.True(t, results[i].Verified)
		require.False(t, b.HostAlive(), b.Name)
		requireNoCycle(t, b)
	}
}
