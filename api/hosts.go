package api

import (
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/lazarus-ha/lazarus/store"
)

// The host resource under a segment (masakari/api/openstack/ha/hosts.py).

func (a *API) hostList(rq *Request) (int, any, error) {
	if err := a.authorize(rq, "os_masakari_api:os-hosts:index"); err != nil {
		return 0, nil, err
	}
	q := rq.URL.Query()
	lp, err := a.listParams(q)
	if err != nil {
		return 0, nil, err
	}
	seg, err := a.Store.SegmentGetByUUID(rq.Context(), chi.URLParam(rq.Request, "segment_id"))
	if err != nil {
		return 0, nil, storeError(err)
	}
	p := &store.HostListParams{ListParams: lp, SegmentUUID: seg.UUID}
	// name and control_attributes are accepted and ignored, as in
	// Masakari's database layer.
	p.Type, _ = lastParam(q, "type")
	for _, f := range []struct {
		name string
		dst  **bool
	}{{"on_maintenance", &p.OnMaintenance}, {"reserved", &p.Reserved}} {
		if v, ok := lastParam(q, f.name); ok {
			b, ok := strictBool(*v)
			if !ok {
				return 0, nil, Faultf(http.StatusBadRequest, "Invalid value for %s: Unrecognized value '%s', acceptable values are: %s", f.name, *v, boolAcceptable)
			}
			*f.dst = &b
		}
	}
	hosts, err := a.Store.HostList(rq.Context(), p)
	if err != nil {
		return 0, nil, storeError(err)
	}
	out := make([]*hostView, 0, len(hosts))
	for _, h := range hosts {
		out = append(out, viewHost(h))
	}
	return http.StatusOK, map[string]any{"hosts": out}, nil
}

func (a *API) hostShow(rq *Request) (int, any, error) {
	if err := a.authorize(rq, "os_masakari_api:os-hosts:detail"); err != nil {
		return 0, nil, err
	}
	h, err := a.Store.HostGetByUUID(rq.Context(), &store.HostGetByUUIDParams{
		UUID: chi.URLParam(rq.Request, "host_id"), SegmentUUID: chi.URLParam(rq.Request, "segment_id"),
	})
	if err != nil {
		return 0, nil, storeError(err)
	}
	return http.StatusOK, map[string]any{"host": viewHost(h)}, nil
}

// checkCompute is Masakari's find_compute_service: 400 "Compute service
// with name X could not be found." when Nova has no nova-compute there.
func (a *API) checkCompute(rq *Request, name string) error {
	if a.Compute == nil {
		return nil
	}
	ok, err := a.Compute.ComputeServiceExists(rq.Context(), name)
	if err != nil {
		return fmt.Errorf("look up nova-compute service %s: %w", name, err)
	}
	if !ok {
		return Faultf(http.StatusBadRequest, "Compute service with name %s could not be found.", name)
	}
	return nil
}

func (a *API) hostCreate(rq *Request) (int, any, error) {
	if err := validate(hostCreate, rq.Body); err != nil {
		return 0, nil, err
	}
	if err := a.authorize(rq, "os_masakari_api:os-hosts:create"); err != nil {
		return 0, nil, err
	}
	o := bodyObject(rq.Body, "host")
	seg, err := a.Store.SegmentGetByUUID(rq.Context(), chi.URLParam(rq.Request, "segment_id"))
	if err != nil {
		return 0, nil, storeError(err)
	}
	p := &store.HostInsertParams{SegmentUUID: seg.UUID, Name: *o.str("name")}
	// The schema lets type and control_attributes be null; Masakari then
	// fails with a 500 on its non-nullable columns. We answer 400.
	typ, ctl := o.str("type"), o.str("control_attributes")
	if typ == nil {
		return 0, nil, Faultf(http.StatusBadRequest, "Invalid input for field/attribute type. Value: None. None is not of type 'string'")
	}
	if ctl == nil {
		return 0, nil, Faultf(http.StatusBadRequest, "Invalid input for field/attribute control_attributes. Value: None. None is not of type 'string'")
	}
	p.Type, p.ControlAttributes = *typ, *ctl
	if b := o.boolean("reserved"); b != nil {
		p.Reserved = *b
	}
	if b := o.boolean("on_maintenance"); b != nil {
		p.OnMaintenance = *b
	}
	if err := a.checkCompute(rq, p.Name); err != nil {
		return 0, nil, err
	}
	h, err := a.Store.HostInsert(rq.Context(), p)
	if err != nil {
		return 0, nil, storeError(err)
	}
	return http.StatusCreated, map[string]any{"host": viewHost(h)}, nil
}

func (a *API) hostUpdate(rq *Request) (int, any, error) {
	if err := validate(hostUpdate, rq.Body); err != nil {
		return 0, nil, err
	}
	if err := a.authorize(rq, "os_masakari_api:os-hosts:update"); err != nil {
		return 0, nil, err
	}
	o := bodyObject(rq.Body, "host")
	segID, hostID := chi.URLParam(rq.Request, "segment_id"), chi.URLParam(rq.Request, "host_id")
	// Masakari's order: the host (404), the segment in use (409), the
	// compute service of a new name (400), then the write (409 on a taken
	// name). The store repeats the in-use check under lock.
	h, err := a.Store.HostGetByUUID(rq.Context(), &store.HostGetByUUIDParams{UUID: hostID, SegmentUUID: segID})
	if err != nil {
		return 0, nil, storeError(err)
	}
	inUse, err := a.Store.SegmentInUse(rq.Context(), h.FailoverSegmentID)
	if err != nil {
		return 0, nil, err
	}
	if inUse {
		return 0, nil, Faultf(http.StatusConflict, "Host %s can't be updated as it is in-use to process notifications.", h.UUID)
	}
	p := &store.HostUpdateParams{
		UUID: hostID, SegmentUUID: segID,
		Name: o.str("name"), Type: o.str("type"), ControlAttributes: o.str("control_attributes"),
		Reserved: o.boolean("reserved"), OnMaintenance: o.boolean("on_maintenance"),
	}
	for _, k := range []string{"type", "control_attributes"} {
		if v, ok := o.Values[k]; ok && v == nil {
			return 0, nil, Faultf(http.StatusBadRequest, "Invalid input for field/attribute %s. Value: None. None is not of type 'string'", k)
		}
	}
	if p.Name != nil {
		if err := a.checkCompute(rq, *p.Name); err != nil {
			return 0, nil, err
		}
	}
	h, err = a.Store.HostUpdate(rq.Context(), p)
	if err != nil {
		return 0, nil, storeError(err)
	}
	return http.StatusOK, map[string]any{"host": viewHost(h)}, nil
}

func (a *API) hostDelete(rq *Request) (int, any, error) {
	if err := a.authorize(rq, "os_masakari_api:os-hosts:delete"); err != nil {
		return 0, nil, err
	}
	err := a.Store.HostDelete(rq.Context(), &store.HostDeleteParams{
		UUID: chi.URLParam(rq.Request, "host_id"), SegmentUUID: chi.URLParam(rq.Request, "segment_id"),
	})
	if err != nil {
		return 0, nil, storeError(err)
	}
	return http.StatusNoContent, nil, nil
}
