package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/api"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/fixtures"
	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

var update = flag.Bool("update", false, "rewrite the golden files in openstack/instanceha/fixtures")

const fixturesDir = "../openstack/instanceha/fixtures"

// fakeCompute knows a fixed set of nova-compute hosts.
type fakeCompute map[string]bool

func (f fakeCompute) ComputeServiceExists(_ context.Context, host string) (bool, error) {
	return f[host], nil
}

// fakeWorkflow returns one step for every notification.
type fakeWorkflow struct{}

func (fakeWorkflow) RecoveryWorkflowDetails(_ context.Context, _ string) ([]store.WorkflowDetail, error) {
	return []store.WorkflowDetail{{
		Name: "DisableComputeServiceTask", State: "SUCCESS", Progress: 1,
		ProgressDetails: []store.WorkflowProgress{
			{Timestamp: time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC), Message: "Disabling compute service on host: 'compute-1'", Progress: 0},
			{Timestamp: time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC), Message: "Disabled compute service on host: 'compute-1'", Progress: 1},
		},
	}}, nil
}

type bundle struct {
	t     *testing.T
	store *store.Store
	h     http.Handler
	vars  map[string]string
	norm  *fixtures.Normalizer
	seen  map[string]bool
}

func setup(t *testing.T) *bundle {
	t.Helper()
	s := storetest.NewStore(t)
	h := api.NewRouter(api.Deps{
		Store: s, Auth: api.NoAuth{},
		Compute:         fakeCompute{"compute-1": true, "compute-2": true, "compute-3": true, "compute-4": true},
		Workflow:        fakeWorkflow{},
		DuplicateWindow: 180 * time.Second,
		MaxBodySize:     4096,
	})
	n := fixtures.NewNormalizer()
	n.Keep["6b8a8d0e-6b38-4b4e-9d59-7a0f4f0f9c11"] = true
	return &bundle{t: t, store: s, h: h, vars: map[string]string{}, norm: n, seen: map[string]bool{}}
}

// step is one golden exchange.
type step struct {
	name    string
	method  string
	path    string // may hold {placeholders} from earlier saves
	headers map[string]string
	body    string
	status  int
	// save stores response fields for later paths: placeholder -> dotted
	// path in the response body ("segment.uuid").
	save map[string]string
	// check runs extra assertions on the decoded body.
	check func(t *testing.T, body map[string]any, hdr http.Header)
}

var placeholder = regexp.MustCompile(`\{[a-z0-9_]+\}`)

