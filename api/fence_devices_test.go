package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/api"
	"github.com/lazarus-ha/lazarus/fencing/secret"
	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

// memberAuth authenticates everyone as a non-admin member.
type memberAuth struct{}

func (memberAuth) Authenticate(_ context.Context, _ *http.Request) (*api.Credentials, error) {
	return &api.Credentials{UserID: "u1", ProjectID: "p1", Roles: []string{"member"}}, nil
}

type fenceBundle struct {
	t      *testing.T
	st     *store.Store
	box    *secret.Box
	h      http.Handler
	seg    *store.Segment
	host   *store.Host
	bodies []string // every response body, to check no password leaks
}

func fenceSetup(t *testing.T, deps func(*api.Deps)) *fenceBundle {
	t.Helper()
	st := storetest.NewStore(t)
	key, err := secret.ParseKey(secret.GenerateKey())
	require.NoError(t, err)
	box, err := secret.New(key)
	require.NoError(t, err)
	d := api.Deps{Store: st, Auth: api.NoAuth{}, FenceSecrets: box}
	if deps != nil {
		deps(&d)
	}
	seg, err := st.SegmentInsert(context.Background(), &store.SegmentInsertParams{Name: "seg", ServiceType: "COMPUTE", RecoveryMethod: "auto", Enabled: true})
	require.NoError(t, err)
	host, err := st.HostInsert(context.Background(), &store.HostInsertParams{SegmentUUID: seg.UUID, Name: "compute-1", Type: "COMPUTE", ControlAttributes: "SSH"})
	require.NoError(t, err)
	return &fenceBundle{t: t, st: st, box: box, h: api.NewRouter(d), seg: seg, host: host}
}

func (b *fenceBundle) base() string {
	return "/v1/segments/" + b.seg.UUID + "/hosts/" + b.host.UUID
}

func (b *fenceBundle) do(method, path, body string) (int, map[string]any) {
	b.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, req)
	raw := w.Body.String()
	b.bodies = append(b.bodies, raw)
	var out map[string]any
	if raw != "" {
		require.NoError(b.t, json.Unmarshal([]byte(raw), &out), raw)
	}
	return w.Code, out
}

func (b *fenceBundle) requireNoPassword(passwords ...string) {
	b.t.Helper()
	for _, body := range b.bodies {
		for _, pw := range passwords {
			require.NotContains(b.t, body, pw, "a password reached an API body")
		}
		require.NotContains(b.t, body, `"password"`, "no password field in any response")
	}
}

