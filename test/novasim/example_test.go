package novasim_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"

	"github.com/lazarus-ha/lazarus/openstack/nova"
	"github.com/lazarus-ha/lazarus/test/novasim"
)

// A host dies, is forced down, and its server is evacuated by the
// scheduler; the test then checks it was evacuated exactly once. The
// client negotiates 2.95, from which Nova leaves an evacuated instance
// stopped (SHUTOFF) at its destination.
func Example() {
	ctx := context.Background()
	sim := novasim.New(novasim.Options{})
	defer sim.Close()
	srv := httptest.NewServer(sim)
	defer srv.Close()
	_ = sim.AddHost(novasim.HostSpec{Name: "compute-1"})
	_ = sim.AddHost(novasim.HostSpec{Name: "compute-2"})
	id, _ := sim.AddServer(novasim.ServerSpec{Host: "compute-1", Metadata: map[string]string{"HA_Enabled": "True"}})

	c, err := nova.New(ctx, nova.Config{
		AuthURL: srv.URL + "/v3", Username: novasim.DefaultUsername, Password: novasim.DefaultPassword,
		ProjectName: novasim.DefaultProjectName,
	}, slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	_ = sim.KillHost("compute-1") // nova-compute dies; Nova still says "up" for 60 s
	fmt.Println(c.Evacuate(ctx, id, "") != nil)
	svc, _ := c.ComputeService(ctx, "compute-1")
	_ = c.SetForcedDown(ctx, svc.ID, true)
	fmt.Println(c.Evacuate(ctx, id, ""))
	_ = sim.WaitIdle(ctx)
	s, _ := c.Server(ctx, id)
	fmt.Println(s.Host, s.Status, sim.EvacuateCount(id))
	// Output:
	// true
	// <nil>
	// compute-2 SHUTOFF 1
}
