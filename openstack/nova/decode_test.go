package nova

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/stretchr/testify/require"
)

// A Nova (or proxy) whose next link points back at the same page must not
// make ServersOnHost loop forever.
func TestServersOnHostStopsOnLoopingLinks(t *testing.T) {
	t.Parallel()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"servers":[{"id":"a","OS-EXT-SRV-ATTR:host":"h"}],"servers_links":[{"rel":"next","href":"%s/servers/detail?marker=a"}]}`, srv.URL)
	}))
	t.Cleanup(srv.Close)
	c := NewFromServiceClient(&gophercloud.ServiceClient{ProviderClient: &gophercloud.ProviderClient{}, Endpoint: srv.URL + "/"}, slog.New(slog.DiscardHandler))
	_, err := c.ServersOnHost(context.Background(), "h")
	require.ErrorContains(t, err, "pagination does not end")
}

func TestServerWireDecodesNovaFields(t *testing.T) {
	t.Parallel()
	var page serverPage
	require.NoError(t, json.Unmarshal([]byte(`{"servers":[{"id":"i","name":"n","tenant_id":"t","status":"REBUILD",
		"OS-EXT-SRV-ATTR:host":"h","OS-EXT-SRV-ATTR:hypervisor_hostname":"h.example.org","OS-EXT-STS:vm_state":"active",
		"OS-EXT-STS:task_state":"rebuilding","OS-EXT-STS:power_state":1,"locked":true,"metadata":{"HA_Enabled":"True"},
		"flavor":{"vcpus":2,"ram":4096,"disk":40,"original_name":"m1.medium","extra_specs":{}}},
		{"id":"j","OS-EXT-STS:task_state":null,"metadata":null}]}`), &page))
	require.Equal(t, Server{
		ID: "i", Name: "n", TenantID: "t", Host: "h", HypervisorHostname: "h.example.org", Status: "REBUILD",
		VMState: "active", TaskState: "rebuilding", PowerState: 1, Locked: true,
		Metadata: map[string]string{"HA_Enabled": "True"}, Flavor: Flavor{VCPUs: 2, RAMMB: 4096, DiskGB: 40, ExtraSpecs: map[string]string{}},
	}, page.Servers[0].server())
	require.Equal(t, Server{ID: "j", Metadata: map[string]string{}}, page.Servers[1].server())
}

// FuzzServerPage feeds arbitrary bodies to the page decoder: it must not
// panic, and a decoded server always has a non-nil metadata map.
func FuzzServerPage(f *testing.F) {
	f.Add([]byte(`{"servers":[{"id":"i","OS-EXT-STS:task_state":"rebuilding","metadata":{"k":"v"},"flavor":{"vcpus":1}}],"servers_links":[{"rel":"next","href":"x"}]}`))
	f.Add([]byte(`{"servers":[]}`))
	f.Add([]byte(`{"servers":[{"flavor":{"id":"1","links":[]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var page serverPage
		if json.Unmarshal(data, &page) != nil {
			return
		}
		for i := range page.Servers {
			require.NotNil(t, page.Servers[i].server().Metadata)
		}
		_, _ = gophercloud.ExtractNextURL(page.Links)
	})
}

// Without a placement endpoint Capacities says so; the engine then falls
// back to the hypervisors' figures or leaves capacity to Nova.
func TestCapacitiesWithoutPlacement(t *testing.T) {
	t.Parallel()
	c := NewFromServiceClient(&gophercloud.ServiceClient{ProviderClient: &gophercloud.ProviderClient{}, Endpoint: "http://127.0.0.1:1/"}, slog.New(slog.DiscardHandler))
	_, err := c.Capacities(context.Background(), []string{"x"})
	require.ErrorIs(t, err, ErrNoPlacement)
	require.Equal(t, "2.53", c.Features().Microversion)
}
