package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

const waitID = "33333333-3333-4333-8333-333333333333"

// recoveryServer plays a recovery: each GET of the notification advances
// one stage; the last stage's status is final.
func recoveryServer(t *testing.T, final string, vmovesStatus int) (*httptest.Server, *[]string) {
	t.Helper()
	var mu sync.Mutex
	polls := 0
	var versions []string
	stages := []struct {
		status, details, moves string
	}{
		{"new", `[]`, `[]`},
		{"running", `[{"name": "DisableComputeServiceTask", "progress": 1.0, "state": "SUCCESS", "progress_details": [
			{"timestamp": "2026-01-02 03:04:06.000001", "message": "Disabling compute service on host: 'compute-1'", "progress": "0.0"},
			{"timestamp": "2026-01-02 03:04:07.000001", "message": "Disabled compute service on host: 'compute-1'", "progress": "1.0"}]}]`,
			`[{"id": 1, "uuid": "m1", "instance_uuid": "i1", "instance_name": "vm1", "source_host": "compute-1", "dest_host": null, "status": "pending", "message": null}]`},
		{final, `[{"name": "DisableComputeServiceTask", "progress": 1.0, "state": "SUCCESS", "progress_details": [
			{"timestamp": "2026-01-02 03:04:06.000001", "message": "Disabling compute service on host: 'compute-1'", "progress": "0.0"},
			{"timestamp": "2026-01-02 03:04:07.000001", "message": "Disabled compute service on host: 'compute-1'", "progress": "1.0"}]},
			{"name": "EvacuateInstancesTask", "progress": 1.0, "state": "SUCCESS", "progress_details": [
			{"timestamp": "2026-01-02 03:04:09.000001", "message": "Evacuation process completed!", "progress": "1.0"}]}]`,
			`[{"id": 1, "uuid": "m1", "instance_uuid": "i1", "instance_name": "vm1", "source_host": "compute-1", "dest_host": "compute-2", "status": "succeeded", "message": null}]`},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		versions = append(versions, r.Header.Get("OpenStack-API-Version"))
		w.Header().Set("Content-Type", "application/json")
		st := stages[min(polls, len(stages)-1)]
		switch r.URL.Path {
		case "/v1/notifications/" + waitID:
			polls++
			st = stages[min(polls-1, len(stages)-1)]
			fmt.Fprintf(w, `{"notification": {"id": 1, "notification_uuid": %q, "type": "COMPUTE_HOST", "status": %q,
				"source_host_uuid": "h", "generated_time": "2026-01-02T03:04:05.000000", "payload": {"event": "STOPPED"},
				"created_at": "2026-01-02T03:04:05.000000", "updated_at": null, "recovery_workflow_details": %s}}`, waitID, st.status, st.details)
		case "/v1/notifications/" + waitID + "/vmoves":
			if vmovesStatus != 200 {
				w.WriteHeader(vmovesStatus)
				_, _ = io.WriteString(w, `{"itemNotFound": {"code": 404, "message": "no"}}`)
				return
			}
			if r.URL.Query().Get("marker") != "" {
				_, _ = io.WriteString(w, `{"vmoves": []}`)
				return
			}
			fmt.Fprintf(w, `{"vmoves": %s}`, st.moves)
		default:
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &versions
}

func TestWaitFollowsTheRecoveryToItsEnd(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		final string
		code  int
	}{
		{"finished", 0}, // recovered
		{"ignored", 3},  // nothing to do (segment disabled, host already in maintenance…)
		{"failed", 4},   // gave up: the operator must look
	} {
		t.Run(tc.final, func(t *testing.T) {
			t.Parallel()
			srv, versions := recoveryServer(t, tc.final, 200)
			out, errOut, code := runCLI(t, nil, "--os-auth-type", "none", "--os-endpoint", srv.URL+"/v1",
				"notification", "show", waitID, "--wait", "--wait-interval", "1ms", "-f", "value", "-c", "status")
			require.Equal(t, tc.code, code, errOut)
			require.Equal(t, tc.final+"\n", out, "the final state is shown in the chosen format")
			// Each progress message once, in order, then the move's changes.
			require.Equal(t, 1, strings.Count(errOut, "Disabling compute service on host: 'compute-1'"))
			require.Less(t, strings.Index(errOut, "Disabling compute"), strings.Index(errOut, "Evacuation process completed!"))
			require.Contains(t, errOut, "instance vm1 (i1): compute-1 -> ? pending\n")
			require.Contains(t, errOut, "instance vm1 (i1): compute-1 -> compute-2 succeeded\n")
			require.Contains(t, errOut, ": new\n")
			require.Contains(t, errOut, ": running\n")
			require.Contains(t, errOut, ": "+tc.final+"\n")
			require.Contains(t, *versions, "instance-ha 1.3", "waiting asks for 1.3 to see the moves")
		})
	}
}

func TestWaitWithoutVMoves(t *testing.T) {
	t.Parallel()
	// An API without microversion 1.3 still shows the steps.
	srv, _ := recoveryServer(t, "finished", 404)
	_, errOut, code := runCLI(t, nil, "--os-auth-type", "none", "--os-endpoint", srv.URL+"/v1",
		"notification", "show", waitID, "--wait", "--wait-interval", "1ms", "-f", "json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "Evacuation process completed!")
	require.NotContains(t, errOut, "instance vm1")
}

func TestWaitTimesOut(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"notification": {"notification_uuid": %q, "type": "VM", "status": "running", "recovery_workflow_details": []}}`, waitID)
	}))
	defer srv.Close()
	_, errOut, code := runCLI(t, nil, "--os-auth-type", "none", "--os-endpoint", srv.URL+"/v1",
		"notification", "show", waitID, "--wait", "--wait-interval", "5ms", "--wait-timeout", "50ms")
	require.Equal(t, waitTimedOut, code)
	require.Contains(t, errOut, "Timed out after 50ms waiting for notification "+waitID)
}

func TestVMoveCommands(t *testing.T) {
	t.Parallel()
	move := `{"id": 1, "uuid": "m1", "notification_uuid": "n", "instance_uuid": "i1", "instance_name": "vm1", "source_host": "compute-1",
		"dest_host": "compute-2", "start_time": "2026-01-02T03:04:06.000000", "end_time": null, "type": "evacuation", "status": "ongoing",
		"message": null, "created_at": "2026-01-02T03:04:06.000000", "updated_at": null}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/notifications/n/vmoves":
			_, _ = io.WriteString(w, `{"vmoves": [`+move+`]}`)
		case "/v1/notifications/n/vmoves/m1":
			_, _ = io.WriteString(w, `{"vmove": `+move+`}`)
		default:
			w.WriteHeader(404)
			_, _ = io.WriteString(w, `{"itemNotFound": {"code": 404, "message": "No vmove with id x."}}`)
		}
	}))
	defer srv.Close()
	base := []string{"--os-auth-type", "none", "--os-endpoint", srv.URL + "/v1", "--os-ha-api-version", "1.3"}
	out, errOut, code := runCLI(t, nil, append(base, "notification", "vmove", "list", "n", "-f", "csv")...)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, `"uuid","server_id","server_name","source_host","dest_host","start_time","end_time","type","status"`+"\n"+
		`"m1","i1","vm1","compute-1","compute-2","2026-01-02T03:04:06.000000","","evacuation","ongoing"`+"\n", out)
	out, errOut, code = runCLI(t, nil, append(base, "notification", "vmove", "show", "n", "m1", "-f", "value")...)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "2026-01-02T03:04:06.000000\nNone\nm1\ni1\nvm1\ncompute-1\ncompute-2\n2026-01-02T03:04:06.000000\nNone\nevacuation\nongoing\n", out)
	_, errOut, code = runCLI(t, nil, append(base, "notification", "vmove", "show", "n", "nope")...)
	require.Equal(t, 1, code)
	require.Equal(t, "VMove is not found: nope\n", errOut)
}

func TestCompletion(t *testing.T) {
	t.Parallel()
	out, _, code := runCLI(t, nil, "completion", "bash")
	require.Equal(t, 0, code)
	require.Contains(t, out, "__start_lazarus")
	out, _, code = runCLI(t, nil, "completion", "zsh")
	require.Equal(t, 0, code)
	require.Contains(t, out, "#compdef lazarus")
	_, _, code = runCLI(t, nil, "completion", "fish")
	require.Equal(t, 2, code)
}
