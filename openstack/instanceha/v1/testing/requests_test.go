package testing

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/stretchr/testify/require"

	v1 "github.com/lazarus-ha/lazarus/openstack/instanceha/v1"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/fencedevices"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/hosts"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/notifications"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/segments"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/vmoves"
)

// request is what the fake server saw.
type request struct {
	Method, Path, Query, Version, Token string
	Body                                map[string]any
}

// route answers one method+path with a status and body.
type route struct {
	status int
	body   string
}

type testBundle struct {
	client *gophercloud.ServiceClient
	mu     sync.Mutex
	seen   []request
	routes map[string]func(r *http.Request) route
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	tb := &testBundle{routes: map[string]func(*http.Request) route{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			Version: r.Header.Get("OpenStack-API-Version"), Token: r.Header.Get("X-Auth-Token")}
		if b, _ := io.ReadAll(r.Body); len(b) > 0 {
			_ = json.Unmarshal(b, &req.Body)
		}
		tb.mu.Lock()
		tb.seen = append(tb.seen, req)
		h := tb.routes[r.Method+" "+r.URL.Path]
		tb.mu.Unlock()
		if h == nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"itemNotFound": {"code": 404, "message": "not routed"}}`)
			return
		}
		rt := h(r)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rt.status)
		_, _ = io.WriteString(w, rt.body)
	}))
	t.Cleanup(srv.Close)
	c, err := v1.NewNoAuthClient(srv.URL+"/v1", nil)
	require.NoError(t, err)
	c.Microversion = "1.2"
	tb.client = c
	return tb
}

func (tb *testBundle) handle(method, path string, status int, body string) {
	tb.routes[method+" "+path] = func(*http.Request) route { return route{status, body} }
}

func (tb *testBundle) requests() []request {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]request(nil), tb.seen...)
}

func TestSegmentsListPagesByIntegerID(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.routes["GET /v1/segments"] = func(r *http.Request) route {
		switch r.URL.Query().Get("marker") {
		case "":
			return route{200, `{"segments": [` + segmentA + `]}`}
		case "4":
			return route{200, `{"segments": [` + segmentB + `]}`}
		default:
			return route{200, `{"segments": []}`}
		}
	}
	pages, err := segments.List(tb.client, segments.ListOpts{Limit: 1, SortKey: []string{"name"}, SortDir: []string{"asc"}}).AllPages(context.Background())
	require.NoError(t, err)
	all, err := segments.ExtractSegments(pages)
	require.NoError(t, err)
	require.Len(t, all, 2)
	require.Equal(t, "seg-a", all[0].Name)
	require.Nil(t, all[0].Description)
	require.Equal(t, "second", *all[1].Description)
	require.False(t, all[1].Enabled)

	seen := tb.requests()
	require.Len(t, seen, 3, "pages until an empty one")
	require.Equal(t, "limit=1&sort_dir=asc&sort_key=name", seen[0].Query)
	require.Contains(t, seen[1].Query, "marker=4", "the marker is the last item's integer id, not its uuid")
	require.Contains(t, seen[2].Query, "marker=5")
	for _, r := range seen {
		require.Equal(t, "instance-ha 1.2", r.Version)
		require.Equal(t, v1.NoAuthToken, r.Token)
	}
}

func TestSegmentsCRUD(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	id := "9f7c0c4e-6a52-4b1f-8d1d-6a3b1e0f5c11"
	tb.handle("GET", "/v1/segments/"+id, 200, `{"segment": `+segmentA+`}`)
	tb.handle("POST", "/v1/segments", 201, `{"segment": `+segmentA+`}`)
	tb.handle("PUT", "/v1/segments/"+id, 200, `{"segment": `+segmentA+`}`)
	tb.handle("DELETE", "/v1/segments/"+id, 204, ``)

	s, err := segments.Get(ctx, tb.client, id).Extract()
	require.NoError(t, err)
	require.Equal(t, 4, s.ID)
	require.Equal(t, "2017-04-21T08:59:53.000000", s.CreatedAt)

	enabled := false
	_, err = segments.Create(ctx, tb.client, segments.CreateOpts{Name: "seg-a", RecoveryMethod: "auto", ServiceType: "COMPUTE", Enabled: &enabled}).Extract()
	require.NoError(t, err)
	name := "renamed"
	_, err = segments.Update(ctx, tb.client, id, segments.UpdateOpts{Name: &name}).Extract()
	require.NoError(t, err)
	require.NoError(t, segments.Delete(ctx, tb.client, id).ExtractErr())

	seen := tb.requests()
	require.Equal(t, map[string]any{"segment": map[string]any{"name": "seg-a", "recovery_method": "auto", "service_type": "COMPUTE", "enabled": false}}, seen[1].Body,
		"enabled=false must be sent, not dropped as a zero value")
	require.Equal(t, map[string]any{"segment": map[string]any{"name": "renamed"}}, seen[2].Body, "update sends only what changes")
}

func TestSegmentsCreateRequiresName(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	err := segments.Create(context.Background(), tb.client, segments.CreateOpts{RecoveryMethod: "auto", ServiceType: "COMPUTE"}).Err
	require.Error(t, err)
	require.Empty(t, tb.requests(), "a request missing a required field is never sent")
}

func TestErrorsKeepStatusAndBody(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.handle("POST", "/v1/segments", 409, `{"conflictingRequest": {"code": 409, "message": "Failover segment with name seg-a already exists."}}`)
	_, err := segments.Create(context.Background(), tb.client, segments.CreateOpts{Name: "seg-a", RecoveryMethod: "auto", ServiceType: "COMPUTE"}).Extract()
	require.True(t, gophercloud.ResponseCodeIs(err, http.StatusConflict))
	var ue gophercloud.ErrUnexpectedResponseCode
	require.ErrorAs(t, err, &ue)
	require.Contains(t, string(ue.Body), "already exists")
}

func TestHosts(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	seg := "9f7c0c4e-6a52-4b1f-8d1d-6a3b1e0f5c11"
	hid := "1f7c0c4e-6a52-4b1f-8d1d-6a3b1e0f5c12"
	tb.routes["GET /v1/segments/"+seg+"/hosts"] = func(r *http.Request) route {
		if r.URL.Query().Get("marker") == "" {
			return route{200, `{"hosts": [` + hostA + `]}`}
		}
		return route{200, `{"hosts": []}`}
	}
	tb.handle("GET", "/v1/segments/"+seg+"/hosts/"+hid, 200, `{"host": `+hostA+`}`)
	tb.handle("POST", "/v1/segments/"+seg+"/hosts", 201, `{"host": `+hostA+`}`)
	tb.handle("PUT", "/v1/segments/"+seg+"/hosts/"+hid, 200, `{"host": `+hostA+`}`)
	tb.handle("DELETE", "/v1/segments/"+seg+"/hosts/"+hid, 204, ``)

	pages, err := hosts.List(tb.client, seg, hosts.ListOpts{OnMaintenance: "true"}).AllPages(ctx)
	require.NoError(t, err)
	all, err := hosts.ExtractHosts(pages)
	require.NoError(t, err)
	require.Len(t, all, 1)
	require.Equal(t, "seg-a", all[0].FailoverSegment.Name)

	h, err := hosts.Get(ctx, tb.client, seg, hid).Extract()
	require.NoError(t, err)
	require.Equal(t, "SSH", h.ControlAttributes)

	reserved := true
	_, err = hosts.Create(ctx, tb.client, seg, hosts.CreateOpts{Name: "compute-1", Type: "COMPUTE", ControlAttributes: "SSH", Reserved: &reserved}).Extract()
	require.NoError(t, err)
	maint := false
	_, err = hosts.Update(ctx, tb.client, seg, hid, hosts.UpdateOpts{OnMaintenance: &maint}).Extract()
	require.NoError(t, err)
	require.NoError(t, hosts.Delete(ctx, tb.client, seg, hid).ExtractErr())

	seen := tb.requests()
	require.Equal(t, "on_maintenance=true", seen[0].Query)
	require.Equal(t, map[string]any{"host": map[string]any{"name": "compute-1", "type": "COMPUTE", "control_attributes": "SSH", "reserved": true}}, seen[3].Body)
	require.Equal(t, map[string]any{"host": map[string]any{"on_maintenance": false}}, seen[4].Body)
}

func TestNotifications(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	nid := "2f7c0c4e-6a52-4b1f-8d1d-6a3b1e0f5c13"
	tb.routes["GET /v1/notifications"] = func(r *http.Request) route {
		if r.URL.Query().Get("marker") == "" {
			return route{200, `{"notifications": [` + notificationA + `]}`}
		}
		return route{200, `{"notifications": []}`}
	}
	tb.handle("GET", "/v1/notifications/"+nid, 200, `{"notification": `+notificationA+`}`)
	tb.handle("POST", "/v1/notifications", 202, `{"notification": `+notificationA+`}`)

	pages, err := notifications.List(tb.client, notifications.ListOpts{GeneratedSince: "2017-04-24T00:00:00", Status: "running"}).AllPages(ctx)
	require.NoError(t, err)
	all, err := notifications.ExtractNotifications(pages)
	require.NoError(t, err)
	require.Len(t, all, 1)

	n, err := notifications.Get(ctx, tb.client, nid).Extract()
	require.NoError(t, err)
	require.Len(t, n.RecoveryWorkflowDetails, 1)
	require.Equal(t, 1.0, n.RecoveryWorkflowDetails[0].Progress)
	require.Equal(t, "0.0", n.RecoveryWorkflowDetails[0].ProgressDetails[0].Progress, "inner progress is a string on the wire")

	_, err = notifications.Create(ctx, tb.client, notifications.CreateOpts{Type: "COMPUTE_HOST", Hostname: "compute-1",
		GeneratedTime: "2017-04-24T08:34:46", Payload: map[string]any{"event": "STOPPED"}}).Extract()
	require.NoError(t, err)

	seen := tb.requests()
	require.True(t, strings.Contains(seen[0].Query, "generated-since=2017-04-24T00%3A00%3A00"), "Masakari reads generated-since with a hyphen: %s", seen[0].Query)
	require.Equal(t, "COMPUTE_HOST", seen[3].Body["notification"].(map[string]any)["type"])
}

func TestVMoves(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.client.Microversion = "1.3"
	ctx := context.Background()
	nid := "2f7c0c4e-6a52-4b1f-8d1d-6a3b1e0f5c13"
	vid := "3a7c0c4e-6a52-4b1f-8d1d-6a3b1e0f5c14"
	tb.routes["GET /v1/notifications/"+nid+"/vmoves"] = func(r *http.Request) route {
		if r.URL.Query().Get("marker") == "" {
			return route{200, `{"vmoves": [` + vmoveA + `]}`}
		}
		return route{200, `{"vmoves": []}`}
	}
	tb.handle("GET", "/v1/notifications/"+nid+"/vmoves/"+vid, 200, `{"vmove": `+vmoveA+`}`)
	pages, err := vmoves.List(tb.client, nid, vmoves.ListOpts{Status: "ongoing"}).AllPages(ctx)
	require.NoError(t, err)
	all, err := vmoves.ExtractVMoves(pages)
	require.NoError(t, err)
	require.Len(t, all, 1)
	require.Contains(t, tb.requests()[1].Query, "marker=3")
	v, err := vmoves.Get(ctx, tb.client, nid, vid).Extract()
	require.NoError(t, err)
	require.Equal(t, "compute-2", *v.DestHost)
	require.Nil(t, v.EndTime)
	require.Equal(t, "instance-ha 1.3", tb.requests()[2].Version)
}

func TestFenceDevices(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	ctx := context.Background()
	seg := "9f7c0c4e-6a52-4b1f-8d1d-6a3b1e0f5c11"
	hid := "1f7c0c4e-6a52-4b1f-8d1d-6a3b1e0f5c12"
	did := "5c7c0c4e-6a52-4b1f-8d1d-6a3b1e0f5c16"
	base := "/v1/segments/" + seg + "/hosts/" + hid
	tb.handle("GET", base+"/fence_devices", 200, `{"fence_devices": [`+fenceDeviceA+`]}`)
	tb.handle("POST", base+"/fence_devices", 201, `{"fence_device": `+fenceDeviceA+`}`)
	tb.handle("GET", base+"/fence_devices/"+did, 200, `{"fence_device": `+fenceDeviceA+`}`)
	tb.handle("PUT", base+"/fence_devices/"+did, 200, `{"fence_device": `+fenceDeviceA+`}`)
	tb.handle("DELETE", base+"/fence_devices/"+did, 204, ``)
	tb.handle("POST", base+"/fence_confirm", 201, `{"fence_confirmation": {"id": "c1", "host_id": "`+hid+`",
		"confirmed_at": "2017-04-24T08:36:00.000000", "confirmed_by": "admin@p", "comment": "checked at the rack"}}`)

	pages, err := fencedevices.List(tb.client, seg, hid).AllPages(ctx)
	require.NoError(t, err)
	all, err := fencedevices.ExtractFenceDevices(pages)
	require.NoError(t, err)
	require.Len(t, all, 1)
	require.Equal(t, "3", all[0].Options["cipher_suite"])
	ready, err := fencedevices.ExtractFenceReady(pages)
	require.NoError(t, err)
	require.False(t, ready)

	_, err = fencedevices.Create(ctx, tb.client, seg, hid, fencedevices.CreateOpts{Level: 1, Driver: "ipmi", Address: "10.0.0.5",
		Port: 623, Username: "admin", Password: "s3cret", Options: map[string]string{"cipher_suite": "3"}}).Extract()
	require.NoError(t, err)
	d, err := fencedevices.Get(ctx, tb.client, seg, hid, did).Extract()
	require.NoError(t, err)
	require.Equal(t, 623, *d.Port)
	require.True(t, d.PasswordSet)
	require.Nil(t, d.Agent)
	level := 2
	_, err = fencedevices.Update(ctx, tb.client, seg, hid, did, fencedevices.UpdateOpts{Level: &level}).Extract()
	require.NoError(t, err)
	require.NoError(t, fencedevices.Delete(ctx, tb.client, seg, hid, did).ExtractErr())
	conf, err := fencedevices.Confirm(ctx, tb.client, seg, hid, fencedevices.ConfirmOpts{Comment: "checked at the rack"}).Extract()
	require.NoError(t, err)
	require.Equal(t, "admin@p", conf.ConfirmedBy)

	seen := tb.requests()
	require.Equal(t, "s3cret", seen[1].Body["fence_device"].(map[string]any)["password"])
	require.Equal(t, map[string]any{"fence_device": map[string]any{"level": float64(2)}}, seen[3].Body)
	require.Equal(t, map[string]any{"fence_confirm": map[string]any{"comment": "checked at the rack"}}, seen[5].Body)
}

func TestGetRawKeepsTheServersBytes(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	body := `{"notification": {"payload": {"z": "1", "a": "2"}, "progress": 1.0}}`
	tb.handle("GET", "/v1/notifications/x", 200, body)
	raw, err := v1.GetRaw(context.Background(), tb.client, notifications.GetURL(tb.client, "x"))
	require.NoError(t, err)
	require.JSONEq(t, body, string(raw))
	require.Contains(t, string(raw), `"z": "1", "a": "2"`, "key order is the server's")
	require.Contains(t, string(raw), `1.0`, "number spelling is the server's")
}

func TestNewNoAuthClientRejectsBadEndpoints(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		endpoint string
		ok       bool
	}{
		{"http://127.0.0.1:15868/v1", true},  // the openstack CLI's spelling
		{"https://ha.example.com/v1/", true}, // trailing slash is fine
		{"127.0.0.1:15868/v1", false},        // no scheme: the CLI would not know how to talk to it
		{"ftp://127.0.0.1/v1", false},        // not HTTP
		{"http:///v1", false},                // no host
	} {
		_, err := v1.NewNoAuthClient(tc.endpoint, nil)
		require.Equal(t, tc.ok, err == nil, tc.endpoint)
	}
}

func TestNotificationCreateSendsTheEventIDAsAHeader(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	var header string
	tb.routes["POST /v1/notifications"] = func(r *http.Request) route {
		header = r.Header.Get("X-Lazarus-Event-Id")
		return route{http.StatusAccepted, ``} // no body: still delivered
	}
	opts := notifications.CreateOpts{Type: "COMPUTE_HOST", Hostname: "compute-1", GeneratedTime: "2026-01-02T03:04:05.000000",
		Payload: map[string]any{"event": "STOPPED"}, EventID: "ev-1"}
	require.NoError(t, notifications.Create(context.Background(), tb.client, opts).Err)
	require.Equal(t, "ev-1", header)
	seen := tb.requests()
	require.NotContains(t, seen[0].Body["notification"], "EventID", "the id is not part of Masakari's body")
	require.Len(t, seen[0].Body["notification"], 4)
}
