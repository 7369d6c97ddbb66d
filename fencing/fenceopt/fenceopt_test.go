package fenceopt_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/fencing/fenceopt"
)

// TestParseIPMI covers the one mapping of an ipmi device to its settings.
func TestParseIPMI(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		dev  fenceopt.Device
		want fenceopt.IPMI
		err  string // "" = accepted
	}{
		// Absent port and options take the driver's defaults.
		{"defaults", fenceopt.Device{Driver: "ipmi", Address: "10.0.0.5"},
			fenceopt.IPMI{Address: "10.0.0.5", Port: 623, CipherSuite: 3, Privilege: "administrator"}, ""},
		// Given values are kept; privilege is compared in any case.
		{"given", fenceopt.Device{Driver: "ipmi", Address: "bmc", Port: 6230, Username: "admin", Options: map[string]string{"cipher_suite": "17", "privilege": "Operator"}},
			fenceopt.IPMI{Address: "bmc", Port: 6230, Username: "admin", CipherSuite: 17, Privilege: "operator"}, ""},
		// Suite 0 has no authentication: 0 means the default, as it always did.
		{"cipher zero", fenceopt.Device{Driver: "ipmi", Address: "bmc", Options: map[string]string{"cipher_suite": "0"}},
			fenceopt.IPMI{Address: "bmc", Port: 623, CipherSuite: 3, Privilege: "administrator"}, ""},
		// Without an address there is no BMC to talk to.
		{"no address", fenceopt.Device{Driver: "ipmi"}, fenceopt.IPMI{}, "needs an address"},
		// cipher_suite is parsed once, here, for the API and the engine.
		{"cipher not a number", fenceopt.Device{Driver: "ipmi", Address: "a", Options: map[string]string{"cipher_suite": "x"}}, fenceopt.IPMI{}, "cipher_suite must be a number"},
		{"cipher out of range", fenceopt.Device{Driver: "ipmi", Address: "a", Options: map[string]string{"cipher_suite": "256"}}, fenceopt.IPMI{}, "between 0 and 255"},
		{"privilege unknown", fenceopt.Device{Driver: "ipmi", Address: "a", Options: map[string]string{"privilege": "root"}}, fenceopt.IPMI{}, "privilege must be one of"},
		// An agent option on an ipmi device is a mistake, not ignored.
		{"agent option", fenceopt.Device{Driver: "ipmi", Address: "a", Options: map[string]string{"lanplus": "1"}}, fenceopt.IPMI{}, "takes the options cipher_suite and privilege, not lanplus"},
		{"port out of range", fenceopt.Device{Driver: "ipmi", Address: "a", Port: 70000}, fenceopt.IPMI{}, "port must be between"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := fenceopt.ParseIPMI(c.dev)
			if c.err != "" {
				require.ErrorContains(t, err, c.err)
				var fe *fenceopt.Error
				require.ErrorAs(t, err, &fe)
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
}

// TestParseAgent covers the mapping of an agent device to its stdin
// options: address, port and username fill ip, ipport and username unless
// the options give them, and names and values are in normal form.
func TestParseAgent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		dev  fenceopt.Device
		want map[string]string
		err  string
	}{
		{"fields become options", fenceopt.Device{Driver: "agent", Agent: "fence_ipmilan", Address: "10.0.0.5", Port: 6230, Username: "admin", Options: map[string]string{"lanplus": "1", "cipher": "3"}},
			map[string]string{"ip": "10.0.0.5", "ipport": "6230", "username": "admin", "lanplus": "1", "cipher": "3"}, ""},
		// The options win over the fields, also through an alias (ipaddr is ip, login is username).
		{"options win", fenceopt.Device{Driver: "agent", Agent: "fence_ipmilan", Address: "a", Port: 1, Username: "u", Options: map[string]string{"ipaddr": "b", "ipport": "2", "login": "v"}},
			map[string]string{"ipaddr": "b", "ipport": "2", "login": "v"}, ""},
		// The agents compare names case-sensitively: LANPLUS would be
		// ignored, so it is handed over as lanplus; a switch as 1 or 0.
		{"normal form", fenceopt.Device{Driver: "agent", Agent: "fence_ipmilan", Options: map[string]string{"LANPLUS": "yes", "Power-Wait": "2.5", "method": "CYCLE", "quiet": "off"}},
			map[string]string{"lanplus": "1", "power_wait": "2.5", "method": "cycle", "quiet": "0"}, ""},
		// An enum keeps the agent's own spelling of the choice.
		{"enum spelling", fenceopt.Device{Driver: "agent", Agent: "fence_apc_snmp", Options: map[string]string{"snmp_priv_prot": "aes"}},
			map[string]string{"snmp_priv_prot": "AES"}, ""},
		// A switch that does not read as a boolean would silently be off.
		{"bad switch", fenceopt.Device{Driver: "agent", Agent: "fence_ipmilan", Options: map[string]string{"lanplus": "maybe"}}, nil, "lanplus must be a boolean"},
		{"bad choice", fenceopt.Device{Driver: "agent", Agent: "fence_ipmilan", Options: map[string]string{"method": "reboot"}}, nil, "method must be one of onoff, cycle"},
		{"bad integer", fenceopt.Device{Driver: "agent", Agent: "fence_ipmilan", Options: map[string]string{"ipport": "623x"}}, nil, "ipport must be a number"},
		{"bad seconds", fenceopt.Device{Driver: "agent", Agent: "fence_ipmilan", Options: map[string]string{"power_wait": "-1"}}, nil, "power_wait must be a number of seconds"},
		{"NaN seconds", fenceopt.Device{Driver: "agent", Agent: "fence_ipmilan", Options: map[string]string{"power_wait": "NaN"}}, nil, "power_wait must be a number of seconds"},
		// The API never runs a program it is given a path to.
		{"path", fenceopt.Device{Driver: "agent", Agent: "/tmp/fence_x"}, nil, "the name of a fence agent"},
		{"not fence_", fenceopt.Device{Driver: "agent", Agent: "bash"}, nil, "the name of a fence agent"},
		// The address is pasted into ipmitool's command line.
		{"space in address", fenceopt.Device{Driver: "agent", Agent: "fence_ipmilan", Address: "10.0.0.5 -I lan"}, nil, "must not hold spaces"},
		{"two spellings", fenceopt.Device{Driver: "agent", Agent: "fence_ipmilan", Options: map[string]string{"ip": "a", "IP": "b"}}, nil, "the same option"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := fenceopt.ParseAgent(c.dev)
			if c.err != "" {
				require.ErrorContains(t, err, c.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.dev.Agent, got.Agent)
			require.Equal(t, c.want, got.Options)
		})
	}
}

