package novasim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/lazarus-ha/lazarus/test/novasim"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type testBundle struct {
	sim   *novasim.Sim
	srv   *httptest.Server
	token string
}

// setup serves a simulator with hosts compute-1..3 and a token.
func setup(t testing.TB, opts novasim.Options) *testBundle {
	t.Helper()
	sim := novasim.New(opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(func() {
		srv.Close()
		sim.Close()
	})
	for _, h := range []string{"compute-1", "compute-2", "compute-3"} {
		require.NoError(t, sim.AddHost(novasim.HostSpec{Name: h}))
	}
	b := &testBundle{sim: sim, srv: srv}
	code, hdr, _ := b.raw(t, http.MethodPost, "/v3/auth/tokens", nil, authBody("admin", "secret"))
	require.Equal(t, http.StatusCreated, code)
	b.token = hdr.Get("X-Subject-Token")
	require.NotEmpty(t, b.token)
	return b
}

func authBody(user, password string) string {
	return fmt.Sprintf(`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":%q,"password":%q,"domain":{"name":"Default"}}}},
		"scope":{"project":{"name":"admin","domain":{"name":"Default"}}}}}`, user, password)
}

func (b *testBundle) raw(t testing.TB, method, path string, hdr map[string]string, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, b.srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, data
}

// nova calls the compute API at microversion mv ("" = none) with the token.
func (b *testBundle) nova(t testing.TB, method, path, mv, body string) (int, []byte) {
	t.Helper()
	hdr := map[string]string{"X-Auth-Token": b.token, "Content-Type": "application/json"}
	if mv != "" {
		hdr["OpenStack-API-Version"] = "compute " + mv
	}
	code, _, data := b.raw(t, method, "/compute/v2.1"+path, hdr, body)
	return code, data
}

func decode(t testing.TB, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(data, &m), "%s", data)
	return m
}

func (b *testBundle) serviceID(t testing.TB, host string) string {
	t.Helper()
	s, ok := b.sim.Service(host)
	require.True(t, ok)
	return s.ID
}

func TestKeystone(t *testing.T) {
	t.Parallel()
	b := setup(t, novasim.Options{})

	code, _, _ := b.raw(t, http.MethodPost, "/v3/auth/tokens", nil, authBody("admin", "nope"))
	require.Equal(t, http.StatusUnauthorized, code)

	code, _, data := b.raw(t, http.MethodGet, "/v3/auth/tokens", map[string]string{"X-Auth-Token": b.token, "X-Subject-Token": b.token}, "")
	require.Equal(t, http.StatusOK, code)
	tok := decode(t, data)["token"].(map[string]any)
	catalog := tok["catalog"].([]any)
	var computeURL string
	for _, e := range catalog {
		e := e.(map[string]any)
		if e["type"] == "compute" {
			computeURL = e["endpoints"].([]any)[0].(map[string]any)["url"].(string)
		}
	}
	require.Equal(t, b.srv.URL+"/compute/v2.1", computeURL)

	code, _, _ = b.raw(t, http.MethodGet, "/v3/auth/tokens", map[string]string{"X-Auth-Token": b.token, "X-Subject-Token": "bogus"}, "")
	require.Equal(t, http.StatusNotFound, code)

	// Compute calls need a valid token.
	code, _, _ = b.raw(t, http.MethodGet, "/compute/v2.1/os-services", nil, "")
	require.Equal(t, http.StatusUnauthorized, code)
	b.sim.RevokeTokens()
	code, _ = b.nova(t, http.MethodGet, "/os-services", "2.53", "")
	require.Equal(t, http.StatusUnauthorized, code)
	require.Equal(t, 1, b.sim.TokensIssued())
}

func TestMicroversions(t *testing.T) {
	t.Parallel()
	b := setup(t, novasim.Options{})

	code, _ := b.nova(t, http.MethodGet, "/os-services", "2.200", "")
	require.Equal(t, http.StatusNotAcceptable, code)

	// Before 2.53 service IDs are integers and there is no PUT by UUID;
	// forced_down appears at 2.11.
	code, data := b.nova(t, http.MethodGet, "/os-services?host=compute-1", "", "")
	require.Equal(t, http.StatusOK, code)
	svc := decode(t, data)["services"].([]any)[0].(map[string]any)
	require.IsType(t, float64(0), svc["id"])
	require.NotContains(t, svc, "forced_down")

	code, data = b.nova(t, http.MethodGet, "/os-services?host=compute-1&binary=nova-compute", "2.53", "")
	require.Equal(t, http.StatusOK, code)
	svcs := decode(t, data)["services"].([]any)
	require.Len(t, svcs, 1)
	require.Equal(t, b.serviceID(t, "compute-1"), svcs[0].(map[string]any)["id"])
	require.Equal(t, false, svcs[0].(map[string]any)["forced_down"])

	code, _ = b.nova(t, http.MethodPut, "/os-services/"+b.serviceID(t, "compute-1"), "2.52", `{"forced_down":true}`)
	require.Equal(t, http.StatusNotFound, code)

	code, data = b.nova(t, http.MethodGet, "/os-services?binary=nova-conductor", "2.53", "")
	require.Equal(t, http.StatusOK, code)
	require.Len(t, decode(t, data)["services"].([]any), 1)
}

