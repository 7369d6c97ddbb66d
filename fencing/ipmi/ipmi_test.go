package ipmi_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/fencing"
	"github.com/lazarus-ha/lazarus/fencing/fenceopt"
	"github.com/lazarus-ha/lazarus/fencing/ipmi"
	"github.com/lazarus-ha/lazarus/test/ipmisim"
)

// device returns an ipmi.Device for b with fast polling.
func device(t *testing.T, b *ipmisim.BMC, mod ...func(*ipmi.Config)) *ipmi.Device {
	t.Helper()
	cfg := ipmi.Config{
		Address: b.Address, Port: b.Port, Username: b.Username, Password: b.Password,
		CipherSuite: b.CipherSuite, Timeout: 2 * time.Second, Retries: 2,
		PollInterval: 50 * time.Millisecond, PowerOffTimeout: 20 * time.Second,
	}
	for _, m := range mod {
		m(&cfg)
	}
	d, err := ipmi.New(cfg)
	require.NoError(t, err)
	return d
}

// requireNoCycle checks that the BMC was never asked to reset or to power on.
func requireNoCycle(t *testing.T, b *ipmisim.BMC) {
	t.Helper()
	for _, c := range b.HookCalls() {
		require.False(t, strings.HasPrefix(c, "set reset"), "fencing reset %s: %v", b.Name, b.HookCalls())
		require.NotEqual(t, "set power 1", c, "fencing powered %s on: %v", b.Name, b.HookCalls())
	}
}

func TestPowerOffVerified(t *testing.T) {
	t.Parallel()
	b := ipmisim.Start(t, 1)[0]
	require.True(t, b.HostAlive())
	d := device(t, b)

	rs, err := d.PowerOff(t.Context())
	require.NoError(t, err)
	require.False(t, b.HostAlive(), "the host process really died")
	last := rs[len(rs)-1]
	require.Equal(t, fencing.ActionStatus, last.Action)
	require.Equal(t, fencing.PowerOff, last.State, "off was read back")
	require.Empty(t, last.Err)
	require.True(t, slices.ContainsFunc(rs, func(r fencing.Reading) bool { return r.Action == fencing.ActionOff }), "an off command was sent: %+v", rs)
	require.Contains(t, b.HookCalls(), "set power 0")
	requireNoCycle(t, b)

	s, _, err := d.PowerStatus(t.Context())
	require.NoError(t, err)
	require.Equal(t, fencing.PowerOff, s)
}

func TestPowerOffAlreadyOff(t *testing.T) {
	t.Parallel()
	b := ipmisim.StartWith(t, ipmisim.Options{Count: 1, StartOff: true})[0]
	require.False(t, b.HostAlive())
	rs, err := device(t, b).PowerOff(t.Context())
	require.NoError(t, err)
	require.Len(t, rs, 1, "one status reading proves it: %+v", rs)
	require.Equal(t, fencing.PowerOff, rs[0].State)
	require.NotContains(t, b.HookCalls(), "set power 0", "no off command needed")
	requireNoCycle(t, b)
}

func TestPowerOnAndStatus(t *testing.T) {
	t.Parallel()
	b := ipmisim.StartWith(t, ipmisim.Options{Count: 1, StartOff: true})[0]
	d := device(t, b)
	s, rs, err := d.PowerStatus(t.Context())
	require.NoError(t, err)
	require.Equal(t, fencing.PowerOff, s)
	require.Len(t, rs, 1)
	_, err = d.PowerOn(t.Context())
	require.NoError(t, err)
	require.True(t, b.HostAlive())
	s, _, err = d.PowerStatus(t.Context())
	require.NoError(t, err)
	require.Equal(t, fencing.PowerOn, s)
}

