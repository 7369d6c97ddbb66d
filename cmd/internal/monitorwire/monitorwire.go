// Package monitorwire is what the three monitor binaries share when they
// turn the configuration into running parts: the node's name and the
// publisher's options.
package monitorwire

import (
	"os"

	"github.com/lazarus-ha/lazarus/cmd/internal/config"
	"github.com/lazarus-ha/lazarus/monitors/publish"
)

// Hostname is [DEFAULT] host, or the system host name when it is empty.
func Hostname(c *config.Config) string {
	if c.Default.Host != "" {
		return c.Default.Host
	}
	h, _ := os.Hostname()
	return h
}

// PublishOptions are the publisher options of the named monitor
// (event.MonitorHost, …) from [DEFAULT] and [monitors].
func PublishOptions(c *config.Config, monitor string) publish.Options {
	m := c.Monitors
	return publish.Options{
		Transport: m.Transport, TransportURL: c.Default.TransportURL, Queue: c.Default.NotificationQueue,
		SpoolDir: m.SpoolDir, Monitor: monitor, SpoolMax: m.SpoolMaxEvents,
		API: publish.APIConfig{
			Endpoint: m.APIEndpoint, AuthURL: m.AuthURL, Username: m.Username, Password: m.Password,
			ProjectName: m.ProjectName, UserDomainName: m.UserDomainName, ProjectDomainName: m.ProjectDomainName,
			RegionName: m.RegionName, RetryInterval: m.APIRetryInterval, RetryMax: m.APIRetryMax,
		},
	}
}
