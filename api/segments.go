package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/lazarus-ha/lazarus/store"
)

// The failover segment resource (masakari/api/openstack/ha/segments.py).

func (a *API) segmentList(rq *Request) (int, any, error) {
	if err := a.authorize(rq, "os_masakari_api:segments:index"); err != nil {
		return 0, nil, err
	}
	q := rq.URL.Query()
	lp, err := a.listParams(q)
	if err != nil {
		return 0, nil, err
	}
	p := &store.SegmentListParams{ListParams: lp}
	p.RecoveryMethod, _ = lastParam(q, "recovery_method")
	p.ServiceType, _ = lastParam(q, "service_type")
	p.Enabled, _ = lastParam(q, "enabled")
	segs, err := a.Store.SegmentList(rq.Context(), p)
	if err != nil {
		return 0, nil, storeError(err)
	}
	out := make([]*segmentView, 0, len(segs))
	for _, s := range segs {
		out = append(out, viewSegment(s))
	}
	return http.StatusOK, map[string]any{"segments": out}, nil
}

func (a *API) segmentShow(rq *Request) (int, any, error) {
	if err := a.authorize(rq, "os_masakari_api:segments:detail"); err != nil {
		return 0, nil, err
	}
	seg, err := a.Store.SegmentGetByUUID(rq.Context(), chi.URLParam(rq.Request, "segment_id"))
	if err != nil {
		return 0, nil, storeError(err)
	}
	return http.StatusOK, map[string]any{"segment": viewSegment(seg)}, nil
}

// bodyObject returns body[key] as an object (the schema has vouched for
// it).
func bodyObject(body any, key string) *Object {
	o, _ := body.(*Object)
	if o == nil {
		return &Object{Values: map[string]any{}}
	}
	inner, _ := o.Values[key].(*Object)
	if inner == nil {
		return &Object{Values: map[string]any{}}
	}
	return inner
}

// str returns o[key] as a string pointer (nil when absent or null).
func (o *Object) str(key string) *string {
	if s, ok := o.Values[key].(string); ok {
		return &s
	}
	return nil
}

// boolean returns o[key] parsed as Masakari's boolean parameter
// (bool_from_string, strict); nil when absent.
func (o *Object) boolean(key string) *bool {
	switch v := o.Values[key].(type) {
	case bool:
		return &v
	case string:
		if b, ok := strictBool(v); ok {
			return &b
		}
	}
	return nil
}

func (a *API) segmentCreate(rq *Request) (int, any, error) {
	s := segmentCreate
	if rq.Version.AtLeast(1, 2) {
		s = segmentCreateV12
	}
	if err := validate(s, rq.Body); err != nil {
		return 0, nil, err
	}
	if err := a.authorize(rq, "os_masakari_api:segments:create"); err != nil {
		return 0, nil, err
	}
	o := bodyObject(rq.Body, "segment")
	p := &store.SegmentInsertParams{
		Name: *o.str("name"), ServiceType: *o.str("service_type"), RecoveryMethod: *o.str("recovery_method"),
		Description: o.str("description"), Enabled: true,
	}
	if b := o.boolean("enabled"); b != nil {
		p.Enabled = *b
	}
	seg, err := a.Store.SegmentInsert(rq.Context(), p)
	if err != nil {
		return 0, nil, storeError(err)
	}
	return http.StatusCreated, map[string]any{"segment": viewSegment(seg)}, nil
}

func (a *API) segmentUpdate(rq *Request) (int, any, error) {
	s := segmentUpdate
	if rq.Version.AtLeast(1, 2) {
		s = segmentUpdateV12
	}
	if err := validate(s, rq.Body); err != nil {
		return 0, nil, err
	}
	if err := a.authorize(rq, "os_masakari_api:segments:update"); err != nil {
		return 0, nil, err
	}
	o := bodyObject(rq.Body, "segment")
	p := &store.SegmentUpdateParams{
		UUID: chi.URLParam(rq.Request, "segment_id"),
		Name: o.str("name"), ServiceType: o.str("service_type"), RecoveryMethod: o.str("recovery_method"),
		Enabled: o.boolean("enabled"),
	}
	if _, ok := o.Values["description"]; ok {
		p.SetDescription, p.Description = true, o.str("description")
	}
	seg, err := a.Store.SegmentUpdate(rq.Context(), p)
	if err != nil {
		return 0, nil, storeError(err)
	}
	return http.StatusOK, map[string]any{"segment": viewSegment(seg)}, nil
}

func (a *API) segmentDelete(rq *Request) (int, any, error) {
	if err := a.authorize(rq, "os_masakari_api:segments:delete"); err != nil {
		return 0, nil, err
	}
	if err := a.Store.SegmentDelete(rq.Context(), chi.URLParam(rq.Request, "segment_id")); err != nil {
		return 0, nil, storeError(err)
	}
	return http.StatusNoContent, nil, nil
}