func (b *bundle) run(s step) map[string]any {
	t := b.t
	t.Helper()
	require.False(t, b.seen[s.name], "duplicate step name %s", s.name)
	b.seen[s.name] = true
	path := placeholder.ReplaceAllStringFunc(s.path, func(p string) string {
		v, ok := b.vars[p[1:len(p)-1]]
		require.True(t, ok, "%s: no value for %s", s.name, p)
		return v
	})
	var body io.Reader
	if s.body != "" {
		body = strings.NewReader(s.body)
	}
	req := httptest.NewRequest(s.method, path, body)
	if s.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range s.headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	res := rec.Result()
	data, _ := io.ReadAll(res.Body)
	require.Equal(t, s.status, res.StatusCode, "%s %s %s: %s", s.name, s.method, path, data)
	require.NotEmpty(t, res.Header.Get("x-openstack-request-id"), s.name)

	var decoded map[string]any
	got := fixtures.Exchange{Name: s.name, Request: fixtures.Request{Method: s.method, Path: s.path, Headers: s.headers}}
	if s.body != "" {
		if json.Valid([]byte(s.body)) && len(s.body) < 1000 {
			got.Request.Body = json.RawMessage(s.body)
		} else if len(s.body) < 1000 {
			got.Request.RawBody = s.body
		} else {
			got.Request.RawBody = fmt.Sprintf("<%d bytes>", len(s.body))
		}
	}
	got.Reply.Status = res.StatusCode
	got.Reply.Headers = map[string]string{}
	for _, k := range []string{"Content-Type", "OpenStack-API-Version", "Vary"} {
		if v := res.Header.Get(k); v != "" {
			got.Reply.Headers[k] = v
		}
	}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") && len(data) > 0 {
		require.NoError(t, json.Unmarshal(data, &decoded), s.name)
		norm, err := b.norm.JSON(data)
		require.NoError(t, err)
		got.Reply.Body = norm
	} else if len(data) > 0 {
		got.Reply.Text = string(data)
	}
	for k, p := range s.save {
		v := any(decoded)
		for _, part := range strings.Split(p, ".") {
			v = v.(map[string]any)[part]
		}
		b.vars[k] = fmt.Sprint(v)
	}
	if s.check != nil {
		s.check(t, decoded, res.Header)
	}

	file := filepath.Join(fixturesDir, s.name+".json")
	if *update {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		require.NoError(t, enc.Encode(got))
		require.NoError(t, os.WriteFile(file, buf.Bytes(), 0o644))
		return decoded
	}
	want, err := fixtures.Load(s.name)
	require.NoError(t, err, "missing golden file: run go test ./api -run TestGolden -update")
	wantJSON, _ := json.Marshal(want)
	gotJSON, _ := json.Marshal(got)
	require.JSONEq(t, string(wantJSON), string(gotJSON), "golden %s differs (go test ./api -run TestGolden -update rewrites it)", s.name)
	return decoded
}

func message(t *testing.T, body map[string]any, fault string) string {
	t.Helper()
	f, ok := body[fault].(map[string]any)
	require.True(t, ok, "want a %s fault, got %v", fault, body)
	return f["message"].(string)
}

func wantFault(fault, msg string) func(t *testing.T, body map[string]any, hdr http.Header) {
	return func(t *testing.T, body map[string]any, hdr http.Header) {
		t.Helper()
		require.Equal(t, msg, message(t, body, fault))
		require.Equal(t, "application/json; charset=UTF-8", hdr.Get("Content-Type"))
	}
}

func v(ver string) map[string]string {
	return map[string]string{"OpenStack-API-Version": "instance-ha " + ver}
}

