package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/lazarus-ha/lazarus/store"
)

// The notification resource (masakari/api/openstack/ha/notifications.py):
// no update or delete (405).

func (a *API) notificationList(rq *Request) (int, any, error) {
	if err := a.authorize(rq, "os_masakari_api:notifications:index"); err != nil {
		return 0, nil, err
	}
	q := rq.URL.Query()
	lp, err := a.listParams(q)
	if err != nil {
		return 0, nil, err
	}
	p := &store.NotificationListParams{ListParams: lp}
	p.Status, _ = lastParam(q, "status")
	p.SourceHostUUID, _ = lastParam(q, "source_host_uuid")
	p.Type, _ = lastParam(q, "type")
	if v, ok := lastParam(q, "generated-since"); ok {
		t, err := parseISOTime(*v)
		if err != nil {
			return 0, nil, Faultf(http.StatusBadRequest, "Invalid generated-since value")
		}
		p.GeneratedSince = &t
	}
	ns, err := a.Store.NotificationList(rq.Context(), p)
	if err != nil {
		return 0, nil, storeError(err)
	}
	out := make([]*notificationView, 0, len(ns))
	for _, n := range ns {
		out = append(out, viewNotification(n))
	}
	return http.StatusOK, map[string]any{"notifications": out}, nil
}

func (a *API) notificationShow(rq *Request) (int, any, error) {
	if err := a.authorize(rq, "os_masakari_api:notifications:detail"); err != nil {
		return 0, nil, err
	}
	n, err := a.Store.NotificationGetByUUID(rq.Context(), chi.URLParam(rq.Request, "notification_id"))
	if err != nil {
		return 0, nil, storeError(err)
	}
	if !rq.Version.AtLeast(1, 1) {
		return http.StatusOK, map[string]any{"notification": viewNotification(n)}, nil
	}
	details := []store.WorkflowDetail{}
	if a.Workflow != nil {
		if details, err = a.Workflow.RecoveryWorkflowDetails(rq.Context(), n.NotificationUUID); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusOK, map[string]any{"notification": notificationShowView{viewNotification(n), viewWorkflow(details)}}, nil
}

func (a *API) notificationCreate(rq *Request) (int, any, error) {
	if err := validate(notificationCreate, rq.Body); err != nil {
		return 0, nil, err
	}
	if err := a.authorize(rq, "os_masakari_api:notifications:create"); err != nil {
		return 0, nil, err
	}
	o := bodyObject(rq.Body, "notification")
	typ := *o.str("type")
	payloadSchema := map[string]schema{"COMPUTE_HOST": computeHostPayload, "PROCESS": processPayload, "VM": vmPayload}[typ]
	if err := validate(payloadSchema, o.Values["payload"]); err != nil {
		return 0, nil, err
	}
	generated, _ := parseISOTime(*o.str("generated_time"))
	payload := map[string]string{}
	if po, ok := o.Values["payload"].(*Object); ok {
		for _, k := range po.Keys {
			payload[k], _ = po.Values[k].(string)
		}
	}
	n, err := a.Store.NotificationInsert(rq.Context(), &store.NotificationInsertParams{
		Type: typ, Hostname: *o.str("hostname"), GeneratedTime: generated, Payload: payload,
		DuplicateWindow: a.DuplicateWindow,
	})
	if err != nil {
		var se *store.Error
		if asStoreError(err, &se) && isNotFound(err) {
			// An unknown host is the client's mistake here: 400.
			return 0, nil, Faultf(http.StatusBadRequest, "%s", se.Message)
		}
		return 0, nil, storeError(err)
	}
	return http.StatusAccepted, map[string]any{"notification": viewNotification(n)}, nil
}
