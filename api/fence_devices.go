package api

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/lazarus-ha/lazarus/fencing/agent"
	"github.com/lazarus-ha/lazarus/fencing/ipmi"
	"github.com/lazarus-ha/lazarus/store"
)

// Fence devices and fence confirmations: a Lazarus extension under a
// segment's host, admin only by default. The password is accepted on
// create and update, stored sealed with Deps.FenceSecrets (the host uuid as
// associated data) and never returned; responses say only whether one is
// set.
//
//	GET|POST   /v1/segments/{segment_id}/hosts/{host_id}/fence_devices
//	GET|PUT|DELETE .../fence_devices/{device_id}
//	POST       /v1/segments/{segment_id}/hosts/{host_id}/fence_confirm

func init() {
	for _, r := range []string{"index", "detail", "create", "update", "delete"} {
		DefaultRules["lazarus_api:fence_devices:"+r] = "rule:admin_api"
	}
	DefaultRules["lazarus_api:fence_confirm:create"] = "rule:admin_api"
}

func (a *API) fenceDeviceRoutes(r chi.Router) {
	a.resource(r, "/segments/{segment_id}/hosts/{host_id}/fence_devices", "{device_id}", collectionHandlers{
		index: a.fenceDeviceList, create: a.fenceDeviceCreate, show: a.fenceDeviceShow,
		update: a.fenceDeviceUpdate, delete: a.fenceDeviceDelete,
	})
	r.Post("/segments/{segment_id}/hosts/{host_id}/fence_confirm", a.v1Action("create", a.fenceConfirm))
}

// fenceDeviceView is the JSON of a device: never the password.
type fenceDeviceView struct {
	ID          string            `json:"id"`
	HostID      string            `json:"host_id"`
	Level       int               `json:"level"`
	Driver      string            `json:"driver"`
	Agent       *string           `json:"agent"`
	Address     string            `json:"address"`
	Port        *int              `json:"port"`
	Username    string            `json:"username"`
	PasswordSet bool              `json:"password_set"`
	Options     map[string]string `json:"options"`
	FenceReady  *bool             `json:"fence_ready"`
	LastError   *string           `json:"last_error"`
	CheckedAt   *string           `json:"checked_at"`
	CreatedAt   string            `json:"created_at"`
	UpdatedAt   *string           `json:"updated_at"`
}

func viewFenceDevice(d *store.FenceDevice) *fenceDeviceView {
	v := &fenceDeviceView{
		ID: d.UUID, HostID: d.HostUUID, Level: d.Level, Driver: d.Driver, Address: d.Address, Username: d.Username,
		PasswordSet: len(d.PasswordEncrypted) > 0, Options: d.Options, FenceReady: d.FenceReady, LastError: d.LastError,
		CheckedAt: masakariTimePtr(d.CheckedAt), CreatedAt: masakariTime(d.CreatedAt), UpdatedAt: masakariTimePtr(d.UpdatedAt),
	}
	if d.Agent != "" {
		v.Agent = &d.Agent
	}
	if d.Port != 0 {
		v.Port = &d.Port
	}
	if v.Options == nil {
		v.Options = map[string]string{}
	}
	return v
}

// fenceHost loads the URL's host within its segment (404s as for hosts).
func (a *API) fenceHost(rq *Request) (*store.Host, error) {
	h, err := a.Store.HostGetByUUID(rq.Context(), &store.HostGetByUUIDParams{
		UUID: chi.URLParam(rq.Request, "host_id"), SegmentUUID: chi.URLParam(rq.Request, "segment_id"),
	})
	if err != nil {
		return nil, storeError(err)
	}
	return h, nil
}

func (a *API) fenceDeviceList(rq *Request) (int, any, error) {
	if err := a.authorize(rq, "lazarus_api:fence_devices:index"); err != nil {
		return 0, nil, err
	}
	h, err := a.fenceHost(rq)
	if err != nil {
		return 0, nil, err
	}
	devs, err := a.Store.FenceDeviceListByHost(rq.Context(), h.UUID)
	if err != nil {
		return 0, nil, err
	}
	out := make([]*fenceDeviceView, 0, len(devs))
	for _, d := range devs {
		out = append(out, viewFenceDevice(d))
	}
	return http.StatusOK, map[string]any{"fence_devices": out, "fence_ready": hostFenceReady(devs)}, nil
}

// hostFenceReady is the host's readiness as the last checks saw it: true
// when some automatic level has every device checked ready. A host with
// only a manual level, or none, cannot be fenced automatically.
func hostFenceReady(devs []*store.FenceDevice) bool {
	type level struct{ manual, ok, any bool }
	levels := map[int]*level{}
	for _, d := range devs {
		l := levels[d.Level]
		if l == nil {
			l = &level{ok: true}
			levels[d.Level] = l
		}
		if d.Driver == "manual" {
			l.manual = true
			continue
		}
		l.any = true
		l.ok = l.ok && d.FenceReady != nil && *d.FenceReady
	}
	for _, l := range levels {
		if !l.manual && l.any && l.ok {
			return true
		}
	}
	return false
}

