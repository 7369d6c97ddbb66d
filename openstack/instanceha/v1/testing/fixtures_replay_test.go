package testing

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/openstack/instanceha/fixtures"
	v1 "github.com/lazarus-ha/lazarus/openstack/instanceha/v1"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/hosts"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/notifications"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/segments"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/vmoves"
)

// These tests replay the API's own golden exchanges (written by the api
// package's handler tests): the fake server answers with the recorded
// response, and the client must send the recorded method, path and body
// and read the recorded answer. If the server's bodies change, these fail.

const (
	segID  = "11111111-1111-4111-8111-111111111111"
	hostID = "22222222-2222-4222-8222-222222222222"
	notID  = "33333333-3333-4333-8333-333333333333"
	moveID = "44444444-4444-4444-8444-444444444444"
)

type replay struct {
	name string
	// call performs the client call; it returns what Extract gave (checked
	// against the recorded body by check) and the error.
	call func(ctx context.Context, c *gophercloud.ServiceClient) (any, error)
	// sameBody says the client can express the recorded request body
	// exactly, so it must send it.
	sameBody bool
	check    func(t *testing.T, got any, body map[string]any)
}

func strp(s string) *string { return &s }
func boolp(b bool) *bool    { return &b }

func inner(body map[string]any, key string) map[string]any {
	m, _ := body[key].(map[string]any)
	return m
}

