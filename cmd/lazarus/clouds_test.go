package main

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The keys gophercloud's clouds.yaml schema does not have, which this
// client reads beside it, and secure.yaml's keys going over clouds.yaml's.
func TestCloudsYAMLKeysBesideGophercloudsSchema(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	writeFile(t, filepath.Join(home, ".config", "openstack", "clouds.yaml"), `
clouds:
  old:
    auth:
      auth_url: https://k:5000/v3
      username: u
      tenant_name: legacy-project
      tenant_id: legacy-id
    endpoint_type: internalURL
    ha_api_version: "1.3"
    instance_ha_endpoint_override: http://ha.example:15868/v1
  dev:
    auth_type: none
    auth:
      endpoint: http://127.0.0.1:15868/v1
    instance_ha_endpoint_override: http://override:15868/v1
`)
	writeFile(t, filepath.Join(home, ".config", "openstack", "secure.yaml"), `
clouds:
  old:
    auth:
      password: pw
      username: from-secure
    region_name: RegionSecure
`)
	resolve := func(cloud string) settings {
		t.Helper()
		env := map[string]string{"HOME": home, "OS_CLOUD": cloud}
		a := &app{io: &stdio{out: io.Discard, err: io.Discard}, getenv: func(k string) string { return env[k] }}
		require.NoError(t, a.rootCommand().PersistentFlags().Parse(nil))
		s, err := a.resolve()
		require.NoError(t, err)
		require.Equal(t, map[string]string{"old": "1.3", "dev": "1.2"}[cloud], a.g.haAPIVersion, "ha_api_version is the version's default")
		return s
	}
	s := resolve("old")
	require.Equal(t, "legacy-project", s.projectName, "tenant_name is project_name's old spelling")
	require.Equal(t, "legacy-id", s.projectID)
	require.Equal(t, "internalURL", s.iface, "endpoint_type is interface's other name")
	require.Equal(t, "http://ha.example:15868/v1", s.endpoint)
	require.Equal(t, "pw", s.password, "secure.yaml adds the password")
	require.Equal(t, "from-secure", s.username, "and its keys win")
	require.Equal(t, "https://k:5000/v3", s.authURL, "what secure.yaml does not set stays")
	require.Equal(t, "RegionSecure", s.regionName)

	s = resolve("dev")
	require.Equal(t, "none", s.authType)
	require.Equal(t, "http://override:15868/v1", s.endpoint, "instance_ha_endpoint_override beats auth.endpoint")
}
