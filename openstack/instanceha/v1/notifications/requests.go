package notifications

import (
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// ListOptsBuilder adds query parameters to a List request.
type ListOptsBuilder interface {
	ToNotificationListQuery() (string, error)
}

// ListOpts filters, sorts and pages a notification list. GeneratedSince is
// sent as "generated-since" (with a hyphen), the name Masakari reads.
type ListOpts struct {
	Limit          int      `q:"limit"`
	Marker         string   `q:"marker"`
	SortKey        []string `q:"sort_key"`
	SortDir        []string `q:"sort_dir"`
	SourceHostUUID string   `q:"source_host_uuid"`
	Type           string   `q:"type"`
	Status         string   `q:"status"`
	GeneratedSince string   `q:"generated-since"`
}

// ToNotificationListQuery formats a ListOpts into a query string.
func (opts ListOpts) ToNotificationListQuery() (string, error) {
	q, err := gophercloud.BuildQueryString(opts)
	if err != nil {
		return "", err
	}
	return q.String(), nil
}

// List returns a Pager over notifications, paged by integer id.
func List(client *gophercloud.ServiceClient, opts ListOptsBuilder) pagination.Pager {
	url := ListURL(client)
	if opts != nil {
		query, err := opts.ToNotificationListQuery()
		if err != nil {
			return pagination.Pager{Err: err}
		}
		url += query
	}
	return pagination.NewPager(client, url, func(r pagination.PageResult) pagination.Page {
		p := NotificationPage{pagination.MarkerPageBase{PageResult: r}}
		p.Owner = p
		return p
	})
}

// Get fetches one notification by uuid.
func Get(ctx context.Context, client *gophercloud.ServiceClient, id string) (r GetResult) {
	var raw json.RawMessage
	resp, err := client.Get(ctx, GetURL(client, id), &raw, nil)
	r.Body = raw
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}

// CreateOptsBuilder builds the body of a Create request.
type CreateOptsBuilder interface {
	ToNotificationCreateMap() (map[string]any, error)
}

// CreateOpts is a new notification. Payload values must be strings for the
// API to accept them; the type decides which keys are required.
type CreateOpts struct {
	Type          string         `json:"type" required:"true"`
	Hostname      string         `json:"hostname" required:"true"`
	GeneratedTime string         `json:"generated_time" required:"true"`
	Payload       map[string]any `json:"payload" required:"true"`
	// EventID is the monitor's id of the event, sent as the
	// X-Lazarus-Event-Id header (not in the body: Masakari's schema
	// rejects unknown keys), so the API's logs can tie the notification to
	// the spooled event. Empty sends no header.
	EventID string `json:"-"`
}

// CreateHeadersBuilder is the optional part of a CreateOptsBuilder that adds
// request headers.
type CreateHeadersBuilder interface {
	ToNotificationCreateHeaders() (map[string]string, error)
}

// ToNotificationCreateHeaders returns X-Lazarus-Event-Id when EventID is set.
func (opts CreateOpts) ToNotificationCreateHeaders() (map[string]string, error) {
	if opts.EventID == "" {
		return nil, nil
	}
	return map[string]string{"X-Lazarus-Event-Id": opts.EventID}, nil
}

// ToNotificationCreateMap wraps the options in {"notification": {...}}.
func (opts CreateOpts) ToNotificationCreateMap() (map[string]any, error) {
	return gophercloud.BuildRequestBody(opts, "notification")
}

// Create sends a notification; the API answers 202 with status "new".
func Create(ctx context.Context, client *gophercloud.ServiceClient, opts CreateOptsBuilder) (r CreateResult) {
	b, err := opts.ToNotificationCreateMap()
	if err != nil {
		r.Err = err
		return
	}
	// The body is read here rather than decoded by gophercloud, so that an
	// answer without one (a 202 from a proxy or a test double) is still a
	// success; Extract then fails, Err does not.
	ro := &gophercloud.RequestOpts{OkCodes: []int{http.StatusAccepted, http.StatusCreated, http.StatusOK},
		KeepResponseBody: true, MoreHeaders: map[string]string{"Accept": "application/json"}}
	if hb, ok := opts.(CreateHeadersBuilder); ok {
		h, err := hb.ToNotificationCreateHeaders()
		if err != nil {
			r.Err = err
			return
		}
		for k, v := range h {
			ro.MoreHeaders[k] = v
		}
	}
	resp, err := client.Post(ctx, ListURL(client), b, nil, ro)
	if err == nil {
		var raw []byte
		raw, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		r.Body = json.RawMessage(raw)
	}
	_, r.Header, r.Err = gophercloud.ParseResponse(resp, err)
	return
}