func TestFenceDeviceCRUD(t *testing.T) {
	t.Parallel()
	b := fenceSetup(t, nil)
	const pw1, pw2 = "Bmc-Passw0rd-one", "Bmc-Passw0rd-two"

	code, out := b.do("POST", b.base()+"/fence_devices", `{"fence_device": {"level": 1, "driver": "ipmi", "address": "10.0.0.5", "port": 623, "username": "admin", "password": "`+pw1+`", "options": {"cipher_suite": "3"}}}`)
	require.Equal(t, http.StatusCreated, code, out)
	dev := out["fence_device"].(map[string]any)
	id := dev["id"].(string)
	require.Equal(t, true, dev["password_set"])
	require.Equal(t, "ipmi", dev["driver"])
	require.EqualValues(t, 623, dev["port"])
	require.Equal(t, map[string]any{"cipher_suite": "3"}, dev["options"])
	require.Nil(t, dev["fence_ready"], "not checked yet")

	// Stored sealed, bound to the host.
	stored, err := b.st.FenceDeviceGet(context.Background(), &store.FenceDeviceGetParams{UUID: id, HostUUID: b.host.UUID})
	require.NoError(t, err)
	require.NotContains(t, string(stored.PasswordEncrypted), pw1)
	plain, err := b.box.Open(stored.PasswordEncrypted, []byte(b.host.UUID))
	require.NoError(t, err)
	require.Equal(t, pw1, string(plain))

	code, out = b.do("POST", b.base()+"/fence_devices", `{"fence_device": {"level": 2, "driver": "agent", "agent": "fence_ipmilan", "address": "10.0.0.5", "username": "admin", "password": "`+pw2+`", "options": {"lanplus": "1", "cipher": 3}}}`)
	require.Equal(t, http.StatusCreated, code, out)
	code, out = b.do("POST", b.base()+"/fence_devices", `{"fence_device": {"level": 3, "driver": "manual"}}`)
	require.Equal(t, http.StatusCreated, code, out)

	code, out = b.do("GET", b.base()+"/fence_devices", "")
	require.Equal(t, http.StatusOK, code)
	list := out["fence_devices"].([]any)
	require.Len(t, list, 3)
	require.Equal(t, false, out["fence_ready"], "no device checked yet")
	ok, err := b.st.FenceDeviceSetReadiness(context.Background(), &store.FenceDeviceSetReadinessParams{UUID: id, Ready: true, CheckedAt: time.Now()})
	require.NoError(t, err)
	require.True(t, ok)
	code, out = b.do("GET", b.base()+"/fence_devices", "")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, true, out["fence_ready"], "level 1 has every device ready")
	list = out["fence_devices"].([]any)
	require.EqualValues(t, 1, list[0].(map[string]any)["level"])

	code, out = b.do("GET", b.base()+"/fence_devices/"+id, "")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, id, out["fence_device"].(map[string]any)["id"])

	code, out = b.do("PUT", b.base()+"/fence_devices/"+id, `{"fence_device": {"address": "10.0.0.6", "password": "`+pw2+`"}}`)
	require.Equal(t, http.StatusOK, code, out)
	require.Equal(t, "10.0.0.6", out["fence_device"].(map[string]any)["address"])
	stored, err = b.st.FenceDeviceGet(context.Background(), &store.FenceDeviceGetParams{UUID: id, HostUUID: b.host.UUID})
	require.NoError(t, err)
	plain, err = b.box.Open(stored.PasswordEncrypted, []byte(b.host.UUID))
	require.NoError(t, err)
	require.Equal(t, pw2, string(plain))

	// An update without a password keeps it.
	code, _ = b.do("PUT", b.base()+"/fence_devices/"+id, `{"fence_device": {"level": 4}}`)
	require.Equal(t, http.StatusOK, code)
	stored, err = b.st.FenceDeviceGet(context.Background(), &store.FenceDeviceGetParams{UUID: id, HostUUID: b.host.UUID})
	require.NoError(t, err)
	require.NotEmpty(t, stored.PasswordEncrypted)

	code, _ = b.do("DELETE", b.base()+"/fence_devices/"+id, "")
	require.Equal(t, http.StatusNoContent, code)
	code, out = b.do("GET", b.base()+"/fence_devices/"+id, "")
	require.Equal(t, http.StatusNotFound, code, out)

	b.requireNoPassword(pw1, pw2)
}

func TestFenceDeviceRejects(t *testing.T) {
	t.Parallel()
	b := fenceSetup(t, nil)
	const pw = "Leaky-Passw0rd-x"
	code, _ := b.do("POST", b.base()+"/fence_devices", `{"fence_device": {"level": 2, "driver": "manual"}}`)
	require.Equal(t, http.StatusCreated, code)
	cases := []struct {
		name string
		path string
		body string
		code int
	}{
		// Without an address there is no BMC to talk to.
		{"ipmi without address", "", `{"fence_device": {"level": 1, "driver": "ipmi", "password": "` + pw + `"}}`, 400},
		// Unknown drivers are refused, not guessed.
		{"bad driver", "", `{"fence_device": {"level": 1, "driver": "redfish", "password": "` + pw + `"}}`, 400},
		// Levels are 1..100.
		{"level zero", "", `{"fence_device": {"level": 0, "driver": "manual"}}`, 400},
		{"level not integer", "", `{"fence_device": {"level": 1.5, "driver": "manual"}}`, 400},
		// level and driver are required.
		{"no driver", "", `{"fence_device": {"level": 1}}`, 400},
		// Typos are errors, not ignored fields.
		{"unknown field", "", `{"fence_device": {"level": 1, "driver": "manual", "pasword": "x"}}`, 400},
		// A password must not hide in the options, where it would be stored in clear.
		{"password in options", "", `{"fence_device": {"level": 1, "driver": "agent", "agent": "fence_ipmilan", "options": {"password": "` + pw + `"}}}`, 400},
		// Only fence agents may be run.
		{"agent not fence_", "", `{"fence_device": {"level": 1, "driver": "agent", "agent": "bash"}}`, 400},
		// A line break would inject a stdin option into the agent.
		{"option injection", "", `{"fence_device": {"level": 1, "driver": "agent", "agent": "fence_ipmilan", "options": {"ip": "a\naction=reboot"}}}`, 400},
		// ipmi options are checked.
		{"ipmi bad option", "", `{"fence_device": {"level": 1, "driver": "ipmi", "address": "a", "options": {"lanplus": "1"}}}`, 400},
		{"ipmi bad cipher", "", `{"fence_device": {"level": 1, "driver": "ipmi", "address": "a", "options": {"cipher_suite": "x"}}}`, 400},
		// A manual level waits for an operator; mixing it with devices is ambiguous.
		{"mix with manual level", "", `{"fence_device": {"level": 2, "driver": "ipmi", "address": "a", "password": "` + pw + `"}}`, 409},
		// Unknown host or wrong segment: 404 as for hosts.
		{"unknown host", "/v1/segments/" + b.seg.UUID + "/hosts/6b8a8d0e-6b38-4b4e-9d59-7a0f4f0f9c11/fence_devices", `{"fence_device": {"level": 1, "driver": "manual"}}`, 404},
		{"not json", "", `{"fence_device": `, 400},
	}
	for _, c := range cases {
		path := c.path
		if path == "" {
			path = b.base() + "/fence_devices"
		}
		code, out := b.do("POST", path, c.body)
		require.Equal(t, c.code, code, "%s: %v", c.name, out)
	}
	b.requireNoPassword(pw)
}

