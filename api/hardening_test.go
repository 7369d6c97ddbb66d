package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/store"
)

// call sends one request to h and returns the status and the raw body.
func call(t *testing.T, h http.Handler, method, path, body string) (int, string) {
	t.Helper()
	var req *http.Request
	if body != "" {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code, w.Body.String()
}

// requireBadRequest checks Masakari's {"badRequest": {"code": 400, "message": ...}}.
func requireBadRequest(t *testing.T, code int, body, what string) {
	t.Helper()
	require.Equal(t, http.StatusBadRequest, code, "%s: %s", what, body)
	var out map[string]map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &out), "%s: %s", what, body)
	require.Equal(t, float64(400), out["badRequest"]["code"], "%s: %s", what, body)
	require.NotEmpty(t, out["badRequest"]["message"], "%s: %s", what, body)
}

// TestNULAndInvalidUTF8Are400 covers issue #16 item 2: a NUL or invalid
// UTF-8 in a query filter or a body string reached PostgreSQL and answered
// 500. Each must be a 400 with Masakari's body.
func TestNULAndInvalidUTF8Are400(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	seg, err := b.store.SegmentInsert(ctx, &store.SegmentInsertParams{Name: "seg", ServiceType: "COMPUTE", RecoveryMethod: "auto", Enabled: true})
	require.NoError(t, err)
	host, err := b.store.HostInsert(ctx, &store.HostInsertParams{SegmentUUID: seg.UUID, Name: "compute-1", Type: "COMPUTE", ControlAttributes: "SSH"})
	require.NoError(t, err)
	hosts := "/v1/segments/" + seg.UUID + "/hosts"
	for _, path := range []string{
		"/v1/segments?recovery_method=%00",
		"/v1/segments?service_type=%C0%80",
		"/v1/segments?enabled=%00",
		"/v1/segments?sort_key=%00",
		"/v1/segments?%FF=1",
		hosts + "?type=%00",
		hosts + "?on_maintenance=%C0%80",
		"/v1/notifications?status=%00",
		"/v1/notifications?source_host_uuid=%00",
		"/v1/notifications?generated-since=%C0%80",
		"/v1/notifications?type=%ff%fe",
		hosts + "/" + host.UUID + "/fence_devices?x=%00",
	} {
		code, body := call(t, b.h, "GET", path, "")
		requireBadRequest(t, code, body, path)
	}
	fence := hosts + "/" + host.UUID + "/fence_devices"
	for _, c := range []struct{ name, method, path, body string }{
		{"segment name", "POST", "/v1/segments", `{"segment": {"name": "a\u0000", "recovery_method": "auto", "service_type": "COMPUTE"}}`},
		{"segment description", "PUT", "/v1/segments/" + seg.UUID, `{"segment": {"description": "\u0000"}}`},
		{"host name", "POST", hosts, `{"host": {"name": "compute-2\u0000", "type": "COMPUTE", "control_attributes": "SSH"}}`},
		{"process_name", "POST", "/v1/notifications", `{"notification": {"type": "PROCESS", "hostname": "compute-1", "generated_time": "2026-01-02T03:04:05", "payload": {"process_name": "nova-compute\u0000", "event": "STOPPED"}}}`},
		{"event", "POST", "/v1/notifications", `{"notification": {"type": "PROCESS", "hostname": "compute-1", "generated_time": "2026-01-02T03:04:05", "payload": {"process_name": "nova-compute", "event": "\u0000"}}}`},
		{"payload key", "POST", "/v1/notifications", `{"notification": {"type": "VM", "hostname": "compute-1", "generated_time": "2026-01-02T03:04:05", "payload": {"event": "LIFECYCLE", "instance_uuid": "x", "vir_domain_event": "STOPPED_FAILED", "x\u0000": 1}}}`},
		{"fence username", "POST", fence, `{"fence_device": {"level": 1, "driver": "ipmi", "address": "10.0.0.5", "username": "ad\u0000min"}}`},
		{"fence address", "POST", fence, `{"fence_device": {"level": 1, "driver": "ipmi", "address": "10.0.0.5\u0000"}}`},
		{"agent option key", "POST", fence, `{"fence_device": {"level": 1, "driver": "agent", "agent": "fence_ipmilan", "options": {"ip\u0000": "a"}}}`},
		{"agent option value", "POST", fence, `{"fence_device": {"level": 1, "driver": "agent", "agent": "fence_ipmilan", "options": {"ip": "a\u0000"}}}`},
		{"fence_confirm comment", "POST", hosts + "/" + host.UUID + "/fence_confirm", `{"fence_confirm": {"comment": "off\u0000"}}`},
		// A lone surrogate is not a character: refused, not turned into U+FFFD.
		{"lone high surrogate", "POST", "/v1/segments", `{"segment": {"name": "a\ud800", "recovery_method": "auto", "service_type": "COMPUTE"}}`},
		{"lone low surrogate", "POST", "/v1/segments", `{"segment": {"name": "\udc00b", "recovery_method": "auto", "service_type": "COMPUTE"}}`},
		{"high surrogate then other escape", "POST", "/v1/segments", `{"segment": {"name": "\ud800\u0041", "recovery_method": "auto", "service_type": "COMPUTE"}}`},
		{"surrogate in a key", "POST", "/v1/segments", `{"segment": {"name": "s", "recovery_method": "auto", "service_type": "COMPUTE", "\udfff": 1}}`},
	} {
		code, body := call(t, b.h, c.method, c.path, c.body)
		requireBadRequest(t, code, body, c.name)
	}
	// The same strings with real characters pass, and a valid surrogate
	// pair (an emoji) is kept as the character it encodes.
	code, body := call(t, b.h, "POST", hosts+"/"+host.UUID+"/fence_confirm", `{"fence_confirm": {"comment": "off \ud83d\ude00"}}`)
	require.Equal(t, http.StatusCreated, code, body)
	require.Contains(t, body, `"comment": "off \ud83d\ude00"`)
	code, body = call(t, b.h, "POST", "/v1/segments", `{"segment": {"name": "s-\\ud800", "recovery_method": "auto", "service_type": "COMPUTE"}}`)
	require.Equal(t, http.StatusCreated, code, "an escaped backslash is not an escape: %s", body)
	code, body = call(t, b.h, "GET", "/v1/segments?recovery_method=auto&service_type=COMPUTE", "")
	require.Equal(t, http.StatusOK, code, body)
	segs, err := b.store.SegmentList(ctx, &store.SegmentListParams{ListParams: store.ListParams{Limit: 100}})
	require.NoError(t, err)
	for _, s := range segs {
		require.NotContains(t, s.Name, "\ufffd", "no string was silently rewritten")
	}
}
