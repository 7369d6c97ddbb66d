package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFenceDeviceCommands drives the Lazarus-only fence-device commands
// against a real lazarus-api (the openstack CLI has no equivalent to
// compare with) and checks that the password never comes back.
func TestFenceDeviceCommands(t *testing.T) {
	lazarus := buildLazarus(t)
	ep, _ := startAPI(t)
	// No normaliser: the ids printed are used in later commands.
	c := &cli{name: "lazarus", argv: []string{lazarus}, endpoint: ep, vars: map[string]string{}, home: t.TempDir()}
	const password = "fence-pw-Zq81"
	pwFile := filepath.Join(t.TempDir(), "pw")
	require.NoError(t, os.WriteFile(pwFile, []byte(password+"\n"), 0o600))

	raw := func(args ...string) (string, string, int) {
		t.Helper()
		r := c.run(t, step{args: args})
		require.NotContains(t, r.stdout+r.stderr, password, "the password never comes back: %v", args)
		return r.stdout, r.stderr, r.code
	}
	ok := func(args ...string) string {
		t.Helper()
		out, errOut, code := raw(args...)
		require.Equal(t, 0, code, "%v: %s", args, errOut)
		return out
	}
	decode := func(s string) map[string]any {
		t.Helper()
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(s), &m), s)
		return m
	}

	ok("segment", "create", "s1", "auto", "COMPUTE")
	ok("segment", "host", "create", "compute-1", "COMPUTE", "SSH", "s1")

	d := decode(ok("fence-device", "create", "s1", "compute-1", "--driver", "ipmi", "--address", "10.0.0.5", "--port", "623",
		"--username", "admin", "--password-file", pwFile, "--option", "cipher_suite=3", "-f", "json"))
	require.Equal(t, true, d["password_set"])
	require.Equal(t, float64(1), d["level"])
	require.Equal(t, map[string]any{"cipher_suite": "3"}, d["options"])
	id := d["id"].(string)

	var list []map[string]any
	require.NoError(t, json.Unmarshal([]byte(ok("fence-device", "list", "s1", "compute-1", "-f", "json")), &list))
	require.Len(t, list, 1)
	require.Equal(t, id, list[0]["id"])

	require.Contains(t, ok("fence-device", "show", "s1", "compute-1", id, "-f", "value"), "10.0.0.5")
	d = decode(ok("fence-device", "update", "s1", "compute-1", id, "--level", "2", "-f", "json"))
	require.Equal(t, float64(2), d["level"])

	conf := decode(ok("fence-device", "confirm", "s1", "compute-1", "--comment", "checked at the rack", "-f", "json"))
	require.Equal(t, "checked at the rack", conf["comment"])
	require.NotEmpty(t, conf["confirmed_at"])

	require.Equal(t, "Fence device deleted: "+id+"\n", ok("fence-device", "delete", "s1", "compute-1", id))
	_, errOut, code := raw("fence-device", "show", "s1", "compute-1", id)
	require.Equal(t, 1, code)
	require.Equal(t, "Fence device is not found: "+id, strings.TrimSpace(errOut))
}
