package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/gophercloud/gophercloud/v2"

	"github.com/lazarus-ha/lazarus/cmd/lazarus/internal/cliff"
)

// api sends requests with openstacksdk's semantics (pagination, query
// validation, error messages) and hands back bodies in the server's key
// order, so output matches the openstack CLI byte for byte.
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
	fenceDeviceDef = resourceDef{class: "FenceDevice", resourceKey: "fence_device", resourcesKey: "fence_devices",
		query: queryMapping(nil)}
)

// param is one query parameter; a list value repeats the key.
type param struct {
	key    string
	values []string
}

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

// transpose is openstacksdk's QueryParameters._validate + _transpose.
func (d resourceDef) transpose(q listQuery) ([]param, error) {
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
		return nil, cmdErrorf("Invalid query params: %s", strings.Join(invalid, ","))
	}
	var out []param
	for _, m := range d.query {
		if v, ok := q.values[m[0]]; ok {
			out = append(out, param{m[1], v})
		} else if v, ok := q.values[m[1]]; ok {
			out = append(out, param{m[1], v})
		}
	}
	return out, nil
}

// encode is requests' urlencode(params, doseq=True).
func encode(ps []param) string {
	var parts []string
	for _, p := range ps {
		for _, v := range p.values {
			parts = append(parts, url.QueryEscape(p.key)+"="+url.QueryEscape(v))
		}
	}
	return strings.Join(parts, "&")
}

func (a *api) translate(err error, reqURL string) error {
	var ue gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &ue) {
		return newHTTPError(ue)
	}
	var ce *url.Error
	if errors.As(err, &ce) && a.unreachable != nil {
		return a.unreachable(reqURL, ce)
	}
	return err
}

// request sends one call and decodes the answer in order. ok lists the
// success codes.
func (a *api) request(ctx context.Context, method, reqURL string, body any, ok ...int) (any, error) {
	var raw json.RawMessage
	opts := &gophercloud.RequestOpts{OkCodes: ok, MoreHeaders: map[string]string{"Accept": "application/json"}}
	if body != nil {
		opts.JSONBody = body
	}
	if method != http.MethodDelete {
		opts.JSONResponse = &raw
	}
	_, err := a.client.Request(ctx, method, reqURL, opts)
	if err != nil {
		return nil, a.translate(err, reqURL)
	}
	if len(raw) == 0 {
		return nil, nil
	}
	return cliff.Decode(raw)
}

// list pages like openstacksdk's Resource.list: one request unless a limit
// was given; with a limit, it follows the last item's id as the marker until
// a page comes back empty.
func (a *api) list(ctx context.Context, base string, d resourceDef, q listQuery) ([]*cliff.Map, error) {
	ps, err := d.transpose(q)
	if err != nil {
		return nil, err
	}
	var limit []string
	for _, p := range ps {
		if p.key == "limit" {
			limit = p.values
		}
	}
	var out []*cliff.Map
	var lastMarker any = nil
	first := true
	for {
		u := base
		if qs := encode(ps); qs != "" {
			u += "?" + qs
		}
		v, err := a.request(ctx, http.MethodGet, u, nil, http.StatusOK)
		if err != nil {
			return nil, err
		}
		body, _ := v.(*cliff.Map)
		items, ok := body.Get(d.resourcesKey)
		if !ok {
			return nil, cmdErrorf("%s", "'"+d.resourcesKey+"'")
		}
		list, _ := items.([]any)
		var marker any
		for _, it := range list {
			m, ok := it.(*cliff.Map)
			if !ok {
				continue
			}
			out = append(out, m)
			marker, _ = m.Get("id")
		}
		if len(list) == 0 || len(limit) == 0 {
			return out, nil
		}
		if !first && cliff.Repr(marker) == cliff.Repr(lastMarker) {
			return nil, cmdErrorf("Endless pagination loop detected, aborting")
		}
		first = false
		lastMarker = marker
		// The next request drops limit and marker and appends them again.
		var next []param
		for _, p := range ps {
			if p.key != "limit" && p.key != "marker" {
				next = append(next, p)
			}
		}
		if marker != nil {
			next = append(next, param{"marker", []string{cliff.Str(marker)}})
		}
		ps = append(next, param{"limit", limit})
	}
}

// fetch is openstacksdk's proxy _get: a failure says "No <Class> found for
// <value>".
func (a *api) fetch(ctx context.Context, reqURL string, d resourceDef, value string) (*cliff.Map, error) {
	v, err := a.request(ctx, http.MethodGet, reqURL, nil, http.StatusOK)
	if err != nil {
		var he *httpError
		if errors.As(err, &he) {
			return nil, he.withMessage(fmt.Sprintf("No %s found for %s", d.class, value))
		}
		return nil, err
	}
	return unwrap(v, d.resourceKey)
}

func unwrap(v any, key string) (*cliff.Map, error) {
	body, _ := v.(*cliff.Map)
	inner, ok := body.Get(key)
	if !ok {
		// openstacksdk takes the whole body when the key is missing.
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

// isUUIDLike is oslo's uuidutils.is_uuid_like.
func isUUIDLike(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil
}

// uuidByName is masakariclient's get_uuid_by_name: a name that is not
// uuid-like is looked up among all segments (or the hosts of segment);
// when nothing matches, the argument is used as it is.
func (a *api) uuidByName(ctx context.Context, name string, segment string) (string, error) {
	if isUUIDLike(name) {
		return name, nil
	}
	var items []*cliff.Map
	var err error
	if segment != "" {
		items, err = a.list(ctx, a.client.ServiceURL("segments", segment, "hosts"), hostDef, listQuery{})
	} else {
		items, err = a.list(ctx, a.client.ServiceURL("segments"), segmentDef, listQuery{})
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