func TestFenceDeviceAdminOnly(t *testing.T) {
	t.Parallel()
	b := fenceSetup(t, func(d *api.Deps) { d.Auth = memberAuth{} })
	code, _ := b.do("GET", b.base()+"/fence_devices", "")
	require.Equal(t, http.StatusForbidden, code)
	code, _ = b.do("POST", b.base()+"/fence_devices", `{"fence_device": {"level": 1, "driver": "manual"}}`)
	require.Equal(t, http.StatusForbidden, code)
	code, _ = b.do("POST", b.base()+"/fence_confirm", "")
	require.Equal(t, http.StatusForbidden, code)
	ok, err := b.st.FenceConfirmedSince(context.Background(), b.host.UUID, time.Now().Add(-time.Hour))
	require.NoError(t, err)
	require.False(t, ok)
}

func TestFenceDeviceNoKey(t *testing.T) {
	t.Parallel()
	b := fenceSetup(t, func(d *api.Deps) { d.FenceSecrets = nil })
	code, _ := b.do("POST", b.base()+"/fence_devices", `{"fence_device": {"level": 1, "driver": "ipmi", "address": "a", "password": "Passw0rd-nokey"}}`)
	require.Equal(t, http.StatusServiceUnavailable, code, "a password is never stored in clear")
	code, _ = b.do("POST", b.base()+"/fence_devices", `{"fence_device": {"level": 1, "driver": "ipmi", "address": "a"}}`)
	require.Equal(t, http.StatusCreated, code, "a device without password needs no key")
	b.requireNoPassword("Passw0rd-nokey")
}

