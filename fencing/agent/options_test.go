package agent_test

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/fencing/agent"
	"github.com/lazarus-ha/lazarus/fencing/fenceopt"
)

// TestForbiddenOptions covers each way issue #16 found to make an agent
// run a program, write a file or leak the password, plus their spellings.
func TestForbiddenOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		agent string
		key   string
		value string
	}{
		// fence_ipmilan runs ipmitool_path with the password in its argv.
		{"ipmitool_path", "fence_ipmilan", "ipmitool_path", "/tmp/x"},
		// The agents compare names case-sensitively; Lazarus refuses every case.
		{"ipmitool_path upper case", "fence_ipmilan", "IPMITOOL_PATH", "/tmp/x"},
		{"ipmitool-path with dashes", "fence_ipmilan", "ipmitool-path", "/tmp/x"},
		// fence_virsh hands ssh_options to ssh: ProxyCommand runs a shell command.
		{"ssh_options", "fence_virsh", "ssh_options", "-o ProxyCommand=touch /tmp/pwned"},
		{"ssh-options", "fence_virsh", "Ssh-Options", "-o ProxyCommand=touch /tmp/pwned"},
		// The ssh binary itself.
		{"ssh_path", "fence_virsh", "ssh_path", "/tmp/x"},
		// sudo_path and the switches that run commands through sudo.
		{"sudo_path", "fence_ipmilan", "sudo_path", "/tmp/x"},
		{"use_sudo", "fence_ipmilan", "use_sudo", "1"},
		// debug_file writes where it is told, as root: /etc/cron.d.
		{"debug_file", "fence_ipmilan", "debug_file", "/etc/cron.d/x"},
		{"debug (debug_file's old name)", "fence_ipmilan", "debug", "/etc/cron.d/x"},
		// Password scripts run a program to get the password.
		{"password-script", "fence_ipmilan", "password-script", "/tmp/x"},
		{"password_script", "fence_ipmilan", "password_script", "/tmp/x"},
		{"passwd_script", "fence_ipmilan", "passwd_script", "/tmp/x"},
		// A password in the options would be stored in clear.
		{"PASSWORD", "fence_ipmilan", "PASSWORD", "x"},
		{"Passwd", "fence_ipmilan", "Passwd", "x"},
		// fence_vmware's exec and fence_gce's runonfail are commands.
		{"exec", "fence_vmware", "exec", "touch /tmp/pwned"},
		{"runonfail", "fence_gce", "runonfail", "touch /tmp/pwned"},
		// fence_openstack sources openrc with a shell.
		{"openrc", "fence_openstack", "openrc", "/tmp/x"},
		// Any other *_path, *_file and *_script, for any agent.
		{"gnutlscli_path", "fence_redfish", "gnutlscli_path", "/tmp/x"},
		{"token_file", "fence_ibm_vpc", "token_file", "/tmp/x"},
		{"snmp_priv_passwd_script", "fence_apc_snmp", "snmp_priv_passwd_script", "/tmp/x"},
		// An option the agent's metadata does not list.
		{"unknown option", "fence_ipmilan", "ssh_options_extra", "x"},
		{"other agent's option", "fence_ipmilan", "ssh", "1"},
		// An agent the table does not know gets only the generic options.
		{"unknown agent path option", "/opt/fence_custom", "tool_path", "/tmp/x"},
		{"unknown agent other option", "/opt/fence_custom", "lanplus", "1"},
		// help and version make the agent exit 0 without acting: a false "on".
		{"help", "fence_ipmilan", "help", "1"},
		// A space in ip adds arguments to ipmitool's command line.
		{"space in ip", "fence_ipmilan", "ip", "10.0.0.5 -I lan"},
		// NUL and invalid UTF-8 cannot go through stdin intact.
		{"NUL in value", "fence_ipmilan", "ip", "10.0.0.5\x00"},
		{"invalid UTF-8 value", "fence_ipmilan", "ip", "\xc0\x80"},
		{"NUL in name", "fence_ipmilan", "ip\x00", "x"},
		// A comment line would hide nothing useful; refused as a bad name.
		{"comment name", "fence_ipmilan", "#x", "1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg := agent.Config{Agent: c.agent, Options: map[string]string{c.key: c.value}}
			require.Error(t, agent.Validate(cfg))
			_, err := fenceopt.CheckAgentOption(c.agent, c.key, c.value)
			require.Error(t, err)
			_, err = agent.New(cfg)
			require.Error(t, err)
		})
	}
}

