package fencedevices

import "github.com/gophercloud/gophercloud/v2"

// ListURL returns the collection URL of a host's fence devices.
func ListURL(c *gophercloud.ServiceClient, segmentID, hostID string) string {
	return c.ServiceURL("segments", segmentID, "hosts", hostID, "fence_devices")
}

// GetURL returns the URL of one fence device.
func GetURL(c *gophercloud.ServiceClient, segmentID, hostID, id string) string {
	return c.ServiceURL("segments", segmentID, "hosts", hostID, "fence_devices", id)
}

// ConfirmURL returns the URL an operator posts to confirm a host is off.
func ConfirmURL(c *gophercloud.ServiceClient, segmentID, hostID string) string {
	return c.ServiceURL("segments", segmentID, "hosts", hostID, "fence_confirm")
}
