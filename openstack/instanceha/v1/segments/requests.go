package segments

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// ListOptsBuilder adds query parameters to a List request.
type ListOptsBuilder interface {
	ToSegmentListQuery() (string, error)
}

// ListOpts filters, sorts and pages a segment list. SortKey and SortDir may
// repeat, pairwise, as Masakari allows. Marker is the integer id of the last
// segment seen, not its uuid.
type ListOpts struct {
	Limit          int      `q:"limit"`
	Marker         string   `q:"marker"`
	SortKey        []string `q:"sort_key"`
	SortDir        []string `q:"sort_dir"`
	RecoveryMethod string   `q:"recovery_method"`
	ServiceType    string   `q:"service_type"`
	// Enabled is sent as given ("true", "false"); Masakari compares it unparsed.
	Enabled string `q:"enabled"`
}

// ToSegmentListQuery formats a ListOpts into a query string.
func (opts ListOpts) ToSegmentListQuery() (string, error) {
	q, err := gophercloud.BuildQueryString(opts)
	if err != nil {
		return "", err
	}
	return q.String(), nil
}

// List returns a Pager over segments; it follows the last segment's integer
// id as the marker until a page comes back empty.
func List(client *gophercloud.ServiceClient, opts ListOptsBuilder) pagination.Pager {
	url := rootURL(client)
	if opts != nil {
		query, err := opts.ToSegmentListQuery()
		if err != nil {
			return pagination.Pager{Err: err}
		}
		url += query
	}
	return pagination.NewPager(client, url, func(r pagination.PageResult) pagination.Page {
		p := SegmentPage{pagination.MarkerPageBase{PageResult: r}}
		p.Owner = p
		return p
	})
}

// Get fetches one segment by uuid.
func Get(ctx context.Context, client *gophercloud.ServiceClient, id string) (r GetResult) {
	var raw json.RawMessage
	resp, err := client.Get(ctx, resourceURL(client, id), &raw, nil)
	r.Body = raw
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}

// CreateOptsBuilder builds the body of a Create request.
type CreateOptsBuilder interface {
	ToSegmentCreateMap() (map[string]any, error)
}

// CreateOpts is a new segment. Enabled is accepted from microversion 1.2 on;
// at 1.0 and 1.1 the API rejects it as an unknown property.
type CreateOpts struct {
	Name           string  `json:"name" required:"true"`
	RecoveryMethod string  `json:"recovery_method" required:"true"`
	ServiceType    string  `json:"service_type" required:"true"`
	Description    *string `json:"description,omitempty"`
	Enabled        *bool   `json:"enabled,omitempty"`
}

// ToSegmentCreateMap wraps the options in {"segment": {...}}.
func (opts CreateOpts) ToSegmentCreateMap() (map[string]any, error) {
	return gophercloud.BuildRequestBody(opts, "segment")
}

// Create makes a segment; the API answers 201.
func Create(ctx context.Context, client *gophercloud.ServiceClient, opts CreateOptsBuilder) (r CreateResult) {
	b, err := opts.ToSegmentCreateMap()
	if err != nil {
		r.Err = err
		return
	}
	var raw json.RawMessage
	resp, err := client.Post(ctx, rootURL(client), b, &raw, &gophercloud.RequestOpts{
		OkCodes: []int{http.StatusCreated, http.StatusOK},
	})
	r.Body = raw
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}

// UpdateOptsBuilder builds the body of an Update request.
type UpdateOptsBuilder interface {
	ToSegmentUpdateMap() (map[string]any, error)
}

// UpdateOpts changes a segment; nil fields are left alone.
type UpdateOpts struct {
	Name           *string `json:"name,omitempty"`
	RecoveryMethod *string `json:"recovery_method,omitempty"`
	ServiceType    *string `json:"service_type,omitempty"`
	Description    *string `json:"description,omitempty"`
	Enabled        *bool   `json:"enabled,omitempty"`
}

// ToSegmentUpdateMap wraps the options in {"segment": {...}}.
func (opts UpdateOpts) ToSegmentUpdateMap() (map[string]any, error) {
	return gophercloud.BuildRequestBody(opts, "segment")
}

// Update changes a segment.
func Update(ctx context.Context, client *gophercloud.ServiceClient, id string, opts UpdateOptsBuilder) (r UpdateResult) {
	b, err := opts.ToSegmentUpdateMap()
	if err != nil {
		r.Err = err
		return
	}
	var raw json.RawMessage
	resp, err := client.Put(ctx, resourceURL(client, id), b, &raw, &gophercloud.RequestOpts{
		OkCodes: []int{http.StatusOK},
	})
	r.Body = raw
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}

// Delete removes a segment and its hosts; the API answers 204.
func Delete(ctx context.Context, client *gophercloud.ServiceClient, id string) (r DeleteResult) {
	resp, err := client.Delete(ctx, resourceURL(client, id), &gophercloud.RequestOpts{
		OkCodes: []int{http.StatusNoContent},
	})
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}
