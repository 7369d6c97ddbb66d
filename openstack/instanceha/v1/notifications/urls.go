package notifications

import "github.com/gophercloud/gophercloud/v2"

// ListURL returns the collection URL.
func ListURL(c *gophercloud.ServiceClient) string { return c.ServiceURL("notifications") }

// GetURL returns the URL of one notification.
func GetURL(c *gophercloud.ServiceClient, id string) string {
	return c.ServiceURL("notifications", id)
}