func (a *API) fenceDeviceShow(rq *Request) (int, any, error) {
	if err := a.authorize(rq, "lazarus_api:fence_devices:detail"); err != nil {
		return 0, nil, err
	}
	h, err := a.fenceHost(rq)
	if err != nil {
		return 0, nil, err
	}
	d, err := a.Store.FenceDeviceGet(rq.Context(), &store.FenceDeviceGetParams{UUID: chi.URLParam(rq.Request, "device_id"), HostUUID: h.UUID})
	if err != nil {
		return 0, nil, storeError(err)
	}
	return http.StatusOK, map[string]any{"fence_device": viewFenceDevice(d)}, nil
}

// fenceDeviceInput is a decoded fence_device body; nil fields were absent.
type fenceDeviceInput struct {
	Level    *int
	Driver   *string
	Agent    *string
	Address  *string
	Port     *int
	Username *string
	Password *string
	Options  map[string]string
}

var fenceDeviceKeys = []string{"level", "driver", "agent", "address", "port", "username", "password", "options"}

var agentNameRe = regexp.MustCompile(`^fence_[A-Za-z0-9_]+$`)

func badInput(format string, args ...any) error {
	return Faultf(http.StatusBadRequest, format, args...)
}

// decodeFenceDevice reads {"fence_device": {...}}; messages name the field.
func decodeFenceDevice(body any, key string) (*fenceDeviceInput, error) {
	outer, ok := body.(*Object)
	if !ok {
		return nil, badInput("The request body must be an object with the key '%s'.", key)
	}
	for _, k := range outer.Keys {
		if k != key {
			return nil, badInput("Additional properties are not allowed ('%s' was unexpected)", k)
		}
	}
	o, ok := outer.Values[key].(*Object)
	if !ok {
		return nil, badInput("'%s' is a required property and must be an object", key)
	}
	in := &fenceDeviceInput{}
	for _, k := range o.Keys {
		if !slices.Contains(fenceDeviceKeys, k) {
			return nil, badInput("Additional properties are not allowed ('%s' was unexpected)", k)
		}
		v := o.Values[k]
		switch k {
		case "level", "port":
			n, ok := v.(Number)
			if !ok || !n.IsInteger() {
				return nil, badInput("Invalid input for field/attribute %s. It must be an integer.", k)
			}
			i, err := strconv.Atoi(string(n))
			if err != nil {
				return nil, badInput("Invalid input for field/attribute %s. It must be an integer.", k)
			}
			if k == "level" {
				if i < 1 || i > 100 {
					return nil, badInput("Invalid input for field/attribute level. It must be between 1 and 100.")
				}
				in.Level = &i
			} else {
				if i < 1 || i > 65535 {
					return nil, badInput("Invalid input for field/attribute port. It must be between 1 and 65535.")
				}
				in.Port = &i
			}
		case "options":
			m, ok := v.(*Object)
			if !ok {
				return nil, badInput("Invalid input for field/attribute options. It must be an object of strings.")
			}
			in.Options = map[string]string{}
			for _, ok := range m.Keys {
				switch ov := m.Values[ok].(type) {
				case string:
					in.Options[ok] = ov
				case Number:
					in.Options[ok] = string(ov)
				default:
					return nil, badInput("Invalid input for field/attribute options. Option %s must be a string.", ok)
				}
			}
		default:
			s, ok := v.(string)
			if !ok {
				return nil, badInput("Invalid input for field/attribute %s. It must be a string.", k)
			}
			if len(s) > 255 {
				return nil, badInput("Invalid input for field/attribute %s. It is longer than 255 characters.", k)
			}
			switch k {
			case "driver":
				in.Driver = &s
			case "agent":
				in.Agent = &s
			case "address":
				in.Address = &s
			case "username":
				in.Username = &s
			case "password":
				in.Password = &s
			}
		}
	}
	return in, nil
}