// TestAllowedOptions checks that the options a real setup needs pass.
func TestAllowedOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		agent string
		opts  map[string]string
	}{
		// What the docs and the e2e suite give fence_ipmilan.
		{"fence_ipmilan", map[string]string{"ip": "10.0.0.5", "ipport": "623", "username": "admin", "lanplus": "1", "cipher": "3", "power_wait": "0", "power_timeout": "20", "privlvl": "operator", "method": "onoff"}},
		// fence_virsh over ssh, without ssh_options.
		{"fence_virsh", map[string]string{"ip": "kvm1", "username": "root", "plug": "vm-1", "ssh": "1", "secure": "1"}},
		// fence_redfish's own options, either spelling.
		{"fence_redfish", map[string]string{"ip": "bmc", "ssl_insecure": "1", "systems-uri": "/redfish/v1/Systems/1"}},
		// An agent the table does not know: generic options only.
		{"/opt/fence_custom", map[string]string{"ip": "10.0.0.5", "username": "u", "plug": "3"}},
	}
	for _, c := range cases {
		require.NoError(t, agent.Validate(agent.Config{Agent: c.agent, Options: c.opts}), c.agent)
	}
	require.Error(t, agent.Validate(agent.Config{Agent: "fence_ipmilan", Options: map[string]string{"ip": "a", "IP": "b"}}),
		"two spellings of one option")
	allowed := fenceopt.AllowedAgentOptions("fence_ipmilan")
	for _, bad := range []string{"ipmitool_path", "sudo_path", "debug_file", "password_script", "password", "action"} {
		require.NotContains(t, allowed, bad)
	}
	require.True(t, slices.Contains(allowed, "lanplus"))
}

// TestRefusedBeforeAnyProcessStarts checks the engine side: a device
// config with a forbidden option (as it would come from a row written
// straight into the database) never runs the agent.
func TestRefusedBeforeAnyProcessStarts(t *testing.T) {
	t.Parallel()
	p, rec := fakeAgent(t, `exit 0`)
	for _, opts := range []map[string]string{
		{"ip": "10.0.0.5", "ipmitool_path": "/tmp/x"},
		{"ip": "10.0.0.5", "Debug_File": "/etc/cron.d/x"},
		{"ip": "10.0.0.5", "ssh_options": "-o ProxyCommand=sh"},
	} {
		_, err := agent.New(agent.Config{Agent: p, Options: opts, Password: "pw"})
		require.ErrorContains(t, err, "refused")
	}
	_, err := os.Stat(rec)
	require.ErrorIs(t, err, os.ErrNotExist, "the agent ran")
}

// TestOptionTableMatchesMetadata checks the generated table against the
// installed agents' own metadata (go generate ./fencing/fenceopt rewrites it).
func TestOptionTableMatchesMetadata(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"fence_ipmilan", "fence_virsh", "fence_redfish"} {
		path, err := exec.LookPath(name)
		if err != nil {
			path = "/usr/sbin/" + name
			if _, serr := os.Stat(path); serr != nil {
				t.Skipf("%s is not installed (test/services.sh installs fence-agents)", name)
			}
		}
		out, err := exec.CommandContext(t.Context(), path, "-o", "metadata").Output()
		require.NoError(t, err)
		for _, opt := range fenceopt.AllowedAgentOptions(name) {
			require.Contains(t, string(out), `name="`+opt+`"`, "%s: %s is not in the metadata", name, opt)
		}
		for _, opt := range []string{"ipmitool_path", "ssh_options", "ssh_path", "debug_file", "password_script", "sudo_path"} {
			if !slices.Contains(fenceopt.AllowedAgentOptions(name), opt) {
				continue
			}
			t.Errorf("%s: %s is allowed", name, opt)
		}
	}
}

// TestOptionsReachTheAgentInNormalForm checks that the agent reads the
// options as fencing/fenceopt normalised them: the agents compare names
// case-sensitively (IP would be ignored) and read a switch only as 1, yes,
// on or true.
func TestOptionsReachTheAgentInNormalForm(t *testing.T) {
	t.Parallel()
	p, rec := fakeAgent(t, `exit 0`)
	d, err := agent.New(agent.Config{Agent: p, Options: map[string]string{"IP": "10.0.0.5", "SSL-Insecure": "yes", "inet6_only": "Off", "power_wait": "0.5"}})
	require.NoError(t, err)
	_, _, err = d.PowerStatus(t.Context())
	require.NoError(t, err)
	data, err := os.ReadFile(rec)
	require.NoError(t, err)
	_, stdin, ok := strings.Cut(string(data), "STDIN\n")
	require.True(t, ok)
	require.Equal(t, "action=status\ninet6_only=0\nip=10.0.0.5\npower_wait=0.5\nssl_insecure=1\nverbose=1\n", stdin)
	require.Equal(t, "agent:fence_fake:10.0.0.5", d.Name())
	_, err = agent.New(agent.Config{Agent: p, Options: map[string]string{"ssl_insecure": "sometimes"}})
	require.ErrorContains(t, err, "must be a boolean")
}