var replays = []replay{
	{name: "segment-create-v1.0", sameBody: true, call: func(ctx context.Context, c *gophercloud.ServiceClient) (any, error) {
		return segments.Create(ctx, c, segments.CreateOpts{Name: "segment2", RecoveryMethod: "reserved_host", ServiceType: "COMPUTE"}).Extract()
	}, check: func(t *testing.T, got any, body map[string]any) {
		s := got.(*segments.Segment)
		require.Equal(t, inner(body, "segment")["name"], s.Name)
		require.Equal(t, inner(body, "segment")["recovery_method"], s.RecoveryMethod)
	}},
	{name: "segment-show", call: func(ctx context.Context, c *gophercloud.ServiceClient) (any, error) {
		return segments.Get(ctx, c, segID).Extract()
	}, check: func(t *testing.T, got any, body map[string]any) {
		s := got.(*segments.Segment)
		require.Equal(t, inner(body, "segment")["uuid"], s.UUID)
		require.Equal(t, inner(body, "segment")["enabled"], s.Enabled)
	}},
	{name: "segment-list", call: func(ctx context.Context, c *gophercloud.ServiceClient) (any, error) {
		p, err := segments.List(c, nil).AllPages(ctx)
		if err != nil {
			return nil, err
		}
		return segments.ExtractSegments(p)
	}, check: func(t *testing.T, got any, body map[string]any) {
		require.Len(t, got, len(body["segments"].([]any)))
	}},
	{name: "segment-update", call: func(ctx context.Context, c *gophercloud.ServiceClient) (any, error) {
		return segments.Update(ctx, c, segID, segments.UpdateOpts{RecoveryMethod: strp("rh_priority"), Enabled: boolp(true)}).Extract()
	}, check: func(t *testing.T, got any, body map[string]any) {
		require.Equal(t, "rh_priority", got.(*segments.Segment).RecoveryMethod)
	}},
	{name: "segment-delete", call: func(ctx context.Context, c *gophercloud.ServiceClient) (any, error) {
		return nil, segments.Delete(ctx, c, segID).ExtractErr()
	}},
	{name: "segment-delete-in-use", call: func(ctx context.Context, c *gophercloud.ServiceClient) (any, error) {
		return nil, segments.Delete(ctx, c, segID).ExtractErr()
	}},
	{name: "segment-create-duplicate-name", sameBody: true, call: func(ctx context.Context, c *gophercloud.ServiceClient) (any, error) {
		return segments.Create(ctx, c, segments.CreateOpts{Name: "segment1", RecoveryMethod: "auto", ServiceType: "COMPUTE"}).Extract()
	}},
	{name: "segment-update-not-found", sameBody: true, call: func(ctx context.Context, c *gophercloud.ServiceClient) (any, error) {
		return segments.Update(ctx, c, "6b8a8d0e-6b38-4b4e-9d59-7a0f4f0f9c11", segments.UpdateOpts{Name: strp("x")}).Extract()
	}},
	{name: "host-create", sameBody: true, call: func(ctx context.Context, c *gophercloud.ServiceClient) (any, error) {
		return hosts.Create(ctx, c, segID, hosts.CreateOpts{Name: "compute-1", Type: "COMPUTE", ControlAttributes: "SSH"}).Extract()
	}, check: func(t *testing.T, got any, body map[string]any) {
		h := got.(*hosts.Host)
		require.Equal(t, inner(body, "host")["name"], h.Name)
		require.Equal(t, inner(body, "host")["failover_segment_id"], h.FailoverSegment.UUID, "the embedded segment is the host's")
	}},
	{name: "host-list", call: func(ctx context.Context, c *gophercloud.ServiceClient) (any, error) {
		p, err := hosts.List(c, segID, nil).AllPages(ctx)
		if err != nil {
			return nil, err
		}
		return hosts.ExtractHosts(p)
	}, check: func(t *testing.T, got any, body map[string]any) {
		require.Len(t, got, len(body["hosts"].([]any)))
	}},
	{name: "host-show", call: func(ctx context.Context, c *gophercloud.ServiceClient) (any, error) {
		return hosts.Get(ctx, c, segID, hostID).Extract()
	}, check: func(t *testing.T, got any, body map[string]any) {
		require.Equal(t, inner(body, "host")["control_attributes"], got.(*hosts.Host).ControlAttributes)
	}},
	{name: "host-update", sameBody: true, call: func(ctx context.Context, c *gophercloud.ServiceClient) (any, error) {
		return hosts.Update(ctx, c, segID, hostID, hosts.UpdateOpts{Name: strp("compute-4"), Reserved: boolp(false), ControlAttributes: strp("IPMI")}).Extract()
	}, check: func(t *testing.T, got any, body map[string]any) {
		require.Equal(t, "compute-4", got.(*hosts.Host).Name)
	}},
	{name: "host-delete", call: func(ctx context.Context, c *gophercloud.ServiceClient) (any, error) {
		return nil, hosts.Delete(ctx, c, segID, hostID).ExtractErr()
	}},
	{name: "host-delete-in-use", call: func(ctx context.Context, c *gophercloud.ServiceClient) (any, error) {
		return nil, hosts.Delete(ctx, c, segID, hostID).ExtractErr()
	}},
	{name: "notification-create", sameBody: true, call: func(ctx context.Context, c *gophercloud.ServiceClient) (any, error) {
		return notifications.Create(ctx, c, notifications.CreateOpts{Type: "COMPUTE_HOST", Hostname: "compute-1",
			GeneratedTime: "2026-01-02T03:04:05Z", Payload: map[string]any{"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}}).Extract()
	}, check: func(t *testing.T, got any, body map[string]any) {
		n := got.(*notifications.Notification)
		require.Equal(t, "new", n.Status)
		require.Equal(t, inner(body, "notification")["notification_uuid"], n.NotificationUUID)
	}},
	{name: "notification-list", call: func(ctx context.Context, c *gophercloud.ServiceClient) (any, error) {
		p, err := notifications.List(c, nil).AllPages(ctx)
		if err != nil {
			return nil, err
		}
		return notifications.ExtractNotifications(p)
	}, check: func(t *testing.T, got any, body map[string]any) {
		require.Len(t, got, len(body["notifications"].([]any)))
	}},
	{name: "notification-show-v1.1", call: func(ctx context.Context, c *gophercloud.ServiceClient) (any, error) {
		return notifications.Get(ctx, c, notID).Extract()
	}, check: func(t *testing.T, got any, body map[string]any) {
		n := got.(*notifications.Notification)
		want := inner(body, "notification")["recovery_workflow_details"].([]any)
		require.Len(t, n.RecoveryWorkflowDetails, len(want))
		require.NotEmpty(t, n.RecoveryWorkflowDetails[0].ProgressDetails)
	}},
	{name: "notification-show-not-found", call: func(ctx context.Context, c *gophercloud.ServiceClient) (any, error) {
		return notifications.Get(ctx, c, "6b8a8d0e-6b38-4b4e-9d59-7a0f4f0f9c11").Extract()
	}},
	{name: "vmove-list", call: func(ctx context.Context, c *gophercloud.ServiceClient) (any, error) {
		p, err := vmoves.List(c, notID, nil).AllPages(ctx)
		if err != nil {
			return nil, err
		}
		return vmoves.ExtractVMoves(p)
	}, check: func(t *testing.T, got any, body map[string]any) {
		require.Len(t, got, len(body["vmoves"].([]any)))
	}},
	{name: "vmove-show", call: func(ctx context.Context, c *gophercloud.ServiceClient) (any, error) {
		return vmoves.Get(ctx, c, notID, moveID).Extract()
	}, check: func(t *testing.T, got any, body map[string]any) {
		require.Equal(t, inner(body, "vmove")["instance_name"], got.(*vmoves.VMove).InstanceName)
	}},
	{name: "vmove-list-not-host-notification", call: func(ctx context.Context, c *gophercloud.ServiceClient) (any, error) {
		p, err := vmoves.List(c, notID, nil).AllPages(ctx)
		if err != nil {
			return nil, err
		}
		return vmoves.ExtractVMoves(p)
	}},
}

var placeholder = regexp.MustCompile(`\\\{[a-z0-9_]+\\\}`)

func pathPattern(p string) *regexp.Regexp {
	p, _, _ = strings.Cut(p, "?")
	return regexp.MustCompile("^" + placeholder.ReplaceAllString(regexp.QuoteMeta(p), "[^/]+") + "$")
}

func TestClientReplaysAPIFixtures(t *testing.T) {
	t.Parallel()
	for _, rp := range replays {
		t.Run(rp.name, func(t *testing.T) {
			t.Parallel()
			ex, err := fixtures.Load(rp.name)
			require.NoError(t, err)
			var mu sync.Mutex
			var got []request
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				req := request{Method: r.Method, Path: r.URL.Path, Version: r.Header.Get("OpenStack-API-Version")}
				if b, _ := io.ReadAll(r.Body); len(b) > 0 {
					_ = json.Unmarshal(b, &req.Body)
				}
				mu.Lock()
				first := len(got) == 0
				got = append(got, req)
				mu.Unlock()
				for k, v := range ex.Reply.Headers {
					w.Header().Set(k, v)
				}
				if !first {
					// Later pages of a list: the fixture holds one page.
					w.WriteHeader(http.StatusOK)
					var body map[string]any
					_ = json.Unmarshal(ex.Reply.Body, &body)
					for k := range body {
						_, _ = io.WriteString(w, `{"`+k+`": []}`)
					}
					return
				}
				w.WriteHeader(ex.Reply.Status)
				if len(ex.Reply.Body) > 0 {
					_, _ = w.Write(ex.Reply.Body)
				} else {
					_, _ = io.WriteString(w, ex.Reply.Text)
				}
			}))
			defer srv.Close()
			c, err := v1.NewNoAuthClient(srv.URL+"/v1", nil)
			require.NoError(t, err)
			// The fixture's header says which microversion the client must ask
			// for; none means none.
			c.Microversion = ""
			if v := ex.Request.Headers["OpenStack-API-Version"]; v != "" {
				c.Microversion = strings.TrimPrefix(v, "instance-ha ")
			}
			res, callErr := rp.call(context.Background(), c)

			require.NotEmpty(t, got)
			require.Equal(t, ex.Request.Method, got[0].Method)
			require.Regexp(t, pathPattern(ex.Request.Path), got[0].Path)
			require.Equal(t, ex.Request.Headers["OpenStack-API-Version"], got[0].Version)
			if rp.sameBody {
				var want map[string]any
				require.NoError(t, json.Unmarshal(ex.Request.Body, &want))
				require.Equal(t, want, got[0].Body)
			}
			if ex.Reply.Status >= 400 {
				require.True(t, gophercloud.ResponseCodeIs(callErr, ex.Reply.Status), "want HTTP %d, got %v", ex.Reply.Status, callErr)
				return
			}
			require.NoError(t, callErr)
			if rp.check != nil {
				var body map[string]any
				require.NoError(t, json.Unmarshal(ex.Reply.Body, &body))
				rp.check(t, res, body)
			}
		})
	}
}
