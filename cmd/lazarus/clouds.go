package main

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
	"gopkg.in/yaml.v3"
)

// cloudConfig is one entry of clouds.yaml: gophercloud's schema of the
// file, plus the keys only an instance-ha client reads.
//
// The entry is read with gophercloud's types, but not with clouds.Parse,
// which does not fit the openstack CLI's behaviour this client copies:
// Parse reads OS_CLOUD, OS_REGION_NAME, OS_INTERFACE and OS_CACERT itself
// (here the options and the environment come in through flags, over the
// file, and tests inject the environment); it makes OS_CLIENT_CONFIG_FILE
// the only place searched and looks for secure.yaml beside clouds.yaml,
// where os-client-config puts OS_CLIENT_CONFIG_FILE first in the search and
// searches secure.yaml on its own; it returns AuthOptions without the auth
// type, which decides none / token / password / application credential
// here; it drops auth.endpoint (auth_type none) and our instance_ha_* keys;
// and its "cloud not found" wording is not the openstack CLI's.
type cloudConfig struct {
	clouds.Cloud
	// AuthEndpoint is auth.endpoint, the API's address for auth_type none.
	AuthEndpoint string
	// TenantName and TenantID are auth.tenant_name and auth.tenant_id, the
	// old spellings of project_name and project_id.
	TenantName, TenantID string
	// HAAPIVersion is ha_api_version, the default of --os-ha-api-version.
	HAAPIVersion string
	// InstanceHAEndpoint is instance_ha_endpoint_override.
	InstanceHAEndpoint string
}

// decode reads n over c: the keys n sets replace c's, the others stay, which
// is how secure.yaml's entries (passwords kept apart) go over clouds.yaml's.
func (c *cloudConfig) decode(n *yaml.Node) error {
	if err := n.Decode(&c.Cloud); err != nil {
		return err
	}
	var extra struct {
		Auth struct {
			Endpoint   string `yaml:"endpoint"`
			TenantName string `yaml:"tenant_name"`
			TenantID   string `yaml:"tenant_id"`
		} `yaml:"auth"`
		HAAPIVersion       string `yaml:"ha_api_version"`
		InstanceHAEndpoint string `yaml:"instance_ha_endpoint_override"`
	}
	if err := n.Decode(&extra); err != nil {
		return err
	}
	c.AuthEndpoint = cmp.Or(extra.Auth.Endpoint, c.AuthEndpoint)
	c.TenantName = cmp.Or(extra.Auth.TenantName, c.TenantName)
	c.TenantID = cmp.Or(extra.Auth.TenantID, c.TenantID)
	c.HAAPIVersion = cmp.Or(extra.HAAPIVersion, c.HAAPIVersion)
	c.InstanceHAEndpoint = cmp.Or(extra.InstanceHAEndpoint, c.InstanceHAEndpoint)
	return nil
}

// configSearchPaths is os-client-config's order: the current directory,
// the user's config directory, then the system's. OS_CLIENT_CONFIG_FILE
// comes before all of them.
func configSearchPaths(getenv func(string) string, name string) []string {
	var paths []string
	if name == "clouds.yaml" {
		if p := getenv("OS_CLIENT_CONFIG_FILE"); p != "" {
			paths = append(paths, p)
		}
	}
	paths = append(paths, filepath.Join(".", name))
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	xdg := getenv("XDG_CONFIG_HOME")
	if xdg == "" {
		xdg = filepath.Join(home, ".config")
	}
	paths = append(paths, filepath.Join(xdg, "openstack", name))
	paths = append(paths, filepath.Join("/etc/openstack", name))
	return paths
}

// loadCloudsFile reads the clouds of the first clouds.yaml (or secure.yaml)
// found, each still undecoded.
func loadCloudsFile(getenv func(string) string, name string) (map[string]yaml.Node, error) {
	for _, p := range configSearchPaths(getenv, name) {
		data, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		var f struct {
			Clouds map[string]yaml.Node `yaml:"clouds"`
		}
		if err := yaml.Unmarshal(data, &f); err != nil {
			return nil, fmt.Errorf("parse %s: %w", p, err)
		}
		return f.Clouds, nil
	}
	return nil, nil
}

// findCloud returns the named cloud of clouds.yaml with secure.yaml's
// entry merged over it.
func findCloud(getenv func(string) string, name string) (cloudConfig, error) {
	var c cloudConfig
	all, err := loadCloudsFile(getenv, "clouds.yaml")
	if err != nil {
		return c, err
	}
	n, ok := all[name]
	if !ok {
		return c, cmdErrorf("Cloud %s was not found.", name)
	}
	if err := c.decode(&n); err != nil {
		return c, fmt.Errorf("parse cloud %s: %w", name, err)
	}
	secure, err := loadCloudsFile(getenv, "secure.yaml")
	if err != nil {
		return c, err
	}
	if s, ok := secure[name]; ok {
		if err := c.decode(&s); err != nil {
			return c, fmt.Errorf("parse cloud %s of secure.yaml: %w", name, err)
		}
	}
	if c.AuthInfo == nil {
		c.AuthInfo = &clouds.AuthInfo{}
	}
	return c, nil
}