func TestPowerOffFailures(t *testing.T) {
	t.Parallel()
	bmcs := ipmisim.Start(t, 4)
	cases := []struct {
		name  string
		bmc   *ipmisim.BMC
		setup func(b *ipmisim.BMC)
		mod   func(*ipmi.Config)
		errIs []error
	}{
		{
			// A hung BMC keeps its port but answers nothing: the exchange times out.
			name:  "hung bmc times out",
			bmc:   bmcs[0],
			setup: func(b *ipmisim.BMC) { require.NoError(t, b.Pause()); t.Cleanup(func() { _ = b.Resume() }) },
			mod:   func(c *ipmi.Config) { c.Timeout, c.Retries = 200*time.Millisecond, 1 },
			errIs: []error{fencing.ErrUnreachable, fencing.ErrTimeout},
		},
		{
			// A BMC that is gone: loopback answers with port unreachable, or nothing.
			name:  "dead bmc unreachable",
			bmc:   bmcs[1],
			setup: func(b *ipmisim.BMC) { b.Stop() },
			errIs: []error{fencing.ErrUnreachable},
		},
		{
			// A wrong password is an authentication error, not a timeout: retrying will not help.
			name:  "wrong password",
			bmc:   bmcs[2],
			mod:   func(c *ipmi.Config) { c.Password = "not-the-password" },
			errIs: []error{fencing.ErrAuth},
		},
		{
			// An unknown user is an authentication error too.
			name:  "unknown user",
			bmc:   bmcs[3],
			mod:   func(c *ipmi.Config) { c.Username = "nobody" },
			errIs: []error{fencing.ErrAuth},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.setup != nil {
				c.setup(c.bmc)
			}
			var mods []func(*ipmi.Config)
			if c.mod != nil {
				mods = append(mods, c.mod)
			}
			d := device(t, c.bmc, mods...)
			rs, err := d.PowerOff(t.Context())
			require.Error(t, err)
			for _, target := range c.errIs {
				require.ErrorIs(t, err, target, "err: %v", err)
			}
			require.NotEmpty(t, rs)
			for _, r := range rs {
				require.NotEqual(t, fencing.PowerOff, r.State, "no reading may claim off")
			}
			require.True(t, c.bmc.HostAlive(), "the host still runs")
			require.NotContains(t, err.Error(), c.bmc.Password)
		})
	}
}

// TestPowerNeverDrops: the BMC acknowledges off but power stays on. No
// success, however long the wait; the error says it timed out.
func TestPowerNeverDrops(t *testing.T) {
	t.Parallel()
	b := ipmisim.Start(t, 1)[0]
	require.NoError(t, b.SetStuck(true))
	rs, err := device(t, b, func(c *ipmi.Config) { c.PowerOffTimeout = time.Second }).PowerOff(t.Context())
	require.ErrorIs(t, err, fencing.ErrTimeout)
	require.NotErrorIs(t, err, fencing.ErrAuth)
	require.Contains(t, b.HookCalls(), "set power 0", "the off command was sent")
	for _, r := range rs {
		require.NotEqual(t, fencing.PowerOff, r.State)
	}
	require.True(t, b.HostAlive())
}

// TestTopologyFailsOverToLevel2 fences a host whose level-1 BMC is hung
// through its level-2 device.
func TestTopologyFailsOverToLevel2(t *testing.T) {
	t.Parallel()
	bmcs := ipmisim.Start(t, 2)
	// Level 1 is a hung BMC; level 2 (think: a second management path)
	// reaches the same host. Both simulators stand for one host here: the
	// host is bmcs[1]'s process.
	require.NoError(t, bmcs[0].Pause())
	t.Cleanup(func() { _ = bmcs[0].Resume() })
	topo := &fencing.Topology{Host: "compute-1", Levels: []fencing.Level{
		{Devices: []fencing.Device{device(t, bmcs[0], func(c *ipmi.Config) { c.Timeout, c.Retries = 200*time.Millisecond, 1 })}},
		{Devices: []fencing.Device{device(t, bmcs[1])}},
	}}
	res, err := topo.Fence(t.Context())
	require.NoError(t, err)
	require.True(t, res.Verified)
	require.Equal(t, 2, res.Level)
	require.False(t, bmcs[1].HostAlive())
	var levels []int
	for _, r := range res.Readings {
		levels = append(levels, r.Level)
	}
	require.Contains(t, levels, 1, "level 1's failure is in the evidence")
	require.Equal(t, 2, levels[len(levels)-1])
}