func TestServiceUpdateRules(t *testing.T) {
	t.Parallel()
	b := setup(t, novasim.Options{})
	compute := b.serviceID(t, "compute-1")
	_, data := b.nova(t, http.MethodGet, "/os-services?binary=nova-conductor", "2.53", "")
	conductor := decode(t, data)["services"].([]any)[0].(map[string]any)["id"].(string)

	for _, tc := range []struct {
		name string
		id   string
		body string
		code int
		msg  string
	}{
		// Nova's schema has additionalProperties false.
		{"unknown key", compute, `{"status":"disabled","host":"x"}`, 400, "Additional properties are not allowed ('host' was unexpected)"},
		// A reason is refused with status=enabled, and alone is no update
		// (Nova Zed's messages, checked against a real cloud).
		{"reason with enabled", compute, `{"status":"enabled","disabled_reason":"r"}`, 400, "Specifying 'disabled_reason' with status 'enabled' is invalid."},
		{"reason alone", compute, `{"disabled_reason":"r"}`, 400, "No updates were requested. Fields 'status' or 'forced_down' should be specified."},
		// Only nova-compute services can be updated at >= 2.53.
		{"conductor", conductor, `{"status":"disabled"}`, 400, "Only nova-compute services can be updated"},
		{"unknown uuid", "5f7e8e56-0000-4000-8000-000000000000", `{"status":"disabled"}`, 404, "could not be found"},
		{"no update", compute, `{}`, 400, "No updates"},
		{"bad status", compute, `{"status":"off"}`, 400, "status"},
		{"bad forced_down", compute, `{"forced_down":"maybe"}`, 400, "forced_down"},
		{"disable", compute, `{"status":"disabled","disabled_reason":"because"}`, 200, `"disabled_reason":"because"`},
		// Nova's parameter_types.boolean accepts strings.
		{"force down as string", compute, `{"forced_down":"true"}`, 200, `"forced_down":true`},
		{"unforce", compute, `{"forced_down":false}`, 200, `"state":"up"`},
		{"enable clears reason", compute, `{"status":"enabled"}`, 200, `"disabled_reason":null`},
	} {
		code, data := b.nova(t, http.MethodPut, "/os-services/"+tc.id, "2.53", tc.body)
		require.Equal(t, tc.code, code, "%s: %s", tc.name, data)
		require.Contains(t, string(data), tc.msg, tc.name)
	}
}

// Nova refuses forced_down=false while evacuations from the host are not
// cleaned up by a restarted nova-compute.
func TestUnforceDownAfterEvacuationNeedsRestart(t *testing.T) {
	t.Parallel()
	b := setup(t, novasim.Options{})
	id, err := b.sim.AddServer(novasim.ServerSpec{Host: "compute-1"})
	require.NoError(t, err)
	svc := b.serviceID(t, "compute-1")
	require.NoError(t, b.sim.KillHost("compute-1"))
	code, _ := b.nova(t, http.MethodPut, "/os-services/"+svc, "2.53", `{"forced_down":true}`)
	require.Equal(t, 200, code)
	code, _ = b.nova(t, http.MethodPost, "/servers/"+id+"/action", "2.53", `{"evacuate":{}}`)
	require.Equal(t, 200, code)
	require.NoError(t, b.sim.WaitIdle(context.Background()))

	code, data := b.nova(t, http.MethodPut, "/os-services/"+svc, "2.53", `{"forced_down":false}`)
	require.Equal(t, 400, code, "%s", data)

	require.NoError(t, b.sim.ReviveHost("compute-1"))
	code, data = b.nova(t, http.MethodPut, "/os-services/"+svc, "2.53", `{"forced_down":false}`)
	require.Equal(t, 200, code, "%s", data)
	code, data = b.nova(t, http.MethodGet, "/os-migrations?instance_uuid="+id, "2.53", "")
	require.Equal(t, 200, code)
	require.Equal(t, "completed", decode(t, data)["migrations"].([]any)[0].(map[string]any)["status"])
}

