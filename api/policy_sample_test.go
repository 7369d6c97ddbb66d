package api

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPolicySampleIsCurrent: etc/policy.yaml.sample lists every default
// rule with its default check string, and uncommented it is a valid
// policy file equal to the defaults.
func TestPolicySampleIsCurrent(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../etc/policy.yaml.sample")
	require.NoError(t, err)
	var uncommented []string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, `#"`) {
			uncommented = append(uncommented, strings.TrimPrefix(line, "#"))
		}
	}
	text := strings.Join(uncommented, "\n")
	for name, check := range DefaultRules {
		require.Contains(t, text, `"`+name+`": "`+check+`"`, "etc/policy.yaml.sample lacks rule %s", name)
	}
	// The example line overrides one rule; drop it and the rest must load.
	var defaults []string
	for _, l := range uncommented {
		if !strings.Contains(l, "role:member") {
			defaults = append(defaults, l)
		}
	}
	p := filepath.Join(t.TempDir(), "policy.yaml")
	require.NoError(t, os.WriteFile(p, []byte(strings.Join(defaults, "\n")), 0o600))
	pol, err := NewPolicy(p)
	require.NoError(t, err)
	require.True(t, pol.Enforce("os_masakari_api:segments:index", &Credentials{IsAdmin: true}, nil))
	require.False(t, pol.Enforce("os_masakari_api:segments:index", &Credentials{Roles: []string{"member"}}, nil))
}
