package api

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/lazarus-ha/lazarus/store"
)

// The vmoves of a host notification (Masakari master, microversion 1.3;
// like Masakari's controller, served at every microversion).

func asStoreError(err error, se **store.Error) bool { return errors.As(err, se) }

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// vmoveNotification is Masakari's _is_valid_notification: the
// notification must exist (404) and be a COMPUTE_HOST one (400).
func (a *API) vmoveNotification(rq *Request) (*store.Notification, error) {
	n, err := a.Store.NotificationGetByUUID(rq.Context(), chi.URLParam(rq.Request, "notification_id"))
	if err != nil {
		return nil, storeError(err)
	}
	if n.Type != "COMPUTE_HOST" {
		return nil, Faultf(http.StatusBadRequest, "This notification %s without vm moves.", n.NotificationUUID)
	}
	return n, nil
}

func (a *API) vmoveList(rq *Request) (int, any, error) {
	if err := a.authorize(rq, "os_masakari_api:vmoves:index"); err != nil {
		return 0, nil, err
	}
	q := rq.URL.Query()
	lp, err := a.listParams(q)
	if err != nil {
		return 0, nil, err
	}
	n, err := a.vmoveNotification(rq)
	if err != nil {
		return 0, nil, err
	}
	p := &store.VMoveListParams{ListParams: lp, NotificationUUID: n.NotificationUUID}
	p.Status, _ = lastParam(q, "status")
	p.Type, _ = lastParam(q, "type")
	vs, err := a.Store.VMoveList(rq.Context(), p)
	if err != nil {
		return 0, nil, storeError(err)
	}
	out := make([]*vmoveView, 0, len(vs))
	for _, v := range vs {
		out = append(out, viewVMove(v))
	}
	return http.StatusOK, map[string]any{"vmoves": out}, nil
}

func (a *API) vmoveShow(rq *Request) (int, any, error) {
	if err := a.authorize(rq, "os_masakari_api:vmoves:detail"); err != nil {
		return 0, nil, err
	}
	n, err := a.vmoveNotification(rq)
	if err != nil {
		return 0, nil, err
	}
	v, err := a.Store.VMoveGetByUUID(rq.Context(), &store.VMoveGetByUUIDParams{NotificationUUID: n.NotificationUUID, UUID: chi.URLParam(rq.Request, "vmove_id")})
	if err != nil {
		return 0, nil, storeError(err)
	}
	return http.StatusOK, map[string]any{"vmove": viewVMove(v)}, nil
}