func TestEvacuateRules(t *testing.T) {
	t.Parallel()
	b := setup(t, novasim.Options{RefuseInvalidTargets: true})
	require.NoError(t, b.sim.AddHost(novasim.HostSpec{Name: "tiny", VCPUs: 1, MemoryMB: 512, DiskGB: 1}))
	require.NoError(t, b.sim.AddHost(novasim.HostSpec{Name: "off", Disabled: true, DisabledReason: "maintenance"}))
	require.NoError(t, b.sim.AddHost(novasim.HostSpec{Name: "dead"}))
	require.NoError(t, b.sim.MarkServiceDown("dead"))
	on1, err := b.sim.AddServer(novasim.ServerSpec{Host: "compute-1"})
	require.NoError(t, err)
	on2, err := b.sim.AddServer(novasim.ServerSpec{Host: "compute-2"})
	require.NoError(t, err)
	busy, err := b.sim.AddServer(novasim.ServerSpec{Host: "compute-2", TaskState: "rebuilding"})
	require.NoError(t, err)
	paused, err := b.sim.AddServer(novasim.ServerSpec{Host: "compute-2", VMState: "paused"})
	require.NoError(t, err)
	// compute-1 up; compute-2 killed but still within service_down_time
	// unless forced down; forced down below.
	require.NoError(t, b.sim.KillHost("compute-2"))

	for _, tc := range []struct {
		name, server, mv, body string
		code                   int
		msg                    string
	}{
		// Nova >= 2.14 rejects onSharedStorage (gophercloud's EvacuateOpts sends it).
		{"onSharedStorage", on2, "2.53", `{"evacuate":{"onSharedStorage":false}}`, 400, "onSharedStorage"},
		// Before 2.14 it is required.
		{"old microversion without onSharedStorage", on2, "2.13", `{"evacuate":{}}`, 400, "required"},
		// force only exists from 2.29 to 2.67.
		{"force at 2.68", on2, "2.68", `{"evacuate":{"force":true}}`, 400, "force"},
		{"not an object", on2, "2.53", `{"evacuate":"x"}`, 400, "object"},
		{"unknown server", "4b3f2a10-0000-4000-8000-000000000000", "2.53", `{"evacuate":{}}`, 404, "could not be found"},
		// Nova checks the schema before looking the server up.
		{"unknown server, bad body", "4b3f2a10-0000-4000-8000-000000000000", "2.53", `{"evacuate":{"onSharedStorage":false}}`, 400, "onSharedStorage"},
		{"source up", on1, "2.53", `{"evacuate":{}}`, 400, "Compute service of compute-1 is still in use."},
		// Killed but not yet past service_down_time, and not forced down.
		{"source just died", on2, "2.53", `{"evacuate":{}}`, 400, "Compute service of compute-2 is still in use."},
		{"unknown target", on2, "2.53", `{"evacuate":{"host":"nowhere"}}`, 404, "Compute host nowhere not found."},
		{"target is source", on2, "2.53", `{"evacuate":{"host":"compute-2"}}`, 400, "can't be the same one"},
		{"task state set", busy, "2.53", `{"evacuate":{}}`, 409, "task_state rebuilding"},
		{"vm_state paused", paused, "2.53", `{"evacuate":{}}`, 409, "vm_state paused"},
	} {
		code, data := b.nova(t, http.MethodPost, "/servers/"+tc.server+"/action", tc.mv, tc.body)
		require.Equal(t, tc.code, code, "%s: %s", tc.name, data)
		require.Contains(t, string(data), tc.msg, tc.name)
	}

	_, err = b.sim.AddServer(novasim.ServerSpec{Host: "compute-1"})
	require.NoError(t, err)
	code, _ := b.nova(t, http.MethodPut, "/os-services/"+b.serviceID(t, "compute-2"), "2.53", `{"forced_down":true}`)
	require.Equal(t, 200, code)
	for _, tc := range []struct {
		name, target string
		code         int
	}{
		// With RefuseInvalidTargets the scheduler's verdict on a requested
		// host comes back at once.
		{"target disabled", "off", 400},
		{"target down", "dead", 400},
		{"target too small", "tiny", 400},
	} {
		code, data := b.nova(t, http.MethodPost, "/servers/"+on2+"/action", "2.53", fmt.Sprintf(`{"evacuate":{"host":%q}}`, tc.target))
		require.Equal(t, tc.code, code, "%s: %s", tc.name, data)
		require.Contains(t, string(data), "No valid host", tc.name)
	}
	// 2.29-2.67 force skips the scheduler's checks.
	b.sim.SetEvacuateDelay(1 << 40)
	code, data := b.nova(t, http.MethodPost, "/servers/"+on2+"/action", "2.29", `{"evacuate":{"host":"off","force":true}}`)
	require.Equal(t, 200, code, "%s", data)
	require.Empty(t, data) // >= 2.14: 200 with no body
	// While rebuilding, another evacuation is a 409.
	code, _ = b.nova(t, http.MethodPost, "/servers/"+on2+"/action", "2.53", `{"evacuate":{}}`)
	require.Equal(t, 409, code)
	b.sim.FinishPending()
	require.NoError(t, b.sim.WaitIdle(context.Background()))

	s, _ := b.sim.Server(on2)
	require.Equal(t, "off", s.Host)
	require.Equal(t, 1, b.sim.EvacuateCount(on2))
	calls := b.sim.EvacuateCalls()
	var accepted []novasim.EvacuateCall
	for _, c := range calls {
		if c.Code == 200 {
			accepted = append(accepted, c)
		}
	}
	require.Len(t, accepted, 1)
	require.Equal(t, "compute-2", accepted[0].SourceHost)
	require.Equal(t, "off", accepted[0].TargetHost)
	require.Equal(t, "done", accepted[0].Result)
	require.False(t, accepted[0].DoneAt.Before(accepted[0].At))
}