// checkFenceDevice validates the merged device by building its driver,
// so what the API accepts the engine can use.
func checkFenceDevice(d *store.FenceDevice, password string) error {
	switch d.Driver {
	case "manual":
		if d.Agent != "" || d.Address != "" || d.Username != "" || password != "" || len(d.Options) > 0 || d.Port != 0 {
			return badInput("A manual fence device takes only a level.")
		}
		return nil
	case "ipmi":
		if d.Agent != "" {
			return badInput("Field agent belongs to driver agent.")
		}
		if d.Address == "" {
			return badInput("Driver ipmi needs an address.")
		}
		for k := range d.Options {
			if k != "cipher_suite" && k != "privilege" {
				return badInput("Driver ipmi takes the options cipher_suite and privilege, not %s.", k)
			}
		}
		c := ipmi.Config{Address: d.Address, Port: d.Port, Username: d.Username, Privilege: d.Options["privilege"]}
		if v, ok := d.Options["cipher_suite"]; ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				return badInput("Option cipher_suite must be a number.")
			}
			c.CipherSuite = n
		}
		if _, err := ipmi.New(c); err != nil {
			return badInput("%s", err.Error())
		}
		return nil
	case "agent":
		if !agentNameRe.MatchString(d.Agent) {
			return badInput("Driver agent needs agent, the name of a fence agent (fence_*).")
		}
		// The engine hands address, port and username to the agent as
		// ip, ipport and username (cmd/internal/fencewire); check them as
		// such. agent.Validate holds the allow-list of each agent's options.
		opts := make(map[string]string, len(d.Options)+3)
		for k, v := range d.Options {
			opts[k] = v
		}
		for k, v := range map[string]string{"ip": d.Address, "username": d.Username} {
			if _, set := opts[k]; !set && v != "" {
				opts[k] = v
			}
		}
		if _, set := opts["ipport"]; !set && d.Port != 0 {
			opts["ipport"] = strconv.Itoa(d.Port)
		}
		if err := agent.Validate(agent.Config{Agent: d.Agent, Options: opts, Password: password}); err != nil {
			return badInput("%s", err.Error())
		}
		return nil
	default:
		return badInput("Invalid input for field/attribute driver. It must be one of ipmi, agent, manual.")
	}
}

// sealPassword encrypts a password for host (nil for an empty one).
func (a *API) sealPassword(hostUUID, password string) ([]byte, error) {
	if password == "" {
		return nil, nil
	}
	if a.FenceSecrets == nil {
		return nil, Faultf(http.StatusServiceUnavailable, "Fence device passwords cannot be stored: no [fencing] secret_key_file is loaded.")
	}
	return a.FenceSecrets.Seal([]byte(password), []byte(hostUUID)), nil
}

func (a *API) fenceDeviceCreate(rq *Request) (int, any, error) {
	if err := a.authorize(rq, "lazarus_api:fence_devices:create"); err != nil {
		return 0, nil, err
	}
	in, err := decodeFenceDevice(rq.Body, "fence_device")
	if err != nil {
		return 0, nil, err
	}
	if in.Level == nil {
		return 0, nil, badInput("'level' is a required property")
	}
	if in.Driver == nil {
		return 0, nil, badInput("'driver' is a required property")
	}
	h, err := a.fenceHost(rq)
	if err != nil {
		return 0, nil, err
	}
	d := &store.FenceDevice{Level: *in.Level, Driver: *in.Driver, Options: in.Options}
	setStr(&d.Agent, in.Agent)
	setStr(&d.Address, in.Address)
	setStr(&d.Username, in.Username)
	if in.Port != nil {
		d.Port = *in.Port
	}
	password := deref(in.Password)
	if err := checkFenceDevice(d, password); err != nil {
		return 0, nil, err
	}
	sealed, err := a.sealPassword(h.UUID, password)
	if err != nil {
		return 0, nil, err
	}
	out, err := a.Store.FenceDeviceInsert(rq.Context(), &store.FenceDeviceInsertParams{
		HostUUID: h.UUID, SegmentUUID: h.FailoverSegmentID, Level: d.Level, Driver: d.Driver, Agent: d.Agent,
		Address: d.Address, Port: d.Port, Username: d.Username, PasswordEncrypted: sealed, Options: d.Options,
	})
	if err != nil {
		return 0, nil, storeError(err)
	}
	return http.StatusCreated, map[string]any{"fence_device": viewFenceDevice(out)}, nil
}

