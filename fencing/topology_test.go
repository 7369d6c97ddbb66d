package fencing_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/fencing"
	"github.com/lazarus-ha/lazarus/fencing/fencingtest"
)

func on(name string) *fencingtest.Fake { return fencingtest.NewFake(name, fencing.PowerOn) }

func TestTopologyFence(t *testing.T) {
	t.Parallel()
	type tc struct {
		name    string
		build   func() ([]fencing.Level, []*fencingtest.Fake)
		timeout time.Duration
		// expectations
		verified  bool
		level     int
		manual    bool
		errIs     []error
		offCalled []bool // per fake, in build order: was PowerOff called
		offAfter  []bool // per fake: host off afterwards
	}
	cases := []tc{
		{
			// The common case: the BMC turns the host off and reads it back.
			name: "single device level 1 verified",
			build: func() ([]fencing.Level, []*fencingtest.Fake) {
				a := on("bmc")
				return []fencing.Level{{Devices: []fencing.Device{a}}}, []*fencingtest.Fake{a}
			},
			verified: true, level: 1,
			offCalled: []bool{true}, offAfter: []bool{true},
		},
		{
			// A host that is already off is fenced: the reading proves it.
			name: "already off counts",
			build: func() ([]fencing.Level, []*fencingtest.Fake) {
				a := fencingtest.NewFake("bmc", fencing.PowerOff)
				return []fencing.Level{{Devices: []fencing.Device{a}}}, []*fencingtest.Fake{a}
			},
			verified: true, level: 1,
			offCalled: []bool{true}, offAfter: []bool{true},
		},
		{
			// An unreachable BMC must not stop fencing: the PDU level behind it takes over.
			name: "level 1 unreachable falls through to level 2",
			build: func() ([]fencing.Level, []*fencingtest.Fake) {
				a := on("bmc").Fail(fencing.ActionOff, fencing.ErrUnreachable)
				b := on("pdu")
				return []fencing.Level{{Devices: []fencing.Device{a}}, {Devices: []fencing.Device{b}}}, []*fencingtest.Fake{a, b}
			},
			verified: true, level: 2,
			offCalled: []bool{true, true}, offAfter: []bool{false, true},
		},
		{
			// Level 1 succeeded, so level 2 is never touched.
			name: "later levels untouched after success",
			build: func() ([]fencing.Level, []*fencingtest.Fake) {
				a, b := on("bmc"), on("pdu")
				return []fencing.Level{{Devices: []fencing.Device{a}}, {Devices: []fencing.Device{b}}}, []*fencingtest.Fake{a, b}
			},
			verified: true, level: 1,
			offCalled: []bool{true, false}, offAfter: []bool{true, false},
		},
		{
			// Two PDUs feed two power supplies: one PDU off is not the host off.
			name: "all devices of a level must succeed",
			build: func() ([]fencing.Level, []*fencingtest.Fake) {
				a := on("pdu-a")
				b := on("pdu-b").Fail(fencing.ActionOff, fencing.ErrRefused)
				return []fencing.Level{{Devices: []fencing.Device{a, b}}}, []*fencingtest.Fake{a, b}
			},
			verified: false, level: 0, errIs: []error{fencing.ErrRefused},
			offCalled: []bool{true, true}, offAfter: []bool{true, false},
		},
		{
			// Both PDUs read back off: the level succeeds.
			name: "two devices of a level both off",
			build: func() ([]fencing.Level, []*fencingtest.Fake) {
				a, b := on("pdu-a"), on("pdu-b")
				return []fencing.Level{{Devices: []fencing.Device{a, b}}}, []*fencingtest.Fake{a, b}
			},
			verified: true, level: 1,
			offCalled: []bool{true, true}, offAfter: []bool{true, true},
		},
		{
			// A level that half failed falls through as a whole.
			name: "partial level falls through",
			build: func() ([]fencing.Level, []*fencingtest.Fake) {
				a := on("pdu-a")
				b := on("pdu-b").Fail(fencing.ActionOff, fencing.ErrAuth)
				c := on("bmc")
				return []fencing.Level{{Devices: []fencing.Device{a, b}}, {Devices: []fencing.Device{c}}}, []*fencingtest.Fake{a, b, c}
			},
			verified: true, level: 2,
			offCalled: []bool{true, true, true}, offAfter: []bool{true, false, true},
		},
		{
			// Every level failed and there is no manual level: no success, every cause kept.
			name: "all levels fail",
			build: func() ([]fencing.Level, []*fencingtest.Fake) {
				a := on("bmc").Fail(fencing.ActionOff, fencing.ErrAuth)
				b := on("pdu").Fail(fencing.ActionOff, fencing.ErrUnreachable)
				return []fencing.Level{{Devices: []fencing.Device{a}}, {Devices: []fencing.Device{b}}}, []*fencingtest.Fake{a, b}
			},
			verified: false, errIs: []error{fencing.ErrAuth, fencing.ErrUnreachable},
			offCalled: []bool{true, true}, offAfter: []bool{false, false},
		},
		{
			// The manual level is last resort: reached only after the automatic ones failed.
			name: "manual level after failure",
			build: func() ([]fencing.Level, []*fencingtest.Fake) {
				a := on("bmc").Fail(fencing.ActionOff, fencing.ErrUnreachable)
				return []fencing.Level{{Devices: []fencing.Device{a}}, {Manual: true}}, []*fencingtest.Fake{a}
			},
			verified: false, level: 2, manual: true,
			errIs:     []error{fencing.ErrManualConfirmationRequired, fencing.ErrUnreachable},
			offCalled: []bool{true}, offAfter: []bool{false},
		},
		{
			// A manual level first means: always ask the operator, touch nothing.
			name: "manual level first stops before devices",
			build: func() ([]fencing.Level, []*fencingtest.Fake) {
				a := on("bmc")
				return []fencing.Level{{Manual: true}, {Devices: []fencing.Device{a}}}, []*fencingtest.Fake{a}
			},
			verified: false, level: 1, manual: true,
			errIs:     []error{fencing.ErrManualConfirmationRequired},
			offCalled: []bool{false}, offAfter: []bool{false},
		},
		{
			// A driver that says "done" without reading off must not let an evacuation through.
			name: "success without off reading is not verified",
			build: func() ([]fencing.Level, []*fencingtest.Fake) {
				a := on("liar").LieOff()
				return []fencing.Level{{Devices: []fencing.Device{a}}}, []*fencingtest.Fake{a}
			},
			verified: false, errIs: []error{fencing.ErrRefused},
			offCalled: []bool{true}, offAfter: []bool{false},
		},
		{
			// A hung BMC runs into the caller's deadline; later levels are not tried after the caller gave up.
			name: "ctx deadline stops fencing",
			build: func() ([]fencing.Level, []*fencingtest.Fake) {
				a := on("bmc").Hang(fencing.ActionOff)
				b := on("pdu")
				return []fencing.Level{{Devices: []fencing.Device{a}}, {Devices: []fencing.Device{b}}}, []*fencingtest.Fake{a, b}
			},
			timeout:  50 * time.Millisecond,
			verified: false, errIs: []error{fencing.ErrTimeout, context.DeadlineExceeded},
			offCalled: []bool{true, false}, offAfter: []bool{false, false},
		},
		{
			// A host whose power never drops is not fenced, however long we wait.
			name: "power never drops",
			build: func() ([]fencing.Level, []*fencingtest.Fake) {
				a := on("bmc").StayOn()
				return []fencing.Level{{Devices: []fencing.Device{a}}}, []*fencingtest.Fake{a}
			},
			timeout:  50 * time.Millisecond,
			verified: false, errIs: []error{fencing.ErrTimeout},
			offCalled: []bool{true}, offAfter: []bool{false},
		},
		{
			// Configured level numbers (1, 5) are reported as configured, not as positions.
			name: "level numbers as configured",
			build: func() ([]fencing.Level, []*fencingtest.Fake) {
				a := on("bmc").Fail(fencing.ActionOff, fencing.ErrUnreachable)
				b := on("pdu")
				return []fencing.Level{{Devices: []fencing.Device{a}, Number: 1}, {Devices: []fencing.Device{b}, Number: 5}}, []*fencingtest.Fake{a, b}
			},
			verified: true, level: 5,
			offCalled: []bool{true, true}, offAfter: []bool{false, true},
		},
		{
			// No levels: nothing can prove the host off.
			name:     "no levels",
			build:    func() ([]fencing.Level, []*fencingtest.Fake) { return nil, nil },
			verified: false, errIs: []error{fencing.ErrNoDevices},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			levels, fakes := c.build()
			ctx := t.Context()
			if c.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, c.timeout)
				defer cancel()
			}
			topo := &fencing.Topology{Host: "compute-1", Levels: levels}
			res, err := topo.Fence(ctx)
			require.Equal(t, c.verified, res.Verified, "verified (err=%v)", err)
			require.Equal(t, c.level, res.Level)
			require.Equal(t, c.manual, res.Manual)
			if c.verified {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
			for _, target := range c.errIs {
				require.ErrorIs(t, err, target)
			}
			for i, f := range fakes {
				calls := f.Calls()
				require.Equal(t, c.offCalled[i], contains(calls, fencing.ActionOff), "fake %s calls %v", f.Name(), calls)
				require.Equal(t, c.offAfter[i], f.State() == fencing.PowerOff, "fake %s state", f.Name())
				// Fencing never powers anything on (a power cycle would).
				require.False(t, contains(calls, fencing.ActionOn), "fake %s was powered on: %v", f.Name(), calls)
			}
			// Every reading of a device carries its level; readings exist for each call.
			for _, r := range res.Readings {
				require.Positive(t, r.Level)
				require.NotEmpty(t, r.Device)
			}
			if c.verified {
				last := lastOf(res.Readings, res.Level)
				require.Equal(t, fencing.PowerOff, last.State)
			}
		})
	}
}

