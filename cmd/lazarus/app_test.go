package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// runCLI runs lazarus in-process with only the given environment.
func runCLI(t *testing.T, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &stdio{in: strings.NewReader(""), out: &out, err: &errb},
		func(k string) string { return env[k] })
	return out.String(), errb.String(), code
}

// fakeAPI answers every /v1 request with one status and body, and records
// the requests it saw.
type fakeAPI struct {
	srv    *httptest.Server
	mu     sync.Mutex
	seen   []*http.Request
	bodies []string
}

func newFakeAPI(t *testing.T, status int, contentType, body string) *fakeAPI {
	t.Helper()
	f := &fakeAPI{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.seen = append(f.seen, r)
		f.bodies = append(f.bodies, string(b))
		f.mu.Unlock()
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) endpoint() string { return f.srv.URL + "/v1" }

// The expected messages below were printed by the real openstack CLI
// (python3-openstackclient 6.0.0, python3-masakariclient 8.0.0,
// openstacksdk 0.101.0) against a server giving the same answers.
func TestErrorPathsPrintWhatTheOpenstackCLIPrints(t *testing.T) {
	t.Parallel()
	const zero = "00000000-0000-0000-0000-000000000000"
	cases := []struct {
		name        string
		status      int
		contentType string
		body        string
		args        []string
		// want has {url} for the endpoint.
		want     string
		wantCode int
		stdout   bool // the plugin prints this error on stdout and exits 0
	}{
		// keystonemiddleware's 401 body; openstacksdk raises a plain HttpException.
		{"401 list", 401, "application/json", `{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`,
			[]string{"segment", "list"}, "HttpException: 401: Client Error for url: {url}/segments, The request you have made requires authentication.\n", 1, false},
		// a fetch failure carries the proxy's "No <Class> found for <id>" message.
		{"401 show", 401, "application/json", `{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`,
			[]string{"segment", "show", zero}, "No Segment found for " + zero + ": Client Error for url: {url}/segments/" + zero + ", The request you have made requires authentication.\n", 1, false},
		{"403 list", 403, "application/json; charset=UTF-8", `{"forbidden": {"code": 403, "message": "Policy doesn't allow os_masakari_api:segments:index to be performed."}}`,
			[]string{"segment", "list"}, "HttpException: 403: Client Error for url: {url}/segments, Policy doesn't allow os_masakari_api:segments:index to be performed.\n", 1, false},
		{"403 create", 403, "application/json; charset=UTF-8", `{"forbidden": {"code": 403, "message": "Policy doesn't allow os_masakari_api:segments:create to be performed."}}`,
			[]string{"segment", "create", "a", "auto", "COMPUTE"}, "HttpException: 403: Client Error for url: {url}/segments, Policy doesn't allow os_masakari_api:segments:create to be performed.\n", 1, false},
		// masakariclient turns a 404 on show into its own CommandError.
		{"404 show", 404, "application/json; charset=UTF-8", `{"itemNotFound": {"code": 404, "message": "No failover segment with id X."}}`,
			[]string{"segment", "show", zero}, "Segment is not found: " + zero + "\n", 1, false},
		{"404 notification show", 404, "application/json; charset=UTF-8", `{"itemNotFound": {"code": 404, "message": "No notification with id X."}}`,
			[]string{"notification", "show", zero}, "Notification not found: " + zero + "\n", 1, false},
		{"404 host show", 404, "application/json; charset=UTF-8", `{"itemNotFound": {"code": 404, "message": "No host with id X."}}`,
			[]string{"segment", "host", "show", zero, zero}, "Segment host is not found: " + zero + "\n", 1, false},
		{"404 update", 404, "application/json; charset=UTF-8", `{"itemNotFound": {"code": 404, "message": "No failover segment with id X."}}`,
			[]string{"segment", "update", zero, "--name", "x"}, "No Segment found for " + zero + "\n", 1, false},
		// segment delete prints failures on stdout and carries on, exit 0.
		{"404 delete", 404, "application/json; charset=UTF-8", `{"itemNotFound": {"code": 404, "message": "No failover segment with id X."}}`,
			[]string{"segment", "delete", zero}, "ResourceNotFound: 404: Client Error for url: {url}/segments/" + zero + ", No failover segment with id X.\n", 0, true},
		{"409 create", 409, "application/json; charset=UTF-8", `{"conflictingRequest": {"code": 409, "message": "Failover segment with name seg-a already exists."}}`,
			[]string{"segment", "create", "seg-a", "auto", "COMPUTE"}, "ConflictException: 409: Client Error for url: {url}/segments, Failover segment with name seg-a already exists.\n", 1, false},
		{"409 host delete", 409, "application/json; charset=UTF-8", `{"conflictingRequest": {"code": 409, "message": "Host X can't be deleted as it is in-use to process notifications."}}`,
			[]string{"segment", "host", "delete", zero, zero}, "ConflictException: 409: Client Error for url: {url}/segments/" + zero + "/hosts/" + zero + ", Host X can't be deleted as it is in-use to process notifications.\n", 1, false},
		// no JSON: the reason phrase.
		{"503 plain", 503, "text/plain", ``,
			[]string{"segment", "list"}, "HttpException: 503: Server Error for url: {url}/segments, Service Unavailable\n", 1, false},
		{"500 html", 500, "text/html", "<html><body><h1>500 Internal Server Error</h1>\n<p>boom</p></body></html>",
			[]string{"segment", "list"}, "HttpException: 500: Server Error for url: {url}/segments, 500 Internal Server Error: boom\n", 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeAPI(t, tc.status, tc.contentType, tc.body)
			args := append([]string{"--os-auth-type", "none", "--os-endpoint", f.endpoint()}, tc.args...)
			out, errOut, code := runCLI(t, nil, args...)
			want := strings.ReplaceAll(tc.want, "{url}", f.endpoint())
			require.Equal(t, tc.wantCode, code)
			if tc.stdout {
				require.Equal(t, want, out)
				require.Empty(t, errOut)
			} else {
				require.Equal(t, want, errOut)
				require.Empty(t, out)
			}
		})
	}
}

