package agent_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/fencing"
	"github.com/lazarus-ha/lazarus/fencing/agent"
)

// fakeAgent writes a fence_fake script that records its argv, environment
// and stdin, then answers per the action with the given exit codes.
func fakeAgent(t *testing.T, body string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	rec := filepath.Join(dir, "record")
	script := `#!/bin/bash
in=$(cat)
{ echo "ARGV $0 $*"; env; echo "STDIN"; echo "$in"; } >> "` + rec + `"
action=$(printf '%s\n' "$in" | sed -n 's/^action=//p')
` + body
	p := filepath.Join(dir, "fence_fake")
	require.NoError(t, os.WriteFile(p, []byte(script), 0o755))
	return p, rec
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		body   string
		call   string
		state  fencing.PowerState
		errIs  error
		nilErr bool
	}{
		// Fence agent API: status exit 0 means on.
		{"status on", `exit 0`, "status", fencing.PowerOn, nil, true},
		// Status exit 2 means off.
		{"status off", `exit 2`, "status", fencing.PowerOff, nil, true},
		// Status exit 1 is a failure: unknown, never off.
		{"status failed", `echo "ERROR: Failed: Unable to obtain correct plug status"; exit 1`, "status", fencing.PowerUnknown, fencing.ErrRefused, false},
		// Off succeeds and status then reads off: verified.
		{"off verified", `[ "$action" = status ] && exit 2; exit 0`, "off", fencing.PowerOff, nil, true},
		// Off claims success but status still reads on: not verified.
		{"off but still on", `exit 0`, "off", fencing.PowerOn, fencing.ErrRefused, false},
		// The agent could not reach the device in time.
		{"off timed out", `echo "ERROR: Connection timed out" >&2; exit 1`, "off", fencing.PowerUnknown, fencing.ErrTimeout, false},
		// A session that could not be established with these credentials.
		{"off auth", `echo "Error: Unable to establish IPMI v2 / RMCP+ session" >&2; exit 1`, "off", fencing.PowerUnknown, fencing.ErrAuth, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p, _ := fakeAgent(t, c.body)
			d, err := agent.New(agent.Config{Agent: p, Options: map[string]string{"ip": "10.0.0.5"}, Password: "pw"})
			require.NoError(t, err)
			var rs []fencing.Reading
			var s fencing.PowerState
			switch c.call {
			case "status":
				s, _, err = d.PowerStatus(t.Context())
			case "off":
				rs, err = d.PowerOff(t.Context())
				s = rs[len(rs)-1].State
			}
			require.Equal(t, c.state, s)
			if c.nilErr {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, c.errIs)
			}
		})
	}
}

// TestPasswordOnlyOnStdin checks that the password reaches the agent on
// stdin and nowhere else: not argv, not the environment, not the errors.
func TestPasswordOnlyOnStdin(t *testing.T) {
	t.Parallel()
	const pw = "Sup3r-s3cret-pw"
	p, rec := fakeAgent(t, `echo "ERROR: login failed for password `+pw+`" >&2; exit 1`)
	d, err := agent.New(agent.Config{Agent: p, Options: map[string]string{"ip": "10.0.0.5", "username": "admin"}, Password: pw})
	require.NoError(t, err)
	rs, err := d.PowerOff(t.Context())
	require.Error(t, err)
	require.NotContains(t, err.Error(), pw)
	for _, r := range rs {
		require.NotContains(t, r.Err, pw)
	}
	data, err := os.ReadFile(rec)
	require.NoError(t, err)
	before, stdin, ok := strings.Cut(string(data), "STDIN\n")
	require.True(t, ok)
	require.NotContains(t, before, pw, "password in argv or environment")
	require.Contains(t, stdin, "password="+pw+"\n")
	require.Contains(t, stdin, "action=off\n")
	require.Contains(t, stdin, "ip=10.0.0.5\n")
	require.NotContains(t, d.Name(), pw)
}

// TestTimeoutKillsAgent checks that a hanging agent and its children are
// killed at the timeout and the error says so.
func TestTimeoutKillsAgent(t *testing.T) {
	t.Parallel()
	p, _ := fakeAgent(t, `sleep 300 & echo $! > "$(dirname "$0")/child"; wait`)
	d, err := agent.New(agent.Config{Agent: p, Options: map[string]string{"ip": "x"}, Timeout: time.Second})
	require.NoError(t, err)
	_, err = d.PowerOff(t.Context())
	require.ErrorIs(t, err, fencing.ErrTimeout)
	data, err := os.ReadFile(filepath.Join(filepath.Dir(p), "child"))
	if err != nil {
		// On a loaded machine the agent may be killed before it forked:
		// nothing left to check.
		return
	}
	pid := strings.TrimSpace(string(data))
	// The group was sent SIGKILL; on a loaded machine the child may not
	// have been scheduled to die yet. Left alive it would run for 300 s, so
	// a few seconds' wait still fails when nothing killed it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		stat, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			return // gone
		}
		// A zombie is dead; nothing may reap it in a container.
		i := strings.LastIndexByte(string(stat), ')')
		state := string(stat[i+2])
		if strings.Contains("ZX", state) {
			return
		}
		require.True(t, time.Now().Before(deadline), "agent child %s still runs (state %s)", pid, state)
		time.Sleep(20 * time.Millisecond)
	}
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		cfg  agent.Config
	}{
		// Only fence agents may be run, not any binary.
		{"not a fence agent", agent.Config{Agent: "bash"}},
		// Relative paths could run anything.
		{"relative path", agent.Config{Agent: "./fence_x"}},
		// The password has its own field, so it is never stored among plain options.
		{"password in options", agent.Config{Agent: "fence_ipmilan", Options: map[string]string{"password": "x"}}},
		{"passwd in options", agent.Config{Agent: "fence_ipmilan", Options: map[string]string{"passwd": "x"}}},
		// action is Lazarus's to set.
		{"action in options", agent.Config{Agent: "fence_ipmilan", Options: map[string]string{"action": "reboot"}}},
		// A line break would inject another stdin option (action=reboot).
		{"newline in value", agent.Config{Agent: "fence_ipmilan", Options: map[string]string{"ip": "a\naction=reboot"}}},
		{"newline in password", agent.Config{Agent: "fence_ipmilan", Password: "a\naction=reboot"}},
		{"bad key", agent.Config{Agent: "fence_ipmilan", Options: map[string]string{"a=b": "x"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := agent.New(c.cfg)
			require.Error(t, err)
		})
	}
	d, err := agent.New(agent.Config{Agent: "fence_ipmilan", Options: map[string]string{"ip": "10.0.0.5", "ipport": "623"}, Password: "pw"})
	require.NoError(t, err, "fence_ipmilan is installed (make services)")
	require.Equal(t, "agent:fence_ipmilan:10.0.0.5:623", d.Name())
	require.NotContains(t, agent.Config{Password: "pw-123"}.String(), "pw-123")
}