// By default a requested target the scheduler would reject is accepted and
// fails afterwards, as NoValidHost does in Nova.
func TestEvacuateToInvalidTargetFailsAsynchronously(t *testing.T) {
	t.Parallel()
	b := setup(t, novasim.Options{})
	ctx := context.Background()
	require.NoError(t, b.sim.SetServiceDisabled("compute-2", true, "maintenance"))
	id, err := b.sim.AddServer(novasim.ServerSpec{Host: "compute-1"})
	require.NoError(t, err)
	require.NoError(t, b.sim.MarkServiceDown("compute-1"))

	code, data := b.nova(t, http.MethodPost, "/servers/"+id+"/action", "2.53", `{"evacuate":{"host":"compute-2"}}`)
	require.Equal(t, 200, code, "%s", data)
	require.NoError(t, b.sim.WaitIdle(ctx))
	s, _ := b.sim.Server(id)
	require.Equal(t, "compute-1", s.Host)
	require.Equal(t, "ERROR", s.Status)
	_, data = b.nova(t, http.MethodGet, "/os-migrations?instance_uuid="+id, "2.53", "")
	require.Equal(t, "error", decode(t, data)["migrations"].([]any)[0].(map[string]any)["status"])
	calls := b.sim.EvacuateCalls()
	require.Equal(t, "compute-2", calls[0].RequestedHost)
	require.Empty(t, calls[0].TargetHost)
	require.Equal(t, "error", calls[0].Result)

	// An ERROR server can be evacuated again, to a valid host.
	code, _ = b.nova(t, http.MethodPost, "/servers/"+id+"/action", "2.53", `{"evacuate":{"host":"compute-3"}}`)
	require.Equal(t, 200, code)
	require.NoError(t, b.sim.WaitIdle(ctx))
	s, _ = b.sim.Server(id)
	require.Equal(t, "compute-3", s.Host)
	require.Equal(t, "ACTIVE", s.Status)
}

func TestEvacuationLifecycle(t *testing.T) {
	t.Parallel()
	b := setup(t, novasim.Options{EvacuateDelay: 0})
	ctx := context.Background()
	// A long delay so the in-flight state can be observed; Close (in the
	// cleanup) drops the pending completion.
	b.sim.SetEvacuateDelay(1 << 40)
	id, err := b.sim.AddServer(novasim.ServerSpec{Host: "compute-1", VMState: "error"})
	require.NoError(t, err)
	require.NoError(t, b.sim.MarkServiceDown("compute-1"))
	code, _ := b.nova(t, http.MethodPost, "/servers/"+id+"/action", "2.53", `{"evacuate":{"host":"compute-2"}}`)
	require.Equal(t, 200, code)

	_, data := b.nova(t, http.MethodGet, "/servers/"+id, "2.53", "")
	srv := decode(t, data)["server"].(map[string]any)
	require.Equal(t, "REBUILD", srv["status"])
	require.Equal(t, "rebuilding", srv["OS-EXT-STS:task_state"])
	require.Equal(t, "compute-1", srv["OS-EXT-SRV-ATTR:host"])
	_, data = b.nova(t, http.MethodGet, "/os-migrations?instance_uuid="+id, "2.53", "")
	mig := decode(t, data)["migrations"].([]any)[0].(map[string]any)
	require.Equal(t, "accepted", mig["status"])
	require.Equal(t, "evacuation", mig["migration_type"])

	// The target's capacity is claimed while the evacuation runs.
	_, data = b.nova(t, http.MethodGet, "/os-hypervisors/detail", "2.53", "")
	for _, h := range decode(t, data)["hypervisors"].([]any) {
		h := h.(map[string]any)
		if h["hypervisor_hostname"] == "compute-2" {
			require.InDelta(t, 2048, h["memory_mb_used"], 0)
			require.InDelta(t, 0, h["running_vms"], 0)
		}
	}
	wctx, cancel := context.WithCancel(ctx)
	cancel()
	require.Error(t, b.sim.WaitIdle(wctx), "an evacuation is in flight")

	// Halfway: on the target already, but still rebuilding. A host that
	// changed is not a finished evacuation.
	b.sim.StepPending()
	_, data = b.nova(t, http.MethodGet, "/servers/"+id, "2.53", "")
	srv = decode(t, data)["server"].(map[string]any)
	require.Equal(t, "REBUILD", srv["status"])
	require.Equal(t, "rebuild_spawning", srv["OS-EXT-STS:task_state"])
	require.Equal(t, "compute-2", srv["OS-EXT-SRV-ATTR:host"])
	_, data = b.nova(t, http.MethodGet, "/os-hypervisors/detail", "2.53", "")
	for _, h := range decode(t, data)["hypervisors"].([]any) {
		h := h.(map[string]any)
		if h["hypervisor_hostname"] == "compute-2" {
			require.InDelta(t, 2048, h["memory_mb_used"], 0, "claimed once, not twice")
			require.InDelta(t, 1, h["running_vms"], 0)
		}
	}
	b.sim.StepPending()
	require.NoError(t, b.sim.WaitIdle(ctx))
	s, _ := b.sim.Server(id)
	require.Equal(t, "compute-2", s.Host)

	// A second simulator with no delay shows the end state: an ERROR
	// server is rebuilt ACTIVE on the target.
	b2 := setup(t, novasim.Options{})
	id2, err := b2.sim.AddServer(novasim.ServerSpec{Host: "compute-1", VMState: "error"})
	require.NoError(t, err)
	require.NoError(t, b2.sim.MarkServiceDown("compute-1"))
	code, _ = b2.nova(t, http.MethodPost, "/servers/"+id2+"/action", "2.53", `{"evacuate":{"host":"compute-2"}}`)
	require.Equal(t, 200, code)
	require.NoError(t, b2.sim.WaitIdle(ctx))
	s, _ = b2.sim.Server(id2)
	require.Equal(t, "compute-2", s.Host)
	require.Equal(t, "ACTIVE", s.Status)
	require.Empty(t, s.TaskState)
	require.Empty(t, b2.sim.ServersOnHost("compute-1"))
	require.Len(t, b2.sim.ServersOnHost("compute-2"), 1)
}