func TestUnreachableEndpoint(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now
	ep := "http://" + addr + "/v1"
	_, errOut, code := runCLI(t, nil, "--os-auth-type", "none", "--os-endpoint", ep, "segment", "list")
	require.Equal(t, 1, code)
	// As the openstack CLI words it (its first request is version discovery).
	require.Equal(t, "Unable to find a version discovery document at "+ep+
		", the service is unavailable or misconfigured. Required version range (any - any), version hack disabled.\n", errOut)
}

func TestUsageErrorsExitTwo(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, 200, "application/json", `{"segments": []}`)
	base := []string{"--os-auth-type", "none", "--os-endpoint", f.endpoint()}
	for _, tc := range []struct {
		args []string
		last string
	}{
		{[]string{"segment", "create", "a", "nope", "COMPUTE"}, "lazarus segment create: error: argument <recovery_method>: invalid choice: 'nope' (choose from 'auto', 'reserved_host', 'auto_priority', 'rh_priority')"},
		{[]string{"segment", "create", "a"}, "lazarus segment create: error: the following arguments are required: <recovery_method>, <service_type>"},
		{[]string{"segment", "list", "-f", "shell"}, "lazarus segment list: error: argument -f/--format: invalid choice: 'shell' (choose from 'csv', 'json', 'table', 'value', 'yaml')"},
		{[]string{"segment", "host", "create", "h", "COMPUTE", "SSH", "s", "--reserved", "yes"}, "lazarus segment host create: error: argument --reserved: invalid choice: 'yes' (choose from 'True', 'False')"},
	} {
		_, errOut, code := runCLI(t, nil, append(base, tc.args...)...)
		require.Equal(t, 2, code, tc.args)
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		require.Equal(t, tc.last, lines[len(lines)-1])
	}
	require.Empty(t, f.seen, "a usage error sends nothing")
}

func TestMicroversionHeaderAndColumns(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, 200, "application/json", `{"segments": [{"id": 1, "uuid": "u", "name": "n", "description": null, "service_type": "COMPUTE", "recovery_method": "auto", "enabled": true}]}`)
	for _, tc := range []struct {
		version, header, out string
	}{
		{"", "instance-ha 1.2", "u n None COMPUTE auto True\n"},    // python-masakariclient 8.0.0's default
		{"1.0", "instance-ha 1.0", "u n None COMPUTE auto\n"},      // is_enabled only from 1.2
		{"1", "instance-ha 1.0", "u n None COMPUTE auto\n"},        // keystoneauth normalises "1"
		{"1.3", "instance-ha 1.3", "u n None COMPUTE auto True\n"}, // Lazarus serves 1.3
	} {
		args := []string{"--os-auth-type", "none", "--os-endpoint", f.endpoint()}
		if tc.version != "" {
			args = append(args, "--os-ha-api-version", tc.version)
		}
		out, errOut, code := runCLI(t, nil, append(args, "segment", "list", "-f", "value")...)
		require.Equal(t, 0, code, errOut)
		require.Equal(t, tc.out, out)
		f.mu.Lock()
		last := f.seen[len(f.seen)-1]
		f.mu.Unlock()
		require.Equal(t, tc.header, last.Header.Get("OpenStack-API-Version"))
		require.Equal(t, "notused", last.Header.Get("X-Auth-Token"), "as openstacksdk sends with auth type none")
	}
	// OS_HA_API_VERSION is the option's default.
	out, _, _ := runCLI(t, map[string]string{"OS_HA_API_VERSION": "1.1"}, "--os-auth-type", "none", "--os-endpoint", f.endpoint(), "segment", "list", "-f", "value")
	require.Equal(t, "u n None COMPUTE auto\n", out)
}

