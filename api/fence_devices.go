package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/lazarus-ha/lazarus/fencing/fenceopt"
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

// fenceDeviceProps is the schema of a fence_device's fields: their JSON
// types and bounds. What each driver takes is fencing/fenceopt's schema,
// which checkFenceDevice applies to the merged device.
func fenceDeviceProps() []property {
	str := func() schema { return schema{kType("string"), kMaxLength(fenceopt.FieldMaxLength)} }
	drivers := fenceopt.Drivers()
	reprs := make([]string, len(drivers))
	values := make([]any, len(drivers))
	for i, d := range drivers {
		reprs[i], values[i] = pyStrRepr(d), d
	}
	return []property{
		{"level", schema{kType("integer"), kMinimum(fenceopt.LevelMin), kMaximum(fenceopt.LevelMax)}},
		{"driver", schema{kType("string"), kEnum("["+strings.Join(reprs, ", ")+"]", values...)}},
		{fenceopt.FieldAgent, str()},
		{fenceopt.FieldAddress, str()},
		{fenceopt.FieldPort, schema{kType("integer"), kMinimum(fenceopt.PortMin), kMaximum(fenceopt.PortMax)}},
		{fenceopt.FieldUsername, str()},
		{fenceopt.FieldPassword, secretSchema(str(), fmt.Sprintf("It must be a string of at most %d characters.", fenceopt.FieldMaxLength))},
		// Option values are strings; a number is taken as it is written.
		{fenceopt.FieldOptions, schema{kType("object"), kAdditionalProperties(schema{kType("string", "number")})}},
	}
}

// fenceDeviceShown are the fields an error may repeat: not the password,
// nor an unknown field, which may be the password misspelt.
var fenceDeviceShown = []string{"level", "driver", fenceopt.FieldAgent, fenceopt.FieldAddress, fenceopt.FieldPort, fenceopt.FieldUsername, fenceopt.FieldOptions}

// Fence device schemas: create needs level and driver; an update may give
// any subset (an empty one changes nothing).
var (
	fenceDeviceCreate = envelope("fence_device", redacting(objectWith(fenceDeviceProps(), kRequired("level", "driver")), fenceDeviceShown...))
	fenceDeviceUpdate = envelope("fence_device", redacting(objectWith(fenceDeviceProps()), fenceDeviceShown...))
	fenceConfirmBody  = objectWith([]property{{"fence_confirm", objectWith([]property{
		{"comment", schema{kType("string"), kMaxLength(1024)}},
	})}})
)

func badInput(format string, args ...any) error {
	return Faultf(http.StatusBadRequest, format, args...)
}

// decodeFenceDevice validates {"<key>": {...}} against the update schema
// (which takes any subset of the fields; create checks its required ones
// first) and reads it.
func decodeFenceDevice(body any, key string) (*fenceDeviceInput, error) {
	s := fenceDeviceUpdate
	if key != "fence_device" {
		s = envelope(key, redacting(objectWith(fenceDeviceProps()), fenceDeviceShown...))
	}
	if err := validate(s, body); err != nil {
		return nil, err
	}
	o := body.(*Object).Values[key].(*Object)
	in := &fenceDeviceInput{}
	integer := func(k string) (*int, error) {
		i, err := strconv.Atoi(string(o.Values[k].(Number)))
		if err != nil {
			// Unreachable after the bounds above; kept as a 400, not a panic.
			return nil, badInput("Invalid input for field/attribute %s. It must be an integer.", k)
		}
		return &i, nil
	}
	for _, k := range o.Keys {
		var err error
		switch v := o.Values[k]; k {
		case "level":
			in.Level, err = integer(k)
		case fenceopt.FieldPort:
			in.Port, err = integer(k)
		case fenceopt.FieldOptions:
			m := v.(*Object)
			in.Options = make(map[string]string, len(m.Keys))
			for _, ok := range m.Keys {
				switch ov := m.Values[ok].(type) {
				case string:
					in.Options[ok] = ov
				case Number:
					in.Options[ok] = string(ov)
				}
			}
		case "driver":
			in.Driver = ptr(v.(string))
		case fenceopt.FieldAgent:
			in.Agent = ptr(v.(string))
		case fenceopt.FieldAddress:
			in.Address = ptr(v.(string))
		case fenceopt.FieldUsername:
			in.Username = ptr(v.(string))
		case fenceopt.FieldPassword:
			in.Password = ptr(v.(string))
		}
		if err != nil {
			return nil, err
		}
	}
	return in, nil
}

// fenceSpec is a device as fencing/fenceopt reads it.
func fenceSpec(d *store.FenceDevice) fenceopt.Device {
	return fenceopt.Device{Driver: d.Driver, Agent: d.Agent, Address: d.Address, Port: d.Port, Username: d.Username, Options: d.Options}
}

// checkFenceDevice validates the merged device against fencing/fenceopt's
// schema, the one the engine builds its drivers with, so what the API
// accepts the engine can use.
func checkFenceDevice(d *store.FenceDevice, password string) error {
	if err := fenceopt.Check(fenceSpec(d), password); err != nil {
		return badInput("%s", err.Error())
	}
	return nil
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
	if err := validate(fenceDeviceCreate, rq.Body); err != nil {
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

func ptr[T any](v T) *T { return &v }

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
		if err := validate(fenceConfirmBody, rq.Body); err != nil {
			return 0, nil, err
		}
		if c, ok := rq.Body.(*Object).Values["fence_confirm"].(*Object); ok {
			comment, _ = c.Values["comment"].(string)
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