func TestEvacuationFailureAndMicroversion295(t *testing.T) {
	t.Parallel()
	b := setup(t, novasim.Options{})
	ctx := context.Background()
	bad, err := b.sim.AddServer(novasim.ServerSpec{Host: "compute-1"})
	require.NoError(t, err)
	good, err := b.sim.AddServer(novasim.ServerSpec{Host: "compute-1"})
	require.NoError(t, err)
	require.NoError(t, b.sim.MarkServiceDown("compute-1"))
	b.sim.FailEvacuation(bad, true)

	code, _ := b.nova(t, http.MethodPost, "/servers/"+bad+"/action", "2.53", `{"evacuate":{}}`)
	require.Equal(t, 200, code)
	code, _ = b.nova(t, http.MethodPost, "/servers/"+good+"/action", "2.95", `{"evacuate":{}}`)
	require.Equal(t, 200, code)
	require.NoError(t, b.sim.WaitIdle(ctx))

	s, _ := b.sim.Server(bad)
	require.Equal(t, "ERROR", s.Status)
	require.Equal(t, "compute-1", s.Host)
	_, data := b.nova(t, http.MethodGet, "/os-migrations?instance_uuid="+bad, "2.53", "")
	require.Equal(t, "failed", decode(t, data)["migrations"].([]any)[0].(map[string]any)["status"])

	// From 2.95 Nova leaves evacuated instances stopped.
	s, _ = b.sim.Server(good)
	require.NotEqual(t, "compute-1", s.Host)
	require.Equal(t, "SHUTOFF", s.Status)

	// Once the failure is lifted, the ERROR server can be evacuated again.
	b.sim.FailEvacuation(bad, false)
	code, _ = b.nova(t, http.MethodPost, "/servers/"+bad+"/action", "2.53", `{"evacuate":{}}`)
	require.Equal(t, 200, code)
	require.NoError(t, b.sim.WaitIdle(ctx))
	s, _ = b.sim.Server(bad)
	require.Equal(t, "ACTIVE", s.Status)
	require.Equal(t, 2, b.sim.EvacuateCount(bad))
}

func TestSchedulerSpreadsAndRunsOutOfRoom(t *testing.T) {
	t.Parallel()
	sim := novasim.New(novasim.Options{})
	srv := httptest.NewServer(sim)
	t.Cleanup(func() {
		srv.Close()
		sim.Close()
	})
	require.NoError(t, sim.AddHost(novasim.HostSpec{Name: "src"}))
	require.NoError(t, sim.AddHost(novasim.HostSpec{Name: "a", MemoryMB: 4 * 2048}))
	require.NoError(t, sim.AddHost(novasim.HostSpec{Name: "b", MemoryMB: 4 * 2048}))
	var ids []string
	for range 9 {
		id, err := sim.AddServer(novasim.ServerSpec{Host: "src"})
		require.NoError(t, err)
		ids = append(ids, id)
	}
	require.NoError(t, sim.MarkServiceDown("src"))
	b := &testBundle{sim: sim, srv: srv}
	_, hdr, _ := b.raw(t, http.MethodPost, "/v3/auth/tokens", nil, authBody("admin", "secret"))
	b.token = hdr.Get("X-Subject-Token")
	for _, id := range ids {
		code, data := b.nova(t, http.MethodPost, "/servers/"+id+"/action", "2.53", `{"evacuate":{}}`)
		require.Equal(t, 200, code, "%s", data) // NoValidHost is asynchronous
	}
	require.NoError(t, sim.WaitIdle(context.Background()))
	require.Len(t, sim.ServersOnHost("a"), 4)
	require.Len(t, sim.ServersOnHost("b"), 4)
	left := sim.ServersOnHost("src")
	require.Len(t, left, 1)
	require.Equal(t, "ERROR", left[0].Status)
	last := sim.EvacuateCalls()[8]
	require.Equal(t, "error", last.Result)
	require.Empty(t, last.TargetHost)
}