// TestCheck covers the fields each driver takes.
func TestCheck(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		dev      fenceopt.Device
		password string
		err      string
	}{
		{"manual", fenceopt.Device{Driver: "manual"}, "", ""},
		// A manual level waits for an operator: it has nothing to connect to.
		{"manual with address", fenceopt.Device{Driver: "manual", Address: "a"}, "", "takes only a level"},
		{"manual with password", fenceopt.Device{Driver: "manual"}, "pw", "takes only a level"},
		{"ipmi", fenceopt.Device{Driver: "ipmi", Address: "a", Username: "u"}, "pw", ""},
		{"ipmi with agent", fenceopt.Device{Driver: "ipmi", Address: "a", Agent: "fence_ipmilan"}, "", "Field agent belongs to driver agent."},
		{"agent", fenceopt.Device{Driver: "agent", Agent: "fence_ipmilan", Address: "a"}, "pw", ""},
		// The password goes to the agent's stdin as one line.
		{"password line break", fenceopt.Device{Driver: "agent", Agent: "fence_ipmilan"}, "pw\naction=on", "line break"},
		{"unknown driver", fenceopt.Device{Driver: "redfish"}, "", "It must be one of ipmi, agent, manual."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := fenceopt.Check(c.dev, c.password)
			if c.err == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, c.err)
			require.NotContains(t, err.Error(), c.password+"x", "never the password")
		})
	}
}

// TestSchema checks what the schema tells a caller: the drivers, the
// required fields and the typed options with their defaults.
func TestSchema(t *testing.T) {
	t.Parallel()
	require.Equal(t, []string{"ipmi", "agent", "manual"}, fenceopt.Drivers())
	s, ok := fenceopt.SpecOf("ipmi")
	require.True(t, ok)
	require.Equal(t, []string{"address"}, s.Required)
	require.Equal(t, "3", s.Options[0].Default)
	require.Equal(t, fenceopt.Integer, s.Options[0].Type)
	_, ok = fenceopt.SpecOf("redfish")
	require.False(t, ok)

	opts := fenceopt.AgentOptions("fence_ipmilan")
	byName := map[string]fenceopt.Option{}
	for _, o := range opts {
		byName[o.Name] = o
	}
	require.Equal(t, fenceopt.Boolean, byName["lanplus"].Type)
	require.Equal(t, "623", byName["ipport"].Default)
	require.Equal(t, []string{"onoff", "cycle"}, byName["method"].Values)
	require.NotContains(t, byName, "ipmitool_path", "refused options are not offered")
	// An agent the table does not know gets the generic options, typed as
	// every agent that lists them agrees.
	generic := map[string]fenceopt.Type{}
	for _, o := range fenceopt.AgentOptions("/opt/fence_custom") {
		generic[o.Name] = o.Type
	}
	require.Equal(t, fenceopt.Boolean, generic["ssl_insecure"])
	require.Equal(t, fenceopt.String, generic["ip"])
}