func TestFenceConfirm(t *testing.T) {
	t.Parallel()
	b := fenceSetup(t, nil)
	since := time.Now().Add(-time.Minute)
	req := httptest.NewRequest("POST", b.base()+"/fence_confirm", strings.NewReader(`{"fence_confirm": {"comment": "power cables pulled"}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-User-Id", "operator1")
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, req)
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	var out map[string]map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out))
	require.Equal(t, "operator1", out["fence_confirmation"]["confirmed_by"])
	require.Equal(t, "power cables pulled", out["fence_confirmation"]["comment"])
	ok, err := b.st.FenceConfirmedSince(context.Background(), b.host.UUID, since)
	require.NoError(t, err)
	require.True(t, ok)

	code, _ := b.do("POST", b.base()+"/fence_confirm", "")
	require.Equal(t, http.StatusCreated, code, "the body is optional")
	code, _ = b.do("POST", b.base()+"/fence_confirm", `{"fence_confirm": {"x": 1}}`)
	require.Equal(t, http.StatusBadRequest, code)
	code, _ = b.do("POST", "/v1/segments/"+b.seg.UUID+"/hosts/6b8a8d0e-6b38-4b4e-9d59-7a0f4f0f9c11/fence_confirm", "")
	require.Equal(t, http.StatusNotFound, code)
}

// TestFenceDeviceForbiddenOptions checks that no option that makes a fence
// agent run a program, write a file or read a script is stored (issue
// #16): each answers 400 with Masakari's badRequest body, and nothing is
// created.
func TestFenceDeviceForbiddenOptions(t *testing.T) {
	t.Parallel()
	b := fenceSetup(t, nil)
	cases := []struct{ name, agent, options string }{
		{"ipmitool_path", "fence_ipmilan", `{"ipmitool_path": "/tmp/x"}`},
		{"IPMITOOL_PATH", "fence_ipmilan", `{"IPMITOOL_PATH": "/tmp/x"}`},
		{"ssh_options ProxyCommand", "fence_virsh", `{"ssh_options": "-o ProxyCommand=touch /tmp/pwned"}`},
		{"sudo_path", "fence_ipmilan", `{"sudo_path": "/tmp/x"}`},
		{"debug_file", "fence_ipmilan", `{"debug_file": "/etc/cron.d/x"}`},
		{"debug", "fence_ipmilan", `{"debug": "/etc/cron.d/x"}`},
		{"password-script", "fence_ipmilan", `{"password-script": "/tmp/x"}`},
		{"password_script", "fence_ipmilan", `{"password_script": "/tmp/x"}`},
		{"PASSWORD", "fence_ipmilan", `{"PASSWORD": "x"}`},
		{"exec", "fence_vmware", `{"exec": "touch /tmp/pwned"}`},
		{"unknown option", "fence_ipmilan", `{"frobnicate": "1"}`},
		{"NUL in option value", "fence_ipmilan", `{"ip": "a\u0000"}`},
		{"NUL in option key", "fence_ipmilan", `{"ip\u0000": "a"}`},
	}
	for _, c := range cases {
		code, out := b.do("POST", b.base()+"/fence_devices",
			`{"fence_device": {"level": 1, "driver": "agent", "agent": "`+c.agent+`", "options": `+c.options+`}}`)
		require.Equal(t, http.StatusBadRequest, code, "%s: %v", c.name, out)
		br, ok := out["badRequest"].(map[string]any)
		require.True(t, ok, "%s: Masakari's badRequest body: %v", c.name, out)
		require.Equal(t, float64(400), br["code"], c.name)
		require.NotEmpty(t, br["message"], c.name)
	}
	// The address becomes the agent's ip: a space would add ipmitool arguments.
	code, out := b.do("POST", b.base()+"/fence_devices",
		`{"fence_device": {"level": 1, "driver": "agent", "agent": "fence_ipmilan", "address": "10.0.0.5 -I lan"}}`)
	require.Equal(t, http.StatusBadRequest, code, "%v", out)
	// An update cannot bring them in either.
	code, out = b.do("POST", b.base()+"/fence_devices",
		`{"fence_device": {"level": 1, "driver": "agent", "agent": "fence_ipmilan", "address": "10.0.0.5", "options": {"lanplus": "1"}}}`)
	require.Equal(t, http.StatusCreated, code, "%v", out)
	id := out["fence_device"].(map[string]any)["id"].(string)
	code, out = b.do("PUT", b.base()+"/fence_devices/"+id, `{"fence_device": {"options": {"Ipmitool_Path": "/tmp/x"}}}`)
	require.Equal(t, http.StatusBadRequest, code, "%v", out)
	devs, err := b.st.FenceDeviceListByHost(context.Background(), b.host.UUID)
	require.NoError(t, err)
	require.Len(t, devs, 1)
	require.Equal(t, map[string]string{"lanplus": "1"}, devs[0].Options)
}

// TestFenceLevelRuleConcurrent checks that the one-manual-device-per-level
// rule holds under concurrent creates (issue #16: 50 concurrent creates
// made 2 to 5 manual devices when the check ran outside the insert's
// transaction).
func TestFenceLevelRuleConcurrent(t *testing.T) {
	t.Parallel()
	b := fenceSetup(t, nil)
	const n = 50
	codes := make(chan int, 2*n)
	var wg sync.WaitGroup
	for i := range 2 * n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := `{"fence_device": {"level": 1, "driver": "manual"}}`
			if i >= n {
				// The other half tries to mix an agent device into level 2's manual one.
				body = `{"fence_device": {"level": 2, "driver": "manual"}}`
				if i%2 == 0 {
					body = `{"fence_device": {"level": 2, "driver": "ipmi", "address": "10.0.0.5"}}`
				}
			}
			req := httptest.NewRequest("POST", b.base()+"/fence_devices", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			b.h.ServeHTTP(w, req)
			codes <- w.Code
		}()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		require.Contains(t, []int{http.StatusCreated, http.StatusConflict}, c)
	}
	devs, err := b.st.FenceDeviceListByHost(context.Background(), b.host.UUID)
	require.NoError(t, err)
	perLevel := map[int][]string{}
	for _, d := range devs {
		perLevel[d.Level] = append(perLevel[d.Level], d.Driver)
	}
	require.Equal(t, []string{"manual"}, perLevel[1], "exactly one manual device in level 1")
	l2 := perLevel[2]
	require.NotEmpty(t, l2)
	if slices.Contains(l2, "manual") {
		require.Equal(t, []string{"manual"}, l2, "a manual level 2 holds nothing else")
	}
}

// TestFenceDeviceErrorBodies checks each way a fence device body is
// refused: the status, Masakari's badRequest body, and its message — the
// jsonschema wording of the api schema for the shape of the body, and
// fencing/fenceopt's sentence for what a driver takes. Nothing is stored,
// and no message repeats a password.
func TestFenceDeviceErrorBodies(t *testing.T) {
	t.Parallel()
	b := fenceSetup(t, nil)
	const pw = "Echo-Passw0rd-y"
	long := strings.Repeat("p", 256)
	cases := []struct {
		name, body, message string
	}{
		// The shape, as Masakari's validator words it.
		{"not an object", `[]`, "[] is not of type 'object'"},
		{"no envelope", `{"fence_device": 1}`, "Invalid input for field/attribute fence_device. Value: 1. 1 is not of type 'object'"},
		{"extra top-level key", `{"fence_device": {"level": 1, "driver": "manual"}, "x": 1}`, "Additional properties are not allowed ('x' was unexpected)"},
		// A missing or unknown field repeats the object, with the password
		// and any unknown field (a misspelt password) masked.
		{"no level", `{"fence_device": {"driver": "ipmi", "address": "a", "password": "` + pw + `"}}`,
			"Invalid input for field/attribute fence_device. Value: {'driver': 'ipmi', 'address': 'a', 'password': '***'}. 'level' is a required property"},
		{"no driver", `{"fence_device": {"level": 1}}`, "Invalid input for field/attribute fence_device. Value: {'level': 1}. 'driver' is a required property"},
		{"typo", `{"fence_device": {"level": 1, "driver": "manual", "pasword": "` + pw + `", "password": "` + pw + `"}}`,
			"Invalid input for field/attribute fence_device. Value: {'level': 1, 'driver': 'manual', 'pasword': '***', 'password': '***'}. Additional properties are not allowed ('pasword' was unexpected)"},
		{"level a string", `{"fence_device": {"level": "1", "driver": "manual"}}`, "Invalid input for field/attribute level. Value: 1. '1' is not of type 'integer'"},
		{"level a fraction", `{"fence_device": {"level": 1.5, "driver": "manual"}}`, "Invalid input for field/attribute level. Value: 1.5. 1.5 is not of type 'integer'"},
		{"level below", `{"fence_device": {"level": 0, "driver": "manual"}}`, "Invalid input for field/attribute level. Value: 0. 0 is less than the minimum of 1"},
		{"level above", `{"fence_device": {"level": 101, "driver": "manual"}}`, "Invalid input for field/attribute level. Value: 101. 101 is greater than the maximum of 100"},
		{"unknown driver", `{"fence_device": {"level": 1, "driver": "redfish"}}`, "Invalid input for field/attribute driver. Value: redfish. 'redfish' is not one of ['ipmi', 'agent', 'manual']"},
		{"port below", `{"fence_device": {"level": 1, "driver": "ipmi", "address": "a", "port": 0}}`, "Invalid input for field/attribute port. Value: 0. 0 is less than the minimum of 1"},
		{"port above", `{"fence_device": {"level": 1, "driver": "ipmi", "address": "a", "port": 65536}}`, "Invalid input for field/attribute port. Value: 65536. 65536 is greater than the maximum of 65535"},
		{"address a number", `{"fence_device": {"level": 1, "driver": "ipmi", "address": 5}}`, "Invalid input for field/attribute address. Value: 5. 5 is not of type 'string'"},
		{"username too long", `{"fence_device": {"level": 1, "driver": "ipmi", "address": "a", "username": "` + long + `"}}`, "Invalid input for field/attribute username. Value: " + long + ". '" + long + "' is too long"},
		// A bad password is described, never repeated.
		{"password too long", `{"fence_device": {"level": 1, "driver": "ipmi", "address": "a", "password": "` + pw + long + `"}}`, "Invalid input for field/attribute password. It must be a string of at most 255 characters."},
		{"password a number", `{"fence_device": {"level": 1, "driver": "ipmi", "address": "a", "password": 12345}}`, "Invalid input for field/attribute password. It must be a string of at most 255 characters."},
		{"options a list", `{"fence_device": {"level": 1, "driver": "ipmi", "address": "a", "options": []}}`, "Invalid input for field/attribute options. Value: []. [] is not of type 'object'"},
		{"option a boolean", `{"fence_device": {"level": 1, "driver": "ipmi", "address": "a", "options": {"cipher_suite": true}}}`, "Invalid input for field/attribute cipher_suite. Value: True. True is not of type 'string', 'number'"},
		// What each driver takes, as fencing/fenceopt says it.
		{"ipmi without address", `{"fence_device": {"level": 1, "driver": "ipmi", "password": "` + pw + `"}}`, "Driver ipmi needs an address."},
		{"ipmi with agent", `{"fence_device": {"level": 1, "driver": "ipmi", "address": "a", "agent": "fence_ipmilan"}}`, "Field agent belongs to driver agent."},
		{"ipmi agent option", `{"fence_device": {"level": 1, "driver": "ipmi", "address": "a", "options": {"lanplus": "1"}}}`, "Driver ipmi takes the options cipher_suite and privilege, not lanplus."},
		{"ipmi cipher not a number", `{"fence_device": {"level": 1, "driver": "ipmi", "address": "a", "options": {"cipher_suite": "x"}}}`, "Option cipher_suite must be a number."},
		{"ipmi cipher out of range", `{"fence_device": {"level": 1, "driver": "ipmi", "address": "a", "options": {"cipher_suite": 300}}}`, "Option cipher_suite must be between 0 and 255."},
		{"ipmi privilege", `{"fence_device": {"level": 1, "driver": "ipmi", "address": "a", "options": {"privilege": "root"}}}`, "Option privilege must be one of administrator, admin, operator, user."},
		{"manual with address", `{"fence_device": {"level": 1, "driver": "manual", "address": "a"}}`, "A manual fence device takes only a level."},
		{"agent without agent", `{"fence_device": {"level": 1, "driver": "agent"}}`, "Driver agent needs agent, the name of a fence agent (fence_*)."},
		{"agent a path", `{"fence_device": {"level": 1, "driver": "agent", "agent": "/tmp/fence_x"}}`, "Driver agent needs agent, the name of a fence agent (fence_*)."},
		{"agent refused option", `{"fence_device": {"level": 1, "driver": "agent", "agent": "fence_ipmilan", "options": {"ipmitool_path": "/x"}}}`,
			"Option ipmitool_path is refused: it names a program or directory the agent uses as the engine's user."},
		{"agent switch not boolean", `{"fence_device": {"level": 1, "driver": "agent", "agent": "fence_ipmilan", "options": {"lanplus": "maybe"}}}`,
			"Option lanplus must be a boolean (1 or 0, true or false, yes or no, on or off)."},
		{"agent bad choice", `{"fence_device": {"level": 1, "driver": "agent", "agent": "fence_ipmilan", "options": {"method": "reboot"}}}`, "Option method must be one of onoff, cycle."},
		{"agent bad integer", `{"fence_device": {"level": 1, "driver": "agent", "agent": "fence_ipmilan", "options": {"ipport": "623x"}}}`, "Option ipport must be a number."},
		{"agent bad seconds", `{"fence_device": {"level": 1, "driver": "agent", "agent": "fence_ipmilan", "options": {"power_wait": "soon"}}}`, "Option power_wait must be a number of seconds."},
		{"agent two spellings", `{"fence_device": {"level": 1, "driver": "agent", "agent": "fence_ipmilan", "options": {"ip": "a", "IP": "b"}}}`, "Options IP and ip are the same option."},
		{"agent space in address", `{"fence_device": {"level": 1, "driver": "agent", "agent": "fence_ipmilan", "address": "10.0.0.5 -I lan"}}`, "Option ip must not hold spaces."},
		{"agent password line break", `{"fence_device": {"level": 1, "driver": "agent", "agent": "fence_ipmilan", "password": "` + pw + `\naction=on"}}`, "Field password must not hold a line break or a NUL."},
	}
	for _, c := range cases {
		code, out := b.do("POST", b.base()+"/fence_devices", c.body)
		require.Equal(t, http.StatusBadRequest, code, "%s: %v", c.name, out)
		require.Equal(t, map[string]any{"badRequest": map[string]any{"code": float64(400), "message": c.message}}, out, c.name)
	}
	// An update is checked the same way, merged with what is stored.
	code, out := b.do("POST", b.base()+"/fence_devices", `{"fence_device": {"level": 1, "driver": "ipmi", "address": "a"}}`)
	require.Equal(t, http.StatusCreated, code, "%v", out)
	id := out["fence_device"].(map[string]any)["id"].(string)
	for _, c := range []struct{ name, body, message string }{
		{"update level above", `{"fence_device": {"level": 101}}`, "Invalid input for field/attribute level. Value: 101. 101 is greater than the maximum of 100"},
		{"update to agent without agent", `{"fence_device": {"driver": "agent"}}`, "Driver agent needs agent, the name of a fence agent (fence_*)."},
		{"update bad cipher", `{"fence_device": {"options": {"cipher_suite": "x"}}}`, "Option cipher_suite must be a number."},
		{"update typo", `{"fence_device": {"adress": "b"}}`, "Invalid input for field/attribute fence_device. Value: {'adress': '***'}. Additional properties are not allowed ('adress' was unexpected)"},
	} {
		code, out := b.do("PUT", b.base()+"/fence_devices/"+id, c.body)
		require.Equal(t, http.StatusBadRequest, code, "%s: %v", c.name, out)
		require.Equal(t, map[string]any{"badRequest": map[string]any{"code": float64(400), "message": c.message}}, out, c.name)
	}
	// The fence confirmation's optional body goes through the schema too.
	for _, c := range []struct{ name, body, message string }{
		{"confirm not an object", `[]`, "[] is not of type 'object'"},
		{"confirm extra key", `{"x": 1}`, "Additional properties are not allowed ('x' was unexpected)"},
		{"confirm comment a number", `{"fence_confirm": {"comment": 5}}`, "Invalid input for field/attribute comment. Value: 5. 5 is not of type 'string'"},
		{"confirm comment too long", `{"fence_confirm": {"comment": "` + strings.Repeat("c", 1025) + `"}}`,
			"Invalid input for field/attribute comment. Value: " + strings.Repeat("c", 1025) + ". '" + strings.Repeat("c", 1025) + "' is too long"},
	} {
		code, out := b.do("POST", b.base()+"/fence_confirm", c.body)
		require.Equal(t, http.StatusBadRequest, code, "%s: %v", c.name, out)
		require.Equal(t, map[string]any{"badRequest": map[string]any{"code": float64(400), "message": c.message}}, out, c.name)
	}
	devs, err := b.st.FenceDeviceListByHost(context.Background(), b.host.UUID)
	require.NoError(t, err)
	require.Len(t, devs, 1, "only the one valid device was stored")
	require.Equal(t, "a", devs[0].Address)
	b.requireNoPassword(pw)
}

// TestFenceDeviceAgentOptionsStoredAsGiven checks that the API stores an
// agent device's options as the operator wrote them (what GET shows) while
// the schema accepts every spelling the agent reads.
func TestFenceDeviceAgentOptionsStoredAsGiven(t *testing.T) {
	t.Parallel()
	b := fenceSetup(t, nil)
	code, out := b.do("POST", b.base()+"/fence_devices",
		`{"fence_device": {"level": 1, "driver": "agent", "agent": "fence_ipmilan", "address": "10.0.0.5", "options": {"LANPLUS": "yes", "Power-Wait": 2.5, "method": "Cycle"}}}`)
	require.Equal(t, http.StatusCreated, code, "%v", out)
	require.Equal(t, map[string]any{"LANPLUS": "yes", "Power-Wait": "2.5", "method": "Cycle"}, out["fence_device"].(map[string]any)["options"])
}
