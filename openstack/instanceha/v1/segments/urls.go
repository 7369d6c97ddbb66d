package segments

import "github.com/gophercloud/gophercloud/v2"

func rootURL(c *gophercloud.ServiceClient) string { return c.ServiceURL("segments") }

func resourceURL(c *gophercloud.ServiceClient, id string) string {
	return c.ServiceURL("segments", id)
}

// ListURL returns the collection URL, for callers that page themselves.
func ListURL(c *gophercloud.ServiceClient) string { return rootURL(c) }

// GetURL returns the URL of one segment.
func GetURL(c *gophercloud.ServiceClient, id string) string { return resourceURL(c, id) }