// TestFenceTwentyInParallel fences 20 hosts at once, each through its own BMC.
func TestFenceTwentyInParallel(t *testing.T) {
	t.Parallel()
	const n = 20
	bmcs := ipmisim.Start(t, n)
	results := make([]fencing.Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, b := range bmcs {
		// A generous off timeout: ipmi_sim forks its hook for every status
		// read, which on a shared, loaded CI machine can take seconds.
		d := device(t, b, func(c *ipmi.Config) { c.PowerOffTimeout = time.Minute })
		topo := &fencing.Topology{Host: b.Name, Levels: []fencing.Level{{Devices: []fencing.Device{d}}}}
		wg.Go(func() { results[i], errs[i] = topo.Fence(t.Context()) })
	}
	wg.Wait()
	for i, b := range bmcs {
		require.NoError(t, errs[i], b.Name)
		require.True(t, results[i].Verified, b.Name)
		require.False(t, b.HostAlive(), "%s still runs", b.Name)
		requireNoCycle(t, b)
	}
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		cfg  ipmi.Config
		ok   bool
	}{
		// Defaults fill everything but the address.
		{"minimal", ipmi.Config{Address: "10.0.0.5"}, true},
		// Without an address there is nothing to talk to.
		{"no address", ipmi.Config{}, false},
		// Privilege names are checked, so a typo does not silently become admin.
		{"bad privilege", ipmi.Config{Address: "a", Privilege: "root"}, false},
		{"operator", ipmi.Config{Address: "a", Privilege: "operator"}, true},
		// Out-of-range numbers are configuration mistakes.
		{"bad port", ipmi.Config{Address: "a", Port: 70000}, false},
		{"bad cipher", ipmi.Config{Address: "a", CipherSuite: 300}, false},
		{"negative retries", ipmi.Config{Address: "a", Retries: -1}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d, err := ipmi.New(c.cfg)
			if !c.ok {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, 3, d.Config().CipherSuite)
			require.Equal(t, 623, d.Config().Port)
		})
	}
}

func TestConfigStringHidesPassword(t *testing.T) {
	t.Parallel()
	cfg := ipmi.Config{Address: "a", Username: "u", Password: "s3cret-pw"}
	require.NotContains(t, cfg.String(), "s3cret-pw")
	require.NotContains(t, fmt.Sprintf("%v %+v %s", cfg, cfg, cfg), "s3cret-pw")
}

// TestAcceptsWhatTheSchemaAccepts checks that every ipmi device
// fencing/fenceopt accepts (and so the API stores) builds: each privilege
// the schema offers, and its cipher suite bounds, through ConfigFrom.
func TestAcceptsWhatTheSchemaAccepts(t *testing.T) {
	t.Parallel()
	spec, ok := fenceopt.SpecOf(fenceopt.DriverIPMI)
	require.True(t, ok)
	var values []map[string]string
	for _, o := range spec.Options {
		switch o.Type {
		case fenceopt.Enum:
			for _, v := range o.Values {
				values = append(values, map[string]string{o.Name: strings.ToUpper(v)})
			}
		case fenceopt.Integer:
			values = append(values, map[string]string{o.Name: strconv.Itoa(o.Min)}, map[string]string{o.Name: strconv.Itoa(o.Max)})
		}
	}
	require.NotEmpty(t, values)
	for _, opts := range values {
		o, err := fenceopt.ParseIPMI(fenceopt.Device{Driver: fenceopt.DriverIPMI, Address: "bmc", Options: opts})
		require.NoError(t, err, "%v", opts)
		d, err := ipmi.New(ipmi.ConfigFrom(o))
		require.NoError(t, err, "%v", opts)
		require.Equal(t, "ipmi:bmc:623", d.Name())
	}
}
