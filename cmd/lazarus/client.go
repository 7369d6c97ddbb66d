package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"

	"github.com/lazarus-ha/lazarus/cmd/lazarus/internal/cliff"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/hosts"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/segments"
)

// api is the instance-ha client of a command: the requests of
// openstack/instanceha/v1 on a gophercloud service client. What this file
// adds is openstacksdk's behaviour where the output depends on it: query
// validation and order, paging, "No <Class> found" messages, error text,
// and bodies decoded in the server's key order.
type api struct {
	client *gophercloud.ServiceClient
	// unreachable renders a connection failure as the openstack CLI would
	// for the chosen auth type.
	unreachable func(url string, err error) error
}

// resourceDef describes an openstacksdk resource: its class name (used in
// messages), its JSON keys and its query mapping (client name → server
// name, in the order openstacksdk builds it).
type resourceDef struct {
	class        string
	resourceKey  string
	resourcesKey string
	query        [][2]string
}

func queryMapping(names []string, mappings ...[2]string) [][2]string {
	q := [][2]string{{"limit", "limit"}, {"marker", "marker"}}
	for _, n := range names {
		q = append(q, [2]string{n, n})
	}
	return append(q, mappings...)
}

var (
	segmentDef = resourceDef{class: "Segment", resourceKey: "segment", resourcesKey: "segments",
		query: queryMapping([]string{"sort_key", "sort_dir"}, [2]string{"recovery_method", "recovery_method"},
			[2]string{"service_type", "service_type"}, [2]string{"is_enabled", "enabled"})}
	hostDef = resourceDef{class: "Host", resourceKey: "host", resourcesKey: "hosts",
		query: queryMapping([]string{"sort_key", "sort_dir"}, [2]string{"failover_segment_id", "failover_segment_id"},
			[2]string{"type", "type"}, [2]string{"on_maintenance", "on_maintenance"}, [2]string{"reserved", "reserved"})}
	notificationDef = resourceDef{class: "Notification", resourceKey: "notification", resourcesKey: "notifications",
		query: queryMapping([]string{"sort_key", "sort_dir"}, [2]string{"source_host_uuid", "source_host_uuid"},
			[2]string{"type", "type"}, [2]string{"status", "status"}, [2]string{"generated_since", "generated-since"})}
	vmoveDef = resourceDef{class: "VMove", resourceKey: "vmove", resourcesKey: "vmoves",
		query: queryMapping([]string{"sort_key", "sort_dir"}, [2]string{"type", "type"}, [2]string{"status", "status"})}
	fenceDeviceDef = resourceDef{class: "FenceDevice", resourceKey: "fence_device", resourcesKey: "fence_devices"}
)

// listQuery is what masakariclient's format_sort_filter_params builds, in
// order: limit, marker, sort_key, sort_dir, then the filters.
type listQuery struct {
	keys   []string
	values map[string][]string
}

func (q *listQuery) set(k string, v ...string) {
	if q.values == nil {
		q.values = map[string][]string{}
	}
	if _, ok := q.values[k]; !ok {
		q.keys = append(q.keys, k)
	}
	q.values[k] = v
}

// sdkQuery is a query string ("?a=b&…", or empty) in the order openstacksdk
// sends it. It is the ListOptsBuilder of every list: the typed ListOpts
// encode through url.Values, which sorts the keys, and the request URL is
// part of the error messages the openstack CLI prints.
type sdkQuery string

// ToSegmentListQuery implements segments.ListOptsBuilder.
func (q sdkQuery) ToSegmentListQuery() (string, error) { return string(q), nil }

// ToHostListQuery implements hosts.ListOptsBuilder.
func (q sdkQuery) ToHostListQuery() (string, error) { return string(q), nil }

// ToNotificationListQuery implements notifications.ListOptsBuilder.
func (q sdkQuery) ToNotificationListQuery() (string, error) { return string(q), nil }

// ToVMoveListQuery implements vmoves.ListOptsBuilder.
func (q sdkQuery) ToVMoveListQuery() (string, error) { return string(q), nil }

// opts is openstacksdk's QueryParameters._validate + _transpose, then
// requests' urlencode(params, doseq=True).
func (d resourceDef) opts(q listQuery) (sdkQuery, error) {
	known := map[string]bool{}
	for _, m := range d.query {
		known[m[0]], known[m[1]] = true, true
	}
	var invalid []string
	for _, k := range q.keys {
		if !known[k] {
			invalid = append(invalid, k)
		}
	}
	if len(invalid) > 0 {
		return "", cmdErrorf("Invalid query params: %s", strings.Join(invalid, ","))
	}
	var parts []string
	add := func(key string, values []string) {
		for _, v := range values {
			parts = append(parts, url.QueryEscape(key)+"="+url.QueryEscape(v))
		}
	}
	for _, m := range d.query {
		if v, ok := q.values[m[0]]; ok {
			add(m[1], v)
		} else if v, ok := q.values[m[1]]; ok {
			add(m[1], v)
		}
	}
	if len(parts) == 0 {
		return "", nil
	}
	return sdkQuery("?" + strings.Join(parts, "&")), nil
}

// sdkPage is a page of a list as openstacksdk's Resource.list walks them:
// one request unless a limit was given; with a limit, the same query again
// with the last item's id as the marker, marker and limit moved to the end,
// until a page comes back empty.
type sdkPage struct {
	pagination.PageResult
	key string
}

func sdkPages(key string) func(pagination.PageResult) pagination.Page {
	return func(r pagination.PageResult) pagination.Page { return sdkPage{PageResult: r, key: key} }
}

