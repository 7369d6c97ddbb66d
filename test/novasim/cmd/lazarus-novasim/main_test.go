package main

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/lazarus-ha/lazarus/openstack/nova"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The binary serves a populated cloud the Nova client can use as printed.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out bytes.Buffer
	ready := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-hosts", "3", "-servers-per-host", "4", "-ha-share", "0.5"}, &out, ready)
	}()
	base := <-ready
	require.Contains(t, out.String(), "auth_url = "+base+"/v3")

	c, err := nova.New(ctx, nova.Config{AuthURL: base + "/v3", Username: "admin", Password: "secret", ProjectName: "admin"},
		slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	svcs, err := c.ComputeServices(ctx)
	require.NoError(t, err)
	require.Len(t, svcs, 3)
	list, err := c.ServersOnHost(ctx, "compute-0002")
	require.NoError(t, err)
	require.Len(t, list, 4)
	ha := 0
	for _, s := range list {
		if s.Metadata["HA_Enabled"] == "True" {
			ha++
		}
	}
	require.Equal(t, 2, ha)
	c.Close()

	cancel()
	require.Equal(t, 0, <-done)
	require.Equal(t, 2, run(context.Background(), []string{"-no-such-flag"}, &out, nil))
}
