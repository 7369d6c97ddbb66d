package vmoves

import (
	"context"
	"encoding/json"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// ListOptsBuilder adds query parameters to a List request.
type ListOptsBuilder interface {
	ToVMoveListQuery() (string, error)
}

// ListOpts filters, sorts and pages the moves of a notification.
type ListOpts struct {
	Limit   int      `q:"limit"`
	Marker  string   `q:"marker"`
	SortKey []string `q:"sort_key"`
	SortDir []string `q:"sort_dir"`
	// Type is evacuation, migration or live_migration.
	Type string `q:"type"`
	// Status is pending, ongoing, succeeded, failed or ignored.
	Status string `q:"status"`
}

// ToVMoveListQuery formats a ListOpts into a query string.
func (opts ListOpts) ToVMoveListQuery() (string, error) {
	q, err := gophercloud.BuildQueryString(opts)
	if err != nil {
		return "", err
	}
	return q.String(), nil
}

// List returns a Pager over the moves of a notification, paged by integer id.
func List(client *gophercloud.ServiceClient, notificationID string, opts ListOptsBuilder) pagination.Pager {
	url := ListURL(client, notificationID)
	if opts != nil {
		query, err := opts.ToVMoveListQuery()
		if err != nil {
			return pagination.Pager{Err: err}
		}
		url += query
	}
	return pagination.NewPager(client, url, func(r pagination.PageResult) pagination.Page {
		p := VMovePage{pagination.MarkerPageBase{PageResult: r}}
		p.Owner = p
		return p
	})
}

// Get fetches one move by uuid.
func Get(ctx context.Context, client *gophercloud.ServiceClient, notificationID, id string) (r GetResult) {
	var raw json.RawMessage
	resp, err := client.Get(ctx, GetURL(client, notificationID, id), &raw, nil)
	r.Body = raw
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}