func TestServerListPagination(t *testing.T) {
	t.Parallel()
	b := setup(t, novasim.Options{MaxLimit: 4})
	var ids []string
	for i := range 8 {
		id, err := b.sim.AddServer(novasim.ServerSpec{Host: "compute-1", TenantID: fmt.Sprintf("t%d", i%2)})
		require.NoError(t, err)
		ids = append(ids, id)
	}
	list := func(query string) ([]string, string) {
		code, data := b.nova(t, http.MethodGet, "/servers/detail?"+query, "2.53", "")
		require.Equal(t, 200, code, "%s", data)
		m := decode(t, data)
		var got []string
		for _, s := range m["servers"].([]any) {
			got = append(got, s.(map[string]any)["id"].(string))
		}
		next := ""
		if links, ok := m["servers_links"].([]any); ok {
			next = links[0].(map[string]any)["href"].(string)
		}
		return got, next
	}

	// The max limit caps a page, a full page has a next link with a marker.
	got, next := list("all_tenants=1&host=compute-1")
	require.Equal(t, ids[:4], got)
	require.Contains(t, next, "marker="+ids[3])
	require.Contains(t, next, "host=compute-1")
	// limit above max_limit is capped; an explicit smaller one is honoured.
	got, _ = list("all_tenants=1&host=compute-1&limit=100")
	require.Len(t, got, 4)
	got, next = list("all_tenants=1&host=compute-1&limit=3&marker=" + ids[5])
	require.Equal(t, ids[6:], got)
	require.Empty(t, next, "a short page is the last one")
	// Exactly full last page: a next link, then an empty page.
	got, next = list("all_tenants=1&host=compute-1&marker=" + ids[3])
	require.Equal(t, ids[4:], got)
	require.NotEmpty(t, next)
	got, next = list("all_tenants=1&host=compute-1&marker=" + ids[7])
	require.Empty(t, got)
	require.Empty(t, next)
	// Without all_tenants only the token's project is listed.
	got, _ = list("host=compute-1")
	require.Empty(t, got)
	got, _ = list("all_tenants=1&tenant_id=t1&host=compute-1&limit=10")
	require.Equal(t, []string{ids[1], ids[3], ids[5], ids[7]}, got)
	// An unknown marker is a 400, as in Nova.
	code, _ := b.nova(t, http.MethodGet, "/servers/detail?all_tenants=1&marker=nope", "2.53", "")
	require.Equal(t, 400, code)

	// A marker still works after the marker server moved host.
	require.NoError(t, b.sim.MarkServiceDown("compute-1"))
	code, _ = b.nova(t, http.MethodPost, "/servers/"+ids[1]+"/action", "2.53", `{"evacuate":{"host":"compute-2"}}`)
	require.Equal(t, 200, code)
	require.NoError(t, b.sim.WaitIdle(context.Background()))
	got, _ = list("all_tenants=1&host=compute-1&marker=" + ids[1])
	require.Equal(t, ids[2:6], got)
}

func TestPowerActions(t *testing.T) {
	t.Parallel()
	b := setup(t, novasim.Options{})
	ctx := context.Background()
	id, err := b.sim.AddServer(novasim.ServerSpec{Host: "compute-1"})
	require.NoError(t, err)
	act := func(body string) (int, string) {
		code, data := b.nova(t, http.MethodPost, "/servers/"+id+"/action", "2.53", body)
		return code, string(data)
	}
	code, msg := act(`{"os-start":null}`)
	require.Equal(t, 409, code)
	require.Contains(t, msg, "vm_state active")
	code, _ = act(`{"os-stop":null}`)
	require.Equal(t, 202, code)
	require.NoError(t, b.sim.WaitIdle(ctx))
	code, msg = act(`{"os-stop":null}`)
	require.Equal(t, 409, code)
	require.Contains(t, msg, "Cannot 'stop' instance "+id+" while it is in vm_state stopped")
	code, _ = act(`{"os-resetState":{"state":"paused"}}`)
	require.Equal(t, 400, code)
	code, _ = act(`{"os-resetState":{"state":"active"}}`)
	require.Equal(t, 202, code)
	s, _ := b.sim.Server(id)
	require.Equal(t, "active", s.VMState)
	code, _ = act(`{"reboot":{"type":"HARD"}}`)
	require.Equal(t, 400, code)
	require.NoError(t, b.sim.KillHost("compute-1"))
	require.NoError(t, b.sim.MarkServiceDown("compute-1"))
	code, msg = act(`{"os-stop":null}`)
	require.Equal(t, 409, code)
	require.Contains(t, msg, "unavailable")
}