// TestGolden walks every endpoint and every error the issue lists, in one
// scenario on a fresh database, and compares each exchange with its golden
// file. Statuses and Masakari's messages are also asserted inline.
func TestGolden(t *testing.T) {
	t.Parallel()
	b := setup(t)
	longName := strings.Repeat("a", 256)
	steps := []step{
		// Versions and extensions.
		{name: "versions-root", method: "GET", path: "/", status: 200},
		{name: "versions-choices", method: "GET", path: "/foo", status: 300},
		{name: "version-v1", method: "GET", path: "/v1", status: 200, check: func(t *testing.T, body map[string]any, hdr http.Header) {
			require.Equal(t, "masakari 1.0", hdr.Get("OpenStack-API-Version"), "success responses name the service masakari")
			require.Equal(t, "OpenStack-API-Version", hdr.Get("Vary"))
		}},
		{name: "version-v1-by-id", method: "GET", path: "/v1/versions/v1.0", status: 200},
		{name: "extensions-list", method: "GET", path: "/v1/extensions", status: 200},
		{name: "extension-show", method: "GET", path: "/v1/extensions/segments", status: 200},
		{name: "unknown-route", method: "GET", path: "/v1/foo", status: 404},

		// Microversions.
		{name: "microversion-malformed", method: "GET", path: "/v1/segments", headers: v("1.x"), status: 400, check: func(t *testing.T, body map[string]any, hdr http.Header) {
			require.Equal(t, "API Version String 1.x is of invalid format. Must be of format MajorNum.MinorNum.", message(t, body, "badRequest"))
			require.Empty(t, hdr.Get("OpenStack-API-Version"), "no version was determined")
		}},
		{name: "microversion-unsupported", method: "GET", path: "/v1/segments", headers: v("1.4"), status: 406,
			check: wantFault("masakariFault", "Version 1.4 is not supported by the API. Minimum is 1.0 and maximum is 1.3.")},
		{name: "microversion-latest", method: "GET", path: "/v1/segments", headers: v("latest"), status: 200, check: func(t *testing.T, _ map[string]any, hdr http.Header) {
			require.Equal(t, "masakari 1.3", hdr.Get("OpenStack-API-Version"))
		}},

		// Segments.
		{name: "segment-create", method: "POST", path: "/v1/segments", headers: v("1.2"), status: 201,
			body: `{"segment": {"name": "segment1", "recovery_method": "auto", "service_type": "COMPUTE", "description": "first", "enabled": "False"}}`,
			save: map[string]string{"segment": "segment.uuid", "segment_id": "segment.id"},
			check: func(t *testing.T, body map[string]any, _ http.Header) {
				require.Equal(t, false, body["segment"].(map[string]any)["enabled"])
			}},
		{name: "segment-create-v1.0", method: "POST", path: "/v1/segments", status: 201,
			body: `{"segment": {"name": "segment2", "recovery_method": "reserved_host", "service_type": "COMPUTE"}}`,
			save: map[string]string{"segment2": "segment.uuid", "segment2_id": "segment.id"}},
		{name: "segment-create-duplicate-name", method: "POST", path: "/v1/segments", status: 409,
			body:  `{"segment": {"name": "segment1", "recovery_method": "auto", "service_type": "COMPUTE"}}`,
			check: wantFault("conflictingRequest", "Failover segment with name segment1 already exists.")},
		{name: "segment-create-invalid-name", method: "POST", path: "/v1/segments", status: 400,
			body:  `{"segment": {"name": " lead", "recovery_method": "auto", "service_type": "COMPUTE"}}`,
			check: wantFault("badRequest", "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.")},
		{name: "segment-create-name-too-long", method: "POST", path: "/v1/segments", status: 400,
			body: `{"segment": {"name": "` + longName + `", "recovery_method": "auto", "service_type": "COMPUTE"}}`},
		{name: "segment-create-bad-recovery-method", method: "POST", path: "/v1/segments", status: 400,
			body:  `{"segment": {"name": "s3", "recovery_method": "manual", "service_type": "COMPUTE"}}`,
			check: wantFault("badRequest", "Invalid input for field/attribute recovery_method. Value: manual. 'manual' is not one of ['auto', 'reserved_host', 'auto_priority', 'rh_priority']")},
		{name: "segment-create-enabled-at-1.0", method: "POST", path: "/v1/segments", status: 400,
			body:  `{"segment": {"name": "s3", "recovery_method": "auto", "service_type": "COMPUTE", "enabled": true}}`,
			check: wantFault("badRequest", "Invalid input for field/attribute segment. Value: {'name': 's3', 'recovery_method': 'auto', 'service_type': 'COMPUTE', 'enabled': True}. Additional properties are not allowed ('enabled' was unexpected)")},
		{name: "segment-create-missing-field", method: "POST", path: "/v1/segments", status: 400,
			body:  `{"segment": {"name": "s3", "recovery_method": "auto"}}`,
			check: wantFault("badRequest", "Invalid input for field/attribute segment. Value: {'name': 's3', 'recovery_method': 'auto'}. 'service_type' is a required property")},
		{name: "segment-create-empty-body", method: "POST", path: "/v1/segments", status: 400,
			check: wantFault("badRequest", "None is not of type 'object'")},
		{name: "segment-create-malformed-body", method: "POST", path: "/v1/segments", status: 400, body: `{"segment": `,
			check: wantFault("badRequest", "Malformed request body")},
		{name: "segment-create-bad-content-type", method: "POST", path: "/v1/segments", status: 415,
			headers: map[string]string{"Content-Type": "application/xml"}, body: `<segment/>`,
			check: wantFault("badMediaType", "Unsupported Content-Type")},
		{name: "segment-create-too-large", method: "POST", path: "/v1/segments", status: 413,
			body: `{"segment": {"name": "s3", "recovery_method": "auto", "service_type": "COMPUTE", "description": "` + strings.Repeat("x", 5000) + `"}}`},
		{name: "segment-list", method: "GET", path: "/v1/segments", headers: v("1.2"), status: 200, check: func(t *testing.T, body map[string]any, _ http.Header) {
			l := body["segments"].([]any)
			require.Len(t, l, 2)
			require.Equal(t, "segment2", l[0].(map[string]any)["name"], "default order created_at desc, id desc")
		}},
		{name: "segment-list-filtered-sorted", method: "GET", path: "/v1/segments?recovery_method=auto&sort_key=name&sort_dir=asc&limit=5", status: 200,
			check: func(t *testing.T, body map[string]any, _ http.Header) { require.Len(t, body["segments"].([]any), 1) }},
		{name: "segment-list-enabled-filter", method: "GET", path: "/v1/segments?enabled=false", status: 200,
			check: func(t *testing.T, body map[string]any, _ http.Header) { require.Len(t, body["segments"].([]any), 1) }},
		{name: "segment-list-marker", method: "GET", path: "/v1/segments?marker={segment2_id}", status: 200,
			check: func(t *testing.T, body map[string]any, _ http.Header) {
				l := body["segments"].([]any)
				require.Len(t, l, 1)
				require.Equal(t, "segment1", l[0].(map[string]any)["name"])
			}},
		{name: "segment-list-limit-0", method: "GET", path: "/v1/segments?limit=0", status: 200},
		{name: "segment-list-unknown-marker", method: "GET", path: "/v1/segments?marker=9999", status: 400,
			check: wantFault("badRequest", "Marker 9999 could not be found.")},
		{name: "segment-list-bad-limit", method: "GET", path: "/v1/segments?limit=-1", status: 400,
			check: wantFault("badRequest", "Invalid input received: limit must be >= 0")},
		{name: "segment-list-bad-sort-key", method: "GET", path: "/v1/segments?sort_key=type", status: 400,
			check: wantFault("badRequest", "Sort key supplied was not valid.")},
		{name: "segment-list-bad-sort-dir", method: "GET", path: "/v1/segments?sort_key=name&sort_dir=up", status: 400,
			check: wantFault("badRequest", "Invalid input received: Unknown sort direction, must be 'asc' or 'desc'")},
		{name: "segment-list-too-many-dirs", method: "GET", path: "/v1/segments?sort_dir=asc&sort_dir=desc", status: 400,
			check: wantFault("badRequest", "Invalid input received: Sort direction size exceeds sort key size")},
		{name: "segment-show", method: "GET", path: "/v1/segments/{segment}", status: 200},
		{name: "segment-show-json-suffix", method: "GET", path: "/v1/segments/{segment}.json", status: 200},
		{name: "segment-show-project-prefix", method: "GET", path: "/v1/0123abcd/segments/{segment}", status: 200,
			headers: map[string]string{"X-Project-Id": "0123abcd"}},
		{name: "segment-show-project-mismatch", method: "GET", path: "/v1/0123abcd/segments/{segment}", status: 400,
			headers: map[string]string{"X-Project-Id": "ffff"},
			check:   wantFault("badRequest", "Malformed request URL: URL's project_id '0123abcd' doesn't match Context's project_id 'ffff'")},
		{name: "segment-show-not-found", method: "GET", path: "/v1/segments/nope", status: 404,
			check: wantFault("itemNotFound", "No failover segment with id nope.")},
		{name: "segment-update", method: "PUT", path: "/v1/segments/{segment}", headers: v("1.2"), status: 200,
			body: `{"segment": {"description": null, "enabled": true, "recovery_method": "rh_priority"}}`},
		{name: "segment-update-empty", method: "PUT", path: "/v1/segments/{segment}", status: 400, body: `{"segment": {}}`,
			check: wantFault("badRequest", "Invalid input for field/attribute segment. Value: {}. {} is not valid under any of the given schemas")},
		{name: "segment-update-duplicate-name", method: "PUT", path: "/v1/segments/{segment}", status: 409,
			body: `{"segment": {"name": "segment2"}}`, check: wantFault("conflictingRequest", "Failover segment with name segment2 already exists.")},
		{name: "segment-update-not-found", method: "PUT", path: "/v1/segments/6b8a8d0e-6b38-4b4e-9d59-7a0f4f0f9c11", status: 404,
			body: `{"segment": {"name": "x"}}`},
		{name: "segment-action", method: "POST", path: "/v1/segments/{segment}/action", status: 405, body: `{"foo": {}}`,
			check: wantFault("badMethod", "The request method: 'POST' with action: 'action' is not allowed on this resource")},

		// Hosts.
		{name: "host-create", method: "POST", path: "/v1/segments/{segment}/hosts", status: 201,
			body: `{"host": {"name": "compute-1", "type": "COMPUTE", "control_attributes": "SSH"}}`,
			save: map[string]string{"host": "host.uuid", "host_uuid_seg": "host.failover_segment_id"}},
		{name: "host-create-reserved", method: "POST", path: "/v1/segments/{segment}/hosts", status: 201,
			body: `{"host": {"name": "compute-2", "type": "COMPUTE", "control_attributes": "SSH", "reserved": "True"}}`,
			save: map[string]string{"host2": "host.uuid", "host2_id": "host.id"}},
		{name: "host-create-on-maintenance", method: "POST", path: "/v1/segments/{segment2}/hosts", status: 201,
			body: `{"host": {"name": "compute-3", "type": "COMPUTE", "control_attributes": "SSH", "on_maintenance": true}}`,
			save: map[string]string{"host3": "host.uuid"}},
		{name: "host-create-unknown-compute", method: "POST", path: "/v1/segments/{segment}/hosts", status: 400,
			body:  `{"host": {"name": "ghost", "type": "COMPUTE", "control_attributes": "SSH"}}`,
			check: wantFault("badRequest", "Compute service with name ghost could not be found.")},
		{name: "host-create-duplicate", method: "POST", path: "/v1/segments/{segment2}/hosts", status: 409,
			body:  `{"host": {"name": "compute-1", "type": "COMPUTE", "control_attributes": "SSH"}}`,
			check: wantFault("conflictingRequest", "Host with name compute-1 already exists.")},
		{name: "host-create-segment-not-found", method: "POST", path: "/v1/segments/6b8a8d0e-6b38-4b4e-9d59-7a0f4f0f9c11/hosts", status: 404,
			body: `{"host": {"name": "compute-4", "type": "COMPUTE", "control_attributes": "SSH"}}`},
		{name: "host-create-bad-type", method: "POST", path: "/v1/segments/{segment}/hosts", status: 400,
			body:  `{"host": {"name": "compute-4", "type": "COMPUTE_HOST", "control_attributes": "SSH"}}`,
			check: wantFault("badRequest", "Invalid input for field/attribute type. Value: COMPUTE_HOST. 'COMPUTE_HOST' does not match '^[a-zA-Z0-9]*$'")},
		{name: "host-list", method: "GET", path: "/v1/segments/{segment}/hosts", status: 200,
			check: func(t *testing.T, body map[string]any, _ http.Header) { require.Len(t, body["hosts"].([]any), 2) }},
		{name: "host-list-filtered", method: "GET", path: "/v1/segments/{segment}/hosts?reserved=yes&name=ignored", status: 200,
			check: func(t *testing.T, body map[string]any, _ http.Header) { require.Len(t, body["hosts"].([]any), 1) }},
		{name: "host-list-marker", method: "GET", path: "/v1/segments/{segment}/hosts?marker={host2_id}", status: 200,
			check: func(t *testing.T, body map[string]any, _ http.Header) { require.Len(t, body["hosts"].([]any), 1) }},
		{name: "host-list-bad-bool", method: "GET", path: "/v1/segments/{segment}/hosts?on_maintenance=maybe", status: 400,
			check: wantFault("badRequest", "Invalid value for on_maintenance: Unrecognized value 'maybe', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'")},
		{name: "host-list-segment-not-found", method: "GET", path: "/v1/segments/6b8a8d0e-6b38-4b4e-9d59-7a0f4f0f9c11/hosts", status: 404},
		{name: "host-show", method: "GET", path: "/v1/segments/{segment}/hosts/{host}", status: 200},
		{name: "host-show-wrong-segment", method: "GET", path: "/v1/segments/{segment2}/hosts/{host}", status: 404},
		{name: "host-show-not-uuid", method: "GET", path: "/v1/segments/{segment}/hosts/nope", status: 404,
			check: wantFault("itemNotFound", "No host with id nope.")},
		{name: "host-update", method: "PUT", path: "/v1/segments/{segment}/hosts/{host2}", status: 200,
			body: `{"host": {"name": "compute-4", "reserved": false, "control_attributes": "IPMI"}}`},
		{name: "host-update-unknown-compute", method: "PUT", path: "/v1/segments/{segment}/hosts/{host2}", status: 400,
			body: `{"host": {"name": "ghost"}}`},
		{name: "host-update-duplicate-name", method: "PUT", path: "/v1/segments/{segment}/hosts/{host2}", status: 409,
			body: `{"host": {"name": "compute-1"}}`},
		{name: "host-update-empty", method: "PUT", path: "/v1/segments/{segment}/hosts/{host2}", status: 400, body: `{"host": {}}`},

		// Notifications.
		{name: "notification-create", method: "POST", path: "/v1/notifications", status: 202,
			body: `{"notification": {"type": "COMPUTE_HOST", "hostname": "compute-1", "generated_time": "2026-01-02T03:04:05Z", "payload": {"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}}}`,
			save: map[string]string{"notification": "notification.notification_uuid"},
			check: func(t *testing.T, body map[string]any, _ http.Header) {
				require.Equal(t, "new", body["notification"].(map[string]any)["status"])
			}},
		{name: "notification-create-duplicate", method: "POST", path: "/v1/notifications", status: 409,
			body:  `{"notification": {"type": "COMPUTE_HOST", "hostname": "compute-1", "generated_time": "2026-01-02 03:05:05", "payload": {"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}}}`,
			check: wantFault("conflictingRequest", "Notification received from host compute-1 of type COMPUTE_HOST is duplicate.")},
		{name: "notification-create-on-maintenance", method: "POST", path: "/v1/notifications", status: 409,
			body:  `{"notification": {"type": "COMPUTE_HOST", "hostname": "compute-3", "generated_time": "2026-01-02T03:04:05Z", "payload": {"event": "STOPPED"}}}`,
			check: wantFault("conflictingRequest", "Notification received from host compute-3 of type 'COMPUTE_HOST' is ignored as the host is already under maintenance.")},
		{name: "notification-create-unknown-host", method: "POST", path: "/v1/notifications", status: 400,
			body:  `{"notification": {"type": "PROCESS", "hostname": "ghost", "generated_time": "2026-01-02T03:04:05Z", "payload": {"event": "STOPPED", "process_name": "nova-compute"}}}`,
			check: wantFault("badRequest", "Host with name ghost could not be found.")},
		{name: "notification-create-bad-payload", method: "POST", path: "/v1/notifications", status: 400,
			body:  `{"notification": {"type": "COMPUTE_HOST", "hostname": "compute-1", "generated_time": "2026-01-02T03:04:05Z", "payload": {"event": "stopped"}}}`,
			check: wantFault("badRequest", "Invalid input for field/attribute event. Value: stopped. 'stopped' is not one of ('STARTED', 'STOPPED')")},
		{name: "notification-create-bad-time", method: "POST", path: "/v1/notifications", status: 400,
			body: `{"notification": {"type": "VM", "hostname": "compute-1", "generated_time": "yesterday", "payload": {}}}`},
		{name: "notification-create-vm", method: "POST", path: "/v1/notifications", status: 202,
			body: `{"notification": {"type": "VM", "hostname": "compute-4", "generated_time": "2026-01-02T03:04:05+01:00", "payload": {"instance_uuid": "6b8a8d0e-6b38-4b4e-9d59-7a0f4f0f9c11", "vir_domain_event": "STOPPED_FAILED", "event": "LIFECYCLE"}}}`,
			save: map[string]string{"vm_notification": "notification.notification_uuid"}},
		{name: "notification-list", method: "GET", path: "/v1/notifications", status: 200,
			check: func(t *testing.T, body map[string]any, _ http.Header) {
				require.Len(t, body["notifications"].([]any), 2)
			}},
		{name: "notification-list-filtered", method: "GET", path: "/v1/notifications?type=VM&generated-since=2026-01-02T02:00:00Z", status: 200,
			check: func(t *testing.T, body map[string]any, _ http.Header) {
				require.Len(t, body["notifications"].([]any), 1)
			}},
		{name: "notification-list-bad-generated-since", method: "GET", path: "/v1/notifications?generated-since=soon", status: 400,
			check: wantFault("badRequest", "Invalid generated-since value")},
		{name: "notification-show", method: "GET", path: "/v1/notifications/{notification}", status: 200,
			check: func(t *testing.T, body map[string]any, _ http.Header) {
				require.NotContains(t, body["notification"], "recovery_workflow_details", "only from 1.1")
			}},
		{name: "notification-show-v1.1", method: "GET", path: "/v1/notifications/{notification}", headers: v("1.1"), status: 200,
			check: func(t *testing.T, body map[string]any, _ http.Header) {
				require.Len(t, body["notification"].(map[string]any)["recovery_workflow_details"], 1)
			}},
		{name: "notification-show-not-found", method: "GET", path: "/v1/notifications/6b8a8d0e-6b38-4b4e-9d59-7a0f4f0f9c11", status: 404,
			check: wantFault("itemNotFound", "No notification with id 6b8a8d0e-6b38-4b4e-9d59-7a0f4f0f9c11.")},
		{name: "notification-update", method: "PUT", path: "/v1/notifications/{notification}", status: 405, body: `{"notification": {}}`,
			check: wantFault("badMethod", "The request method: 'PUT' with action: 'update' is not allowed on this resource")},
		{name: "notification-delete", method: "DELETE", path: "/v1/notifications/{notification}", status: 405,
			check: wantFault("badMethod", "The request method: 'DELETE' with action: 'delete' is not allowed on this resource")},

		// In use: segment1 has a new notification.
		{name: "segment-update-in-use", method: "PUT", path: "/v1/segments/{segment}", status: 409, body: `{"segment": {"name": "renamed"}}`},
		{name: "segment-delete-in-use", method: "DELETE", path: "/v1/segments/{segment}", status: 409},
		{name: "host-update-in-use", method: "PUT", path: "/v1/segments/{segment}/hosts/{host}", status: 409, body: `{"host": {"on_maintenance": false}}`},
		{name: "host-delete-in-use", method: "DELETE", path: "/v1/segments/{segment}/hosts/{host}", status: 409},
	}
	for _, s := range steps {
		b.run(s)
	}
	require.Equal(t, fmt.Sprintf("Failover segment %s can't be updated as it is in-use to process notifications.", b.vars["segment"]),
		message(t, b.run(step{name: "segment-update-in-use-2", method: "PUT", path: "/v1/segments/{segment}", status: 409, body: `{"segment": {"name": "renamed"}}`}), "conflictingRequest"))

	// VM moves, written by the engine; here straight into the table.
	ctx := context.Background()
	var moveUUID string
	require.NoError(t, b.store.Pool().QueryRow(ctx, `INSERT INTO vmoves (uuid, notification_uuid, instance_uuid, instance_name, source_host, dest_host, status, start_time)
		VALUES (gen_random_uuid(), $1, '6b8a8d0e-6b38-4b4e-9d59-7a0f4f0f9c11', 'vm1', 'compute-1', 'compute-2', 'ongoing', now()) RETURNING uuid::text`, b.vars["notification"]).Scan(&moveUUID))
	b.vars["vmove"] = moveUUID
	for _, s := range []step{
		{name: "vmove-list", method: "GET", path: "/v1/notifications/{notification}/vmoves", headers: v("1.3"), status: 200,
			check: func(t *testing.T, body map[string]any, _ http.Header) { require.Len(t, body["vmoves"].([]any), 1) }},
		{name: "vmove-list-filtered", method: "GET", path: "/v1/notifications/{notification}/vmoves?status=succeeded", headers: v("1.3"), status: 200,
			check: func(t *testing.T, body map[string]any, _ http.Header) { require.Empty(t, body["vmoves"].([]any)) }},
		{name: "vmove-show", method: "GET", path: "/v1/notifications/{notification}/vmoves/{vmove}", headers: v("1.3"), status: 200},
		{name: "vmove-show-not-found", method: "GET", path: "/v1/notifications/{notification}/vmoves/6b8a8d0e-6b38-4b4e-9d59-7a0f4f0f9c11", headers: v("1.3"), status: 404},
		{name: "vmove-list-not-host-notification", method: "GET", path: "/v1/notifications/{vm_notification}/vmoves", headers: v("1.3"), status: 400},
		{name: "vmove-create", method: "POST", path: "/v1/notifications/{notification}/vmoves", headers: v("1.3"), status: 405, body: `{}`},
	} {
		b.run(s)
	}

	// The recovery finishes; the segment can change again.
	_, err := b.store.Pool().Exec(ctx, `UPDATE notifications SET status = 'finished'`)
	require.NoError(t, err)
	for _, s := range []step{
		{name: "host-update-maintenance-off", method: "PUT", path: "/v1/segments/{segment2}/hosts/{host3}", status: 200, body: `{"host": {"on_maintenance": "false"}}`},
		{name: "host-delete", method: "DELETE", path: "/v1/segments/{segment}/hosts/{host}", status: 204},
		{name: "host-delete-not-found", method: "DELETE", path: "/v1/segments/{segment}/hosts/{host}", status: 404},
		{name: "segment-delete", method: "DELETE", path: "/v1/segments/{segment}", status: 204},
		{name: "segment-show-deleted", method: "GET", path: "/v1/segments/{segment}", status: 404},
		{name: "host-show-segment-deleted", method: "GET", path: "/v1/segments/{segment}/hosts/{host2}", status: 404},
	} {
		b.run(s)
	}
}

// TestGoldenAuth records the authentication and policy errors: no token
// (keystonemiddleware's 401) and a non-admin token (403).
func TestGoldenAuth(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.h = api.NewRouter(api.Deps{Store: b.store, Auth: &api.KeystoneAuth{
		AuthURL:   "http://keystone.example:5000/v3",
		Validator: fakeTokens{"member-token": {UserID: "u2", ProjectID: "abc123", Roles: []string{"member"}}},
	}})
	b.run(step{name: "auth-no-token", method: "GET", path: "/v1/segments", status: 401})
	b.run(step{name: "auth-invalid-token", method: "GET", path: "/v1/segments", headers: map[string]string{"X-Auth-Token": "expired"}, status: 401})
	b.run(step{name: "auth-forbidden", method: "GET", path: "/v1/segments", headers: map[string]string{"X-Auth-Token": "member-token"}, status: 403,
		check: wantFault("forbidden", "Policy doesn't allow os_masakari_api:segments:index to be performed.")})
	b.run(step{name: "auth-versions-no-token", method: "GET", path: "/", status: 200})
}