func TestLimitPagesLikeOpenstacksdk(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Query().Get("marker") {
		case "":
			_, _ = io.WriteString(w, `{"segments": [{"id": 1, "uuid": "a", "name": "a"}, {"id": 2, "uuid": "b", "name": "b"}]}`)
		case "2":
			_, _ = io.WriteString(w, `{"segments": [{"id": 3, "uuid": "c", "name": "c"}]}`)
		default:
			_, _ = io.WriteString(w, `{"segments": []}`)
		}
	}))
	defer srv.Close()
	out, errOut, code := runCLI(t, nil, "--os-auth-type", "none", "--os-endpoint", srv.URL+"/v1", "segment", "list", "--limit", "2",
		"--sort", "name:asc,created_at", "-f", "value", "-c", "name")
	require.Equal(t, 0, code, errOut)
	// openstacksdk keeps paging while pages come back non-empty, so --limit
	// bounds the page size, not the result.
	require.Equal(t, "a\nb\nc\n", out)
	require.Equal(t, []string{
		"limit=2&sort_key=name&sort_key=created_at&sort_dir=asc&sort_dir=desc",
		"sort_key=name&sort_key=created_at&sort_dir=asc&sort_dir=desc&marker=2&limit=2",
		"sort_key=name&sort_key=created_at&sort_dir=asc&sort_dir=desc&marker=3&limit=2",
	}, queries)
}

func TestNameResolution(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/segments":
			_, _ = io.WriteString(w, `{"segments": [{"id": 1, "uuid": "11111111-1111-4111-8111-111111111111", "name": "seg-a"}]}`)
		case "/v1/segments/11111111-1111-4111-8111-111111111111/hosts":
			_, _ = io.WriteString(w, `{"hosts": [{"id": 1, "uuid": "22222222-2222-4222-8222-222222222222", "name": "compute-1"}]}`)
		default:
			w.WriteHeader(204)
		}
	}))
	defer srv.Close()
	out, errOut, code := runCLI(t, nil, "--os-auth-type", "none", "--os-endpoint", srv.URL+"/v1", "segment", "host", "delete", "seg-a", "compute-1")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "Host deleted: compute-1\n", out)
	require.Equal(t, []string{
		"GET /v1/segments",
		"GET /v1/segments/11111111-1111-4111-8111-111111111111/hosts",
		"DELETE /v1/segments/11111111-1111-4111-8111-111111111111/hosts/22222222-2222-4222-8222-222222222222",
	}, paths)
}

func TestFenceDevicePasswordNeverInArgv(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, 201, "application/json", `{"fence_device": {"id": "d", "host_id": "h", "level": 1, "driver": "ipmi", "agent": null, "address": "10.0.0.5", "port": 623, "username": "admin", "password_set": true, "options": {"cipher_suite": "3"}, "fence_ready": null, "last_error": null, "checked_at": null, "created_at": "2026-01-02T03:04:05.000000", "updated_at": null}}`)
	pw := filepath.Join(t.TempDir(), "pw")
	require.NoError(t, os.WriteFile(pw, []byte("s3cret\n"), 0o600))
	seg, host := "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
	out, errOut, code := runCLI(t, nil, "--os-auth-type", "none", "--os-endpoint", f.endpoint(), "fence-device", "create", seg, host,
		"--driver", "ipmi", "--address", "10.0.0.5", "--port", "623", "--username", "admin", "--password-file", pw,
		"--option", "cipher_suite=3", "-f", "json")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, `{"fence_device":{"level":1,"driver":"ipmi","address":"10.0.0.5","port":623,"username":"admin","password":"s3cret","options":{"cipher_suite":"3"}}}`, f.bodies[0])
	require.Equal(t, "/v1/segments/"+seg+"/hosts/"+host+"/fence_devices", f.seen[0].URL.Path)
	require.NotContains(t, out, "s3cret")
	require.Contains(t, out, `"cipher_suite": "3"`)
	require.Contains(t, out, `"password_set": true`)

	// There is no option that takes a password on the command line.
	_, _, code = runCLI(t, nil, "--os-auth-type", "none", "--os-endpoint", f.endpoint(), "fence-device", "create", seg, host,
		"--driver", "ipmi", "--password", "s3cret")
	require.Equal(t, 2, code)
}
