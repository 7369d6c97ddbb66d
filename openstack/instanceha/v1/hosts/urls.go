package hosts

import "github.com/gophercloud/gophercloud/v2"

// ListURL returns the collection URL of a segment's hosts.
func ListURL(c *gophercloud.ServiceClient, segmentID string) string {
	return c.ServiceURL("segments", segmentID, "hosts")
}

// GetURL returns the URL of one host.
func GetURL(c *gophercloud.ServiceClient, segmentID, id string) string {
	return c.ServiceURL("segments", segmentID, "hosts", id)
}
