package novasim_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/test/novasim"
)

func TestControlHandler(t *testing.T) {
	t.Parallel()
	b := setup(t, novasim.Options{EvacuateDelay: 1 << 40})
	ctl := httptest.NewServer(b.sim.ControlHandler())
	t.Cleanup(ctl.Close)
	id, err := b.sim.AddServer(novasim.ServerSpec{Host: "compute-1"})
	require.NoError(t, err)
	post := func(path string) int {
		resp, err := http.Post(ctl.URL+path, "", nil)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	getJSON := func(path string, v any) int {
		resp, err := http.Get(ctl.URL + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
		}
		return resp.StatusCode
	}

	require.Equal(t, http.StatusNoContent, post("/sim/hosts/compute-1/kill"))
	svc, _ := b.sim.Service("compute-1")
	require.False(t, svc.Alive)
	require.Equal(t, "up", svc.State) // within service_down_time
	require.Equal(t, http.StatusNoContent, post("/sim/hosts/compute-1/down"))
	svc, _ = b.sim.Service("compute-1")
	require.Equal(t, "down", svc.State)
	require.Equal(t, http.StatusNotFound, post("/sim/hosts/nope/kill"))

	code, _ := b.nova(t, http.MethodPost, "/servers/"+id+"/action", "2.53", `{"evacuate":{}}`)
	require.Equal(t, http.StatusOK, code)
	var evac struct {
		Evacuations []novasim.EvacuateCall `json:"evacuations"`
	}
	require.Equal(t, http.StatusOK, getJSON("/sim/evacuations", &evac))
	require.Len(t, evac.Evacuations, 1)
	require.Equal(t, id, evac.Evacuations[0].ServerID)
	require.Empty(t, evac.Evacuations[0].Result)

	require.Equal(t, http.StatusNoContent, post("/sim/finish"))
	var host struct {
		Service novasim.ServiceState  `json:"service"`
		Servers []novasim.ServerState `json:"servers"`
	}
	require.Equal(t, http.StatusOK, getJSON("/sim/hosts/compute-1", &host))
	require.Equal(t, "compute-1", host.Service.Host)
	require.Empty(t, host.Servers)

	require.Equal(t, http.StatusNoContent, post("/sim/hosts/compute-1/revive"))
	svc, _ = b.sim.Service("compute-1")
	require.True(t, svc.Alive)
	require.Equal(t, http.StatusNotFound, getJSON("/sim/hosts/nope", &host))
}