// items are the page's resources. gophercloud's pager hands the body over
// decoded into Go maps, so keys come back sorted; a list prints named
// columns, and the only objects nested in them (a notification's payload)
// the API encodes from Go maps, sorted too.
func (p sdkPage) items() ([]*cliff.Map, error) {
	body, _ := p.Body.(map[string]any)
	v, ok := body[p.key]
	if !ok {
		return nil, cmdErrorf("'%s'", p.key)
	}
	list, _ := v.([]any)
	out := make([]*cliff.Map, 0, len(list))
	for _, it := range list {
		// Re-encoded, the map's keys come out sorted; numbers keep their
		// spelling (the pager decodes them as json.Number).
		raw, err := json.Marshal(it)
		if err != nil {
			return nil, err
		}
		if m, err := cliff.Decode(raw); err == nil {
			if m, ok := m.(*cliff.Map); ok {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// IsEmpty implements pagination.Page.
func (p sdkPage) IsEmpty() (bool, error) {
	items, err := p.items()
	return len(items) == 0, err
}

// GetBody implements pagination.Page.
func (p sdkPage) GetBody() any { return p.Body }

// NextPageURL implements pagination.Page.
func (p sdkPage) NextPageURL() (string, error) {
	var rest []string
	var limit, marker string
	for _, kv := range strings.Split(p.URL.RawQuery, "&") {
		switch {
		case strings.HasPrefix(kv, "limit="):
			limit = kv
		case strings.HasPrefix(kv, "marker="):
			marker = kv
		case kv != "":
			rest = append(rest, kv)
		}
	}
	if limit == "" {
		return "", nil
	}
	items, err := p.items()
	if err != nil || len(items) == 0 {
		return "", err
	}
	if id, _ := items[len(items)-1].Get("id"); id != nil {
		next := "marker=" + url.QueryEscape(cliff.Str(id))
		if next == marker {
			return "", cmdErrorf("Endless pagination loop detected, aborting")
		}
		rest = append(rest, next)
	}
	u := p.URL
	u.RawQuery = strings.Join(append(rest, limit), "&")
	return u.String(), nil
}

// list collects every page of pager, whose pages are read as sdkPages of
// key.
func (a *api) list(ctx context.Context, pager pagination.Pager, key string) ([]*cliff.Map, error) {
	var out []*cliff.Map
	err := pager.WithPageCreator(sdkPages(key)).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
		items, err := p.(sdkPage).items()
		out = append(out, items...)
		return true, err
	})
	if err != nil {
		return nil, a.translate(err)
	}
	return out, nil
}

// translate turns a gophercloud failure into what the openstack CLI prints.
func (a *api) translate(err error) error {
	if err == nil {
		return nil
	}
	var ue gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &ue) {
		return newHTTPError(ue)
	}
	var ce *url.Error
	if errors.As(err, &ce) && a.unreachable != nil {
		return a.unreachable(ce.URL, ce)
	}
	return err
}

// decode returns the object under key of a v1 result, in the server's key
// order (the v1 requests keep the body as the server sent it); a body
// without key is taken whole, as openstacksdk does.
func (a *api) decode(r gophercloud.Result, key string) (*cliff.Map, error) {
	if r.Err != nil {
		return nil, a.translate(r.Err)
	}
	raw, _ := r.Body.(json.RawMessage)
	if len(raw) == 0 {
		return cliff.NewMap(), nil
	}
	v, err := cliff.Decode(raw)
	if err != nil {
		return nil, err
	}
	body, _ := v.(*cliff.Map)
	inner, ok := body.Get(key)
	if !ok {
		if body == nil {
			return cliff.NewMap(), nil
		}
		return body, nil
	}
	m, _ := inner.(*cliff.Map)
	if m == nil {
		m = cliff.NewMap()
	}
	return m, nil
}

// fetch is decode for openstacksdk's proxy _get: a failure says "No <Class>
// found for <value>".
func (a *api) fetch(r gophercloud.Result, d resourceDef, value string) (*cliff.Map, error) {
	m, err := a.decode(r, d.resourceKey)
	var he *httpError
	if errors.As(err, &he) {
		return nil, he.withMessage(fmt.Sprintf("No %s found for %s", d.class, value))
	}
	return m, err
}

// uuidByName is masakariclient's get_uuid_by_name: a name that is not
// uuid-like (oslo's is_uuid_like) is looked up among all segments (or the
// hosts of segment); when nothing matches, the argument is used as it is.
func (a *api) uuidByName(ctx context.Context, name string, segment string) (string, error) {
	if _, err := uuid.Parse(name); err == nil {
		return name, nil
	}
	var items []*cliff.Map
	var err error
	if segment != "" {
		items, err = a.list(ctx, hosts.List(a.client, segment, nil), hostDef.resourcesKey)
	} else {
		items, err = a.list(ctx, segments.List(a.client, nil), segmentDef.resourcesKey)
	}
	if err != nil {
		return "", err
	}
	for _, it := range items {
		if n, _ := it.Get("name"); n == name {
			u, _ := it.Get("uuid")
			return cliff.Str(u), nil
		}
	}
	return name, nil
}

// attr reads a resource attribute the way openstacksdk exposes it: absent
// keys are None.
func attr(m *cliff.Map, key string) any {
	v, _ := m.Get(key)
	return v
}

// pyBool is openstacksdk's type=bool conversion: bool(value), None kept.
func pyBool(v any) any {
	if v == nil {
		return nil
	}
	return truthy(v)
}