func TestFaults(t *testing.T) {
	t.Parallel()
	b := setup(t, novasim.Options{})
	b.sim.InjectFault(novasim.Fault{Method: http.MethodGet, Path: "/os-services", Status: 503, Times: 2})
	for _, want := range []int{503, 503, 200} {
		code, _ := b.nova(t, http.MethodGet, "/os-services", "2.53", "")
		require.Equal(t, want, code)
	}
	id, err := b.sim.AddServer(novasim.ServerSpec{Host: "compute-1"})
	require.NoError(t, err)
	b.sim.InjectFault(novasim.Fault{Action: "os-stop", Status: 500, Message: "boom"})
	code, data := b.nova(t, http.MethodPost, "/servers/"+id+"/action", "2.53", `{"lock":null}`)
	require.Equal(t, 202, code, "%s", data)
	code, data = b.nova(t, http.MethodPost, "/servers/"+id+"/action", "2.53", `{"os-stop":null}`)
	require.Equal(t, 500, code)
	require.JSONEq(t, `{"computeFault":{"code":500,"message":"boom"}}`, string(data))
	b.sim.ClearFaults()
	code, _ = b.nova(t, http.MethodPost, "/servers/"+id+"/action", "2.53", `{"os-stop":null}`)
	require.Equal(t, 202, code)
}

func TestHypervisorPaginationAndAggregates(t *testing.T) {
	t.Parallel()
	b := setup(t, novasim.Options{MaxLimit: 2})
	code, data := b.nova(t, http.MethodGet, "/os-hypervisors/detail", "2.53", "")
	require.Equal(t, 200, code)
	m := decode(t, data)
	require.Len(t, m["hypervisors"].([]any), 2)
	next := m["hypervisors_links"].([]any)[0].(map[string]any)["href"].(string)
	code, _, data = b.raw(t, http.MethodGet, strings.TrimPrefix(next, b.srv.URL), map[string]string{"X-Auth-Token": b.token, "OpenStack-API-Version": "compute 2.53"}, "")
	require.Equal(t, 200, code)
	require.Len(t, decode(t, data)["hypervisors"].([]any), 1)
	// From 2.88 the capacity fields are gone.
	_, data = b.nova(t, http.MethodGet, "/os-hypervisors/detail", "2.88", "")
	require.NotContains(t, decode(t, data)["hypervisors"].([]any)[0], "vcpus")

	id, err := b.sim.AddAggregate("agg", nil, nil)
	require.NoError(t, err)
	path := fmt.Sprintf("/os-aggregates/%d/action", id)
	code, _ = b.nova(t, http.MethodPost, path, "2.53", `{"add_host":{"host":"compute-1"}}`)
	require.Equal(t, 200, code)
	code, data = b.nova(t, http.MethodPost, path, "2.53", `{"add_host":{"host":"compute-1"}}`)
	require.Equal(t, 409, code)
	require.Contains(t, string(data), "already has host")
	code, _ = b.nova(t, http.MethodPost, path, "2.53", `{"add_host":{"host":"nope"}}`)
	require.Equal(t, 404, code)
	code, _ = b.nova(t, http.MethodPost, path, "2.53", `{"remove_host":{"host":"compute-1"}}`)
	require.Equal(t, 200, code)
	code, _ = b.nova(t, http.MethodPost, path, "2.53", `{"remove_host":{"host":"compute-1"}}`)
	require.Equal(t, 404, code)
}

func TestPopulate(t *testing.T) {
	t.Parallel()
	sim := novasim.New(novasim.Options{})
	t.Cleanup(sim.Close)
	require.NoError(t, sim.Populate(4, 10, 0.3))
	ha := 0
	for i := 1; i <= 4; i++ {
		list := sim.ServersOnHost(fmt.Sprintf("compute-%04d", i))
		require.Len(t, list, 10)
		for _, s := range list {
			if s.Metadata["HA_Enabled"] == "True" {
				ha++
			}
		}
	}
	require.Equal(t, 12, ha)
}

