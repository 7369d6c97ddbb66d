package hosts

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// ListOptsBuilder adds query parameters to a List request.
type ListOptsBuilder interface {
	ToHostListQuery() (string, error)
}

// ListOpts filters, sorts and pages a host list. OnMaintenance and Reserved
// are sent as given and parsed strictly by the API ("true", "false", "1"…).
// Marker is the integer id of the last host seen.
type ListOpts struct {
	Limit             int      `q:"limit"`
	Marker            string   `q:"marker"`
	SortKey           []string `q:"sort_key"`
	SortDir           []string `q:"sort_dir"`
	FailoverSegmentID string   `q:"failover_segment_id"`
	Type              string   `q:"type"`
	OnMaintenance     string   `q:"on_maintenance"`
	Reserved          string   `q:"reserved"`
}

// ToHostListQuery formats a ListOpts into a query string.
func (opts ListOpts) ToHostListQuery() (string, error) {
	q, err := gophercloud.BuildQueryString(opts)
	if err != nil {
		return "", err
	}
	return q.String(), nil
}

// List returns a Pager over the hosts of a segment, paged by integer id.
func List(client *gophercloud.ServiceClient, segmentID string, opts ListOptsBuilder) pagination.Pager {
	url := ListURL(client, segmentID)
	if opts != nil {
		query, err := opts.ToHostListQuery()
		if err != nil {
			return pagination.Pager{Err: err}
		}
		url += query
	}
	return pagination.NewPager(client, url, func(r pagination.PageResult) pagination.Page {
		p := HostPage{pagination.MarkerPageBase{PageResult: r}}
		p.Owner = p
		return p
	})
}

// Get fetches one host of a segment by uuid.
func Get(ctx context.Context, client *gophercloud.ServiceClient, segmentID, id string) (r GetResult) {
	var raw json.RawMessage
	resp, err := client.Get(ctx, GetURL(client, segmentID, id), &raw, nil)
	r.Body = raw
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}

// CreateOptsBuilder builds the body of a Create request.
type CreateOptsBuilder interface {
	ToHostCreateMap() (map[string]any, error)
}

// CreateOpts is a new host. Name must be the host of a nova-compute service.
type CreateOpts struct {
	Name              string `json:"name" required:"true"`
	Type              string `json:"type" required:"true"`
	ControlAttributes string `json:"control_attributes" required:"true"`
	Reserved          *bool  `json:"reserved,omitempty"`
	OnMaintenance     *bool  `json:"on_maintenance,omitempty"`
}

// ToHostCreateMap wraps the options in {"host": {...}}.
func (opts CreateOpts) ToHostCreateMap() (map[string]any, error) {
	return gophercloud.BuildRequestBody(opts, "host")
}

// Create adds a host to a segment; the API answers 201.
func Create(ctx context.Context, client *gophercloud.ServiceClient, segmentID string, opts CreateOptsBuilder) (r CreateResult) {
	b, err := opts.ToHostCreateMap()
	if err != nil {
		r.Err = err
		return
	}
	var raw json.RawMessage
	resp, err := client.Post(ctx, ListURL(client, segmentID), b, &raw, &gophercloud.RequestOpts{
		OkCodes: []int{http.StatusCreated, http.StatusOK},
	})
	r.Body = raw
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}

// UpdateOptsBuilder builds the body of an Update request.
type UpdateOptsBuilder interface {
	ToHostUpdateMap() (map[string]any, error)
}

// UpdateOpts changes a host; nil fields are left alone.
type UpdateOpts struct {
	Name              *string `json:"name,omitempty"`
	Type              *string `json:"type,omitempty"`
	ControlAttributes *string `json:"control_attributes,omitempty"`
	Reserved          *bool   `json:"reserved,omitempty"`
	OnMaintenance     *bool   `json:"on_maintenance,omitempty"`
}

// ToHostUpdateMap wraps the options in {"host": {...}}.
func (opts UpdateOpts) ToHostUpdateMap() (map[string]any, error) {
	return gophercloud.BuildRequestBody(opts, "host")
}

// Update changes a host.
func Update(ctx context.Context, client *gophercloud.ServiceClient, segmentID, id string, opts UpdateOptsBuilder) (r UpdateResult) {
	b, err := opts.ToHostUpdateMap()
	if err != nil {
		r.Err = err
		return
	}
	var raw json.RawMessage
	resp, err := client.Put(ctx, GetURL(client, segmentID, id), b, &raw, &gophercloud.RequestOpts{
		OkCodes: []int{http.StatusOK},
	})
	r.Body = raw
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}

// Delete removes a host; the API answers 204.
func Delete(ctx context.Context, client *gophercloud.ServiceClient, segmentID, id string) (r DeleteResult) {
	resp, err := client.Delete(ctx, GetURL(client, segmentID, id), &gophercloud.RequestOpts{
		OkCodes: []int{http.StatusNoContent},
	})
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}
