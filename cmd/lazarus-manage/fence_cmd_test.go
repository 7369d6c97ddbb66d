package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/fencing/secret"
	"github.com/lazarus-ha/lazarus/test/ipmisim"
)

func runFence(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newFenceCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(t.Context())
	return out.String(), err
}

func pwFile(t *testing.T, pw string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pw")
	require.NoError(t, os.WriteFile(p, []byte(pw+"\n"), 0o600))
	return p
}

func TestFenceCmdIPMI(t *testing.T) {
	t.Parallel()
	b := ipmisim.Start(t, 1)[0]
	base := []string{"--driver", "ipmi", "--address", b.Address, "--port", strconv.Itoa(b.Port),
		"--username", b.Username, "--password-file", pwFile(t, b.Password), "--cipher-suite", "3", "--poll-interval", "50ms"}

	out, err := runFence(t, append([]string{"status"}, base...)...)
	require.NoError(t, err, out)
	require.Contains(t, out, "power on, VERIFIED")

	out, err = runFence(t, append([]string{"off", "--json"}, base...)...)
	require.NoError(t, err, out)
	var res fenceOutput
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.True(t, res.Verified)
	require.Equal(t, "off", res.State)
	require.NotEmpty(t, res.Readings)
	require.NotEmpty(t, res.Duration)
	require.False(t, b.HostAlive())

	out, err = runFence(t, append([]string{"on"}, base...)...)
	require.NoError(t, err, out)
	require.Contains(t, out, "power on, VERIFIED")
	require.True(t, b.HostAlive())
	require.NotContains(t, out, b.Password)

	// Exit status through run(): 0 verified, 1 otherwise.
	require.Equal(t, 0, run(append([]string{"fence", "status"}, base...)))
	bad := []string{"fence", "off", "--driver", "ipmi", "--address", b.Address, "--port", strconv.Itoa(b.Port),
		"--username", b.Username, "--password-file", pwFile(t, "wrong-password")}
	require.Equal(t, 1, run(bad))
	require.True(t, b.HostAlive(), "a refused off leaves the host running")
}

func TestFenceCmdAgent(t *testing.T) {
	t.Parallel()
	b := ipmisim.Start(t, 1)[0]
	out, err := runFence(t, "off", "--driver", "agent", "--agent", "fence_ipmilan",
		"--option", "ip="+b.Address, "--option", "ipport="+strconv.Itoa(b.Port), "--option", "username="+b.Username,
		"--option", "lanplus=1", "--option", "cipher=3", "--option", "power_wait=0",
		"--password-file", pwFile(t, b.Password))
	require.NoError(t, err, out)
	require.Contains(t, out, "power off, VERIFIED")
	require.NotContains(t, out, b.Password)
	require.False(t, b.HostAlive())
}

func TestFenceCmdRejects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
	}{
		// ipmi needs an address.
		{"no address", []string{"status", "--driver", "ipmi"}},
		// agent needs an agent.
		{"no agent", []string{"status", "--driver", "agent"}},
		// Unknown drivers are refused rather than guessed.
		{"bad driver", []string{"status", "--driver", "redfish"}},
		// Agent options must be key=value.
		{"bad option", []string{"status", "--driver", "agent", "--agent", "fence_ipmilan", "--option", "novalue"}},
		// A password on the command line is not an option at all.
		{"password flag", []string{"status", "--driver", "ipmi", "--address", "127.0.0.1", "--password", "x"}},
		// A missing password file is an error, not an empty password.
		{"missing password file", []string{"status", "--driver", "ipmi", "--address", "127.0.0.1", "--password-file", "/nonexistent/pw"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := runFence(t, c.args...)
			require.Error(t, err)
		})
	}
}

func TestFenceGenkey(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "fence.key")
	_, err := runFence(t, "genkey", "--out", path)
	require.NoError(t, err)
	_, err = secret.LoadFile(path)
	require.NoError(t, err, "the key loads as [fencing] secret_key_file")
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	_, err = runFence(t, "genkey", "--out", path)
	require.Error(t, err, "an existing key is never overwritten: it would orphan every stored password")
}