func contains(calls []string, action string) bool {
	for _, c := range calls {
		if c == action {
			return true
		}
	}
	return false
}

func lastOf(rs []fencing.Reading, level int) fencing.Reading {
	var out fencing.Reading
	for _, r := range rs {
		if r.Level == level {
			out = r
		}
	}
	return out
}

func TestTopologyCanceledContextTouchesNothing(t *testing.T) {
	t.Parallel()
	a := on("bmc")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	topo := &fencing.Topology{Host: "h", Levels: []fencing.Level{{Devices: []fencing.Device{a}}}}
	res, err := topo.Fence(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, res.Verified)
	require.Empty(t, a.Calls(), "no device may be touched after shutdown began")
}

func TestTopologyPowerStatus(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		levels func() []fencing.Level
		want   fencing.PowerState
		errIs  error
	}{
		{
			// Both feeds off: the host is off.
			name: "all off",
			levels: func() []fencing.Level {
				return []fencing.Level{{Devices: []fencing.Device{fencingtest.NewFake("a", fencing.PowerOff), fencingtest.NewFake("b", fencing.PowerOff)}}}
			},
			want: fencing.PowerOff,
		},
		{
			// One feed on keeps the host running.
			name: "one on",
			levels: func() []fencing.Level {
				return []fencing.Level{{Devices: []fencing.Device{fencingtest.NewFake("a", fencing.PowerOff), on("b")}}}
			},
			want: fencing.PowerOn,
		},
		{
			// The BMC does not answer; the PDU level reads the state.
			name: "falls through to the next level",
			levels: func() []fencing.Level {
				return []fencing.Level{
					{Devices: []fencing.Device{on("bmc").Fail(fencing.ActionStatus, fencing.ErrUnreachable)}},
					{Devices: []fencing.Device{fencingtest.NewFake("pdu", fencing.PowerOff)}},
				}
			},
			want: fencing.PowerOff,
		},
		{
			// Nothing answers: unknown, never a guess.
			name: "nothing answers",
			levels: func() []fencing.Level {
				return []fencing.Level{{Devices: []fencing.Device{on("bmc").Fail(fencing.ActionStatus, fencing.ErrAuth)}}, {Manual: true}}
			},
			want: fencing.PowerUnknown, errIs: fencing.ErrAuth,
		},
		{
			// Only a manual level: no device can read anything.
			name:   "manual only",
			levels: func() []fencing.Level { return []fencing.Level{{Manual: true}} },
			want:   fencing.PowerUnknown, errIs: fencing.ErrNoDevices,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			topo := &fencing.Topology{Host: "h", Levels: c.levels()}
			s, _, err := topo.PowerStatus(t.Context())
			require.Equal(t, c.want, s)
			if c.errIs != nil {
				require.ErrorIs(t, err, c.errIs)
			} else {
				require.NoError(t, err)
			}
		})
	}
}

func TestTopologyPowerOn(t *testing.T) {
	t.Parallel()
	bmc := fencingtest.NewFake("bmc", fencing.PowerOff).Fail(fencing.ActionOn, fencing.ErrRefused)
	pdu := fencingtest.NewFake("pdu", fencing.PowerOff)
	topo := &fencing.Topology{Host: "h", Levels: []fencing.Level{{Devices: []fencing.Device{bmc}}, {Devices: []fencing.Device{pdu}}}}
	rs, err := topo.PowerOn(t.Context())
	require.NoError(t, err)
	require.Equal(t, fencing.PowerOn, pdu.State())
	require.Len(t, rs, 2)
	require.Equal(t, 1, rs[0].Level)
	require.NotEmpty(t, rs[0].Err)
	require.Equal(t, 2, rs[1].Level)
}

func TestPowerStateString(t *testing.T) {
	t.Parallel()
	require.Equal(t, "unknown", fencing.PowerUnknown.String())
	require.Equal(t, "on", fencing.PowerOn.String())
	require.Equal(t, "off", fencing.PowerOff.String())
	require.Equal(t, "unknown", fencing.PowerState(42).String())
}
