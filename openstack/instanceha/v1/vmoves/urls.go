package vmoves

import "github.com/gophercloud/gophercloud/v2"

// ListURL returns the collection URL of a notification's moves.
func ListURL(c *gophercloud.ServiceClient, notificationID string) string {
	return c.ServiceURL("notifications", notificationID, "vmoves")
}

// GetURL returns the URL of one move.
func GetURL(c *gophercloud.ServiceClient, notificationID, id string) string {
	return c.ServiceURL("notifications", notificationID, "vmoves", id)
}
