package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

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
	if p.Limit == 0 {
		// Nothing to list: the store answers without asking the database.
		segs, err := a.Store.SegmentList(rq.Context(), p)
		if err != nil {
			return 0, nil, storeError(err)
		}
		return http.StatusOK, segmentListBody(segs), nil
	}
	// The encoded list is kept under the digest of the segments table it
	// was read from; one cheap query tells whether the table is still in
	// that state, here or in any other replica's writes.
	key := segmentListKey(p)
	digest, err := a.Store.SegmentListDigest(rq.Context())
	if err != nil {
		return 0, nil, storeError(err)
	}
	if body := a.segmentLists.get(key, digest); body != nil {
		return http.StatusOK, body, nil
	}
	segs, digest, err := a.Store.SegmentListWithDigest(rq.Context(), p)
	if err != nil {
		return 0, nil, storeError(err)
	}
	body, err := pyJSON(segmentListBody(segs))
	if err != nil {
		return 0, nil, err
	}
	a.segmentLists.put(key, digest, body)
	return http.StatusOK, encodedJSON(body), nil
}

func segmentListBody(segs []*store.Segment) map[string]any {
	out := make([]*segmentView, 0, len(segs))
	for _, s := range segs {
		out = append(out, viewSegment(s))
	}
	return map[string]any{"segments": out}
}

// segmentListKey names a list request: every parameter the store reads.
func segmentListKey(p *store.SegmentListParams) string {
	var b strings.Builder
	opt := func(s *string) {
		if s == nil {
			b.WriteString("-")
		} else {
			b.WriteString(strconv.Quote(*s))
		}
		b.WriteByte(' ')
	}
	fmt.Fprintf(&b, "%d %q %q ", p.Limit, p.SortKeys, p.SortDirs)
	if p.Marker != nil {
		fmt.Fprintf(&b, "%d ", *p.Marker)
	} else {
		b.WriteString("- ")
	}
	opt(p.RecoveryMethod)
	opt(p.ServiceType)
	opt(p.Enabled)
	return b.String()
}

// segmentListCache keeps encoded segment lists, each under its request's
// key with the digest of the table state it was read from (a few keys:
// the lists clients really ask for; any other request still works, it
// only displaces one).
type segmentListCache struct {
	mu      sync.Mutex
	entries map[string]segmentListEntry
}

type segmentListEntry struct {
	digest string
	body   encodedJSON
}

// The cache's bounds: at most this many keys, and neither a key (its
// filters are the client's text) nor a body (osapi_max_limit may be
// raised) over its size is kept: at most 16 MiB in all.
const (
	segmentListCacheKeys    = 16
	segmentListCacheMaxKey  = 1 << 10
	segmentListCacheMaxBody = 1 << 20
)

// get returns the body kept for key if it was read under digest.
func (c *segmentListCache) get(key, digest string) encodedJSON {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok && e.digest == digest {
		return e.body
	}
	return nil
}

func (c *segmentListCache) put(key, digest string, body []byte) {
	if len(key) > segmentListCacheMaxKey || len(body) > segmentListCacheMaxBody {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[string]segmentListEntry, segmentListCacheKeys)
	}
	if _, ok := c.entries[key]; !ok && len(c.entries) >= segmentListCacheKeys {
		for k := range c.entries {
			delete(c.entries, k)
			break
		}
	}
	c.entries[key] = segmentListEntry{digest: digest, body: body}
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