// FuzzServerAction feeds arbitrary action bodies at arbitrary
// microversions; the simulator must answer with a Nova status and keep its
// state consistent.
func FuzzServerAction(f *testing.F) {
	for _, s := range []string{
		`{"evacuate":{}}`, `{"evacuate":{"host":"compute-2"}}`, `{"evacuate":{"onSharedStorage":false}}`,
		`{"os-stop":null}`, `{"os-start":null}`, `{"os-resetState":{"state":"error"}}`, `{"lock":null}`,
		`{"evacuate":{"host":"compute-2","force":"yes"}}`, `{}`, `null`, `[`,
	} {
		f.Add(s, 53)
	}
	b := setup(f, novasim.Options{})
	id, err := b.sim.AddServer(novasim.ServerSpec{Host: "compute-1"})
	require.NoError(f, err)
	require.NoError(f, b.sim.MarkServiceDown("compute-1"))
	f.Fuzz(func(t *testing.T, body string, mv int) {
		code, data := b.nova(t, http.MethodPost, "/servers/"+id+"/action", fmt.Sprintf("2.%d", mv), body)
		switch code {
		case 200, 202, 400, 404, 406, 409:
		default:
			t.Fatalf("status %d for %q: %s", code, body, data)
		}
		if len(bytes.TrimSpace(data)) > 0 {
			require.True(t, json.Valid(data), "%s", data)
		}
		s, ok := b.sim.Server(id)
		require.True(t, ok)
		require.Contains(t, []string{"compute-1", "compute-2", "compute-3"}, s.Host)
	})
}

// FuzzServiceUpdate feeds arbitrary PUT /os-services bodies.
func FuzzServiceUpdate(f *testing.F) {
	for _, s := range []string{`{"forced_down":true}`, `{"status":"disabled","disabled_reason":"x"}`, `{"status":"enabled"}`, `{}`, `1`} {
		f.Add(s)
	}
	b := setup(f, novasim.Options{})
	svc := b.serviceID(f, "compute-1")
	f.Fuzz(func(t *testing.T, body string) {
		code, data := b.nova(t, http.MethodPut, "/os-services/"+svc, "2.53", body)
		require.Contains(t, []int{200, 400}, code, "%s", data)
		s, _ := b.sim.Service("compute-1")
		require.Contains(t, []string{"enabled", "disabled"}, s.Status)
		if s.Status == "enabled" {
			require.Empty(t, s.DisabledReason)
		}
	})
}

// Concurrent listing, evacuating, service updates and control calls keep
// the simulator consistent (run under -race): every server evacuated once,
// none lost, usage equal to the servers on each host.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	b := setup(t, novasim.Options{MaxLimit: 7})
	ctx := context.Background()
	var ids []string
	for range 40 {
		id, err := b.sim.AddServer(novasim.ServerSpec{Host: "compute-1"})
		require.NoError(t, err)
		ids = append(ids, id)
	}
	require.NoError(t, b.sim.MarkServiceDown("compute-1"))
	done := make(chan struct{})
	errs := make(chan error, 64)
	go func() {
		defer close(done)
		work := make(chan string)
		finished := make(chan struct{})
		for range 8 {
			go func() {
				defer func() { finished <- struct{}{} }()
				for id := range work {
					code, data := b.nova(t, http.MethodPost, "/servers/"+id+"/action", "2.53", `{"evacuate":{}}`)
					if code != 200 {
						errs <- fmt.Errorf("evacuate %s: %d %s", id, code, data)
					}
				}
			}()
		}
		for _, id := range ids {
			work <- id
		}
		close(work)
		for range 8 {
			<-finished
		}
	}()
	for i := 0; ; i++ {
		select {
		case <-done:
		default:
			code, _ := b.nova(t, http.MethodGet, "/servers/detail?all_tenants=1&host=compute-2", "2.53", "")
			require.Equal(t, 200, code)
			code, _ = b.nova(t, http.MethodGet, "/os-hypervisors/detail", "2.53", "")
			require.Equal(t, 200, code)
			_ = b.sim.EvacuateCalls()
			_, _ = b.sim.Service("compute-2")
			continue
		}
		break
	}
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, b.sim.WaitIdle(ctx))
	require.Empty(t, b.sim.ServersOnHost("compute-1"))
	moved := len(b.sim.ServersOnHost("compute-2")) + len(b.sim.ServersOnHost("compute-3"))
	require.Equal(t, 40, moved)
	for _, id := range ids {
		require.Equal(t, 1, b.sim.EvacuateCount(id))
	}
	_, data := b.nova(t, http.MethodGet, "/os-hypervisors/detail", "2.53", "")
	for _, h := range decode(t, data)["hypervisors"].([]any) {
		h := h.(map[string]any)
		require.InDelta(t, h["running_vms"].(float64)*2048, h["memory_mb_used"], 0, "%v", h["hypervisor_hostname"])
	}
}

// FuzzIssueToken feeds arbitrary authentication bodies to Keystone.
func FuzzIssueToken(f *testing.F) {
	f.Add(authBody("admin", "secret"))
	f.Add(authBody("admin", "nope"))
	f.Add(`{"auth":{"identity":{"methods":["token"]}}}`)
	f.Add(`{"auth":{"scope":{"project":{"id":"x"}}}}`)
	b := setup(f, novasim.Options{})
	f.Fuzz(func(t *testing.T, body string) {
		code, hdr, _ := b.raw(t, http.MethodPost, "/v3/auth/tokens", nil, body)
		require.Contains(t, []int{201, 400, 401}, code)
		if code == 201 {
			require.NotEmpty(t, hdr.Get("X-Subject-Token"))
		}
	})
}
