package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// cloudConfig is one entry of clouds.yaml, as os-client-config reads it.
type cloudConfig struct {
	Auth               map[string]any `yaml:"auth"`
	AuthType           string         `yaml:"auth_type"`
	RegionName         string         `yaml:"region_name"`
	Interface          string         `yaml:"interface"`
	Verify             *bool          `yaml:"verify"`
	CACert             string         `yaml:"cacert"`
	Cert               string         `yaml:"cert"`
	Key                string         `yaml:"key"`
	Profile            string         `yaml:"profile"`
	HAAPIVersion       string         `yaml:"ha_api_version"`
	InstanceHAEndpoint string         `yaml:"instance_ha_endpoint_override"`
	Extra              map[string]any `yaml:",inline"`
}

type cloudsFile struct {
	Clouds map[string]cloudConfig `yaml:"clouds"`
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

// loadCloudsFile reads the first clouds.yaml (or secure.yaml) found.
func loadCloudsFile(getenv func(string) string, name string) (map[string]cloudConfig, string, error) {
	for _, p := range configSearchPaths(getenv, name) {
		data, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("read %s: %w", p, err)
		}
		var f cloudsFile
		if err := yaml.Unmarshal(data, &f); err != nil {
			return nil, "", fmt.Errorf("parse %s: %w", p, err)
		}
		return f.Clouds, p, nil
	}
	return nil, "", nil
}

// findCloud returns the named cloud of clouds.yaml with secure.yaml's
// entries (passwords kept apart) merged over it.
func findCloud(getenv func(string) string, name string) (cloudConfig, error) {
	clouds, _, err := loadCloudsFile(getenv, "clouds.yaml")
	if err != nil {
		return cloudConfig{}, err
	}
	c, ok := clouds[name]
	if !ok {
		return cloudConfig{}, cmdErrorf("Cloud %s was not found.", name)
	}
	secure, _, err := loadCloudsFile(getenv, "secure.yaml")
	if err != nil {
		return cloudConfig{}, err
	}
	if s, ok := secure[name]; ok {
		if c.Auth == nil {
			c.Auth = map[string]any{}
		}
		for k, v := range s.Auth {
			c.Auth[k] = v
		}
		if s.AuthType != "" {
			c.AuthType = s.AuthType
		}
		if s.RegionName != "" {
			c.RegionName = s.RegionName
		}
	}
	return c, nil
}