func setStr(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (a *API) fenceDeviceUpdate(rq *Request) (int, any, error) {
	if err := a.authorize(rq, "lazarus_api:fence_devices:update"); err != nil {
		return 0, nil, err
	}
	in, err := decodeFenceDevice(rq.Body, "fence_device")
	if err != nil {
		return 0, nil, err
	}
	h, err := a.fenceHost(rq)
	if err != nil {
		return 0, nil, err
	}
	cur, err := a.Store.FenceDeviceGet(rq.Context(), &store.FenceDeviceGetParams{UUID: chi.URLParam(rq.Request, "device_id"), HostUUID: h.UUID})
	if err != nil {
		return 0, nil, storeError(err)
	}
	merged := *cur
	if in.Level != nil {
		merged.Level = *in.Level
	}
	if in.Driver != nil {
		merged.Driver = *in.Driver
	}
	setStr(&merged.Agent, in.Agent)
	setStr(&merged.Address, in.Address)
	setStr(&merged.Username, in.Username)
	if in.Port != nil {
		merged.Port = *in.Port
	}
	if in.Options != nil {
		merged.Options = in.Options
	}
	// The merged device must still be valid; the stored password counts as
	// set unless the update replaces it.
	password := "unchanged"
	if in.Password != nil {
		password = *in.Password
	} else if len(cur.PasswordEncrypted) == 0 {
		password = ""
	}
	if err := checkFenceDevice(&merged, password); err != nil {
		return 0, nil, err
	}
	p := &store.FenceDeviceUpdateParams{
		UUID: cur.UUID, HostUUID: h.UUID, Level: in.Level, Driver: in.Driver, Agent: in.Agent, Address: in.Address,
		Port: in.Port, Username: in.Username, Options: in.Options,
	}
	if in.Password != nil {
		sealed, err := a.sealPassword(h.UUID, *in.Password)
		if err != nil {
			return 0, nil, err
		}
		// An empty password removes it (a non-nil empty slice).
		p.PasswordEncrypted = append([]byte{}, sealed...)
	}
	out, err := a.Store.FenceDeviceUpdate(rq.Context(), p)
	if err != nil {
		return 0, nil, storeError(err)
	}
	return http.StatusOK, map[string]any{"fence_device": viewFenceDevice(out)}, nil
}

func (a *API) fenceDeviceDelete(rq *Request) (int, any, error) {
	if err := a.authorize(rq, "lazarus_api:fence_devices:delete"); err != nil {
		return 0, nil, err
	}
	h, err := a.fenceHost(rq)
	if err != nil {
		return 0, nil, err
	}
	if err := a.Store.FenceDeviceDelete(rq.Context(), &store.FenceDeviceDeleteParams{UUID: chi.URLParam(rq.Request, "device_id"), HostUUID: h.UUID}); err != nil {
		return 0, nil, storeError(err)
	}
	return http.StatusNoContent, nil, nil
}

// fenceConfirmationView is the JSON of an operator's confirmation.
type fenceConfirmationView struct {
	ID          string `json:"id"`
	HostID      string `json:"host_id"`
	ConfirmedAt string `json:"confirmed_at"`
	ConfirmedBy string `json:"confirmed_by"`
	Comment     string `json:"comment"`
}

// fenceConfirm records the operator's word that the host is off, which a
// recovery held at a manual fence level waits for. Body (optional):
// {"fence_confirm": {"comment": "..."}}.
func (a *API) fenceConfirm(rq *Request) (int, any, error) {
	if err := a.authorize(rq, "lazarus_api:fence_confirm:create"); err != nil {
		return 0, nil, err
	}
	comment := ""
	if rq.Body != nil {
		outer, ok := rq.Body.(*Object)
		if !ok {
			return 0, nil, badInput("The request body must be an object with the key 'fence_confirm'.")
		}
		for _, k := range outer.Keys {
			if k != "fence_confirm" {
				return 0, nil, badInput("Additional properties are not allowed ('%s' was unexpected)", k)
			}
		}
		if v, ok := outer.Values["fence_confirm"]; ok {
			o, ok := v.(*Object)
			if !ok {
				return 0, nil, badInput("Invalid input for field/attribute fence_confirm. It must be an object.")
			}
			for _, k := range o.Keys {
				if k != "comment" {
					return 0, nil, badInput("Additional properties are not allowed ('%s' was unexpected)", k)
				}
			}
			if c, ok := o.Values["comment"]; ok {
				s, ok := c.(string)
				if !ok || len(s) > 1024 {
					return 0, nil, badInput("Invalid input for field/attribute comment. It must be a string of at most 1024 characters.")
				}
				comment = s
			}
		}
	}
	h, err := a.fenceHost(rq)
	if err != nil {
		return 0, nil, err
	}
	by := "unknown"
	if rq.Creds != nil && rq.Creds.UserID != "" {
		by = rq.Creds.UserID
		if rq.Creds.ProjectID != "" {
			by += "@" + rq.Creds.ProjectID
		}
	}
	c, err := a.Store.FenceConfirmationInsert(rq.Context(), &store.FenceConfirmationInsertParams{
		HostUUID: h.UUID, SegmentUUID: h.FailoverSegmentID, ConfirmedBy: by, Comment: comment,
	})
	if err != nil {
		return 0, nil, storeError(err)
	}
	a.Log.InfoContext(rq.Context(), "operator confirmed host off", "host", h.Name, "confirmed_by", by)
	return http.StatusCreated, map[string]any{"fence_confirmation": &fenceConfirmationView{
		ID: c.UUID, HostID: c.HostUUID, ConfirmedAt: masakariTime(c.ConfirmedAt), ConfirmedBy: c.ConfirmedBy, Comment: c.Comment,
	}}, nil
}
