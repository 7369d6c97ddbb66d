//go:build acceptance

package nova_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/openstack/nova"
)

// TestAcceptanceReadOnly runs the client's read calls against a real cloud
// named by the OS_* variables (test/e2e/cloud.sh env prints them):
//
//	eval "$(test/e2e/cloud.sh env)"; go test -tags acceptance -run Acceptance ./openstack/nova/
//
// It changes nothing in the cloud.
func TestAcceptanceReadOnly(t *testing.T) {
	cfg := nova.Config{
		AuthURL: os.Getenv("OS_AUTH_URL"), Username: os.Getenv("OS_USERNAME"), Password: os.Getenv("OS_PASSWORD"),
		ProjectName: os.Getenv("OS_PROJECT_NAME"), UserDomainName: os.Getenv("OS_USER_DOMAIN_NAME"),
		ProjectDomainName: os.Getenv("OS_PROJECT_DOMAIN_NAME"), RegionName: os.Getenv("OS_REGION_NAME"),
		Interface: os.Getenv("OS_INTERFACE"), Timeout: 30 * time.Second,
	}
	if cfg.AuthURL == "" || cfg.Password == "" {
		t.Fatal("OS_AUTH_URL and OS_PASSWORD are required: eval \"$(test/e2e/cloud.sh env)\"")
	}
	ctx := context.Background()
	c, err := nova.New(ctx, cfg, testLogger(t))
	require.NoError(t, err)
	t.Cleanup(c.Close)

	svcs, err := c.ComputeServices(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, svcs)
	total := 0
	for _, s := range svcs {
		require.NotEmpty(t, s.ID)
		require.Contains(t, []string{"up", "down"}, s.State)
		one, err := c.ComputeService(ctx, s.Host)
		require.NoError(t, err)
		require.Equal(t, s.ID, one.ID)
		list, err := c.ServersOnHost(ctx, s.Host)
		require.NoError(t, err)
		for _, v := range list {
			require.Equal(t, s.Host, v.Host)
			got, err := c.Server(ctx, v.ID)
			require.NoError(t, err)
			require.Equal(t, v.ID, got.ID)
			require.Positive(t, got.Flavor.VCPUs)
			_, err = c.Migrations(ctx, v.ID)
			require.NoError(t, err)
		}
		// changes-since: every server changed since long ago (deleted
		// ones too, so a superset), none changed after now.
		since, err := c.ServersOnHostSince(ctx, s.Host, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
		require.NoError(t, err)
		sinceIDs := map[string]bool{}
		for _, v := range since {
			require.Equal(t, s.Host, v.Host)
			sinceIDs[v.ID] = true
		}
		for _, v := range list {
			require.True(t, sinceIDs[v.ID], "%s changed since 2000 but not listed", v.ID)
		}
		future, err := c.ServersOnHostSince(ctx, s.Host, time.Now().Add(time.Hour))
		require.NoError(t, err)
		require.Empty(t, future, "nothing changes in the future")
		total += len(list)
		t.Logf("%s: %s/%s forced_down=%t, %d servers", s.Host, s.Status, s.State, s.ForcedDown, len(list))
	}
	_, err = c.ComputeService(ctx, "no-such-host")
	require.ErrorIs(t, err, nova.ErrNotFound)
	_, err = c.Server(ctx, "00000000-0000-0000-0000-000000000000")
	require.ErrorIs(t, err, nova.ErrNotFound)

	// The negotiated version is the cloud's newest, capped at what Lazarus
	// knows (Zed's 2.93 on the e2e cloud).
	feat := c.Features()
	t.Logf("negotiated compute microversion %s", feat.Microversion)
	require.GreaterOrEqual(t, feat.Minor, nova.MinMinor)
	require.LessOrEqual(t, feat.Minor, nova.MaxMinor)
	if want := os.Getenv("LAZARUS_ACCEPTANCE_NOVA_MAX"); want != "" {
		require.Equal(t, want, feat.Microversion, "negotiation picks the cloud's max")
	}

	hyps, err := c.Hypervisors(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, hyps)
	ids := make([]string, 0, len(hyps))
	for _, h := range hyps {
		require.NotEmpty(t, h.ServiceHost)
		ids = append(ids, h.ID)
		if feat.HypervisorCapacity {
			require.Positive(t, h.VCPUs, "capacity fields present at %s", feat.Microversion)
		}
	}
	// Capacity comes from Placement, whatever the compute version.
	caps, err := c.Capacities(ctx, ids)
	require.NoError(t, err)
	for _, h := range hyps {
		pc, ok := caps[h.ID]
		require.True(t, ok, "placement knows the resource provider of %s (%s)", h.ServiceHost, h.ID)
		require.Positive(t, pc.Resources["VCPU"].Capacity(), "VCPU capacity of %s", h.ServiceHost)
		require.Positive(t, pc.Resources["MEMORY_MB"].Capacity(), "MEMORY_MB capacity of %s", h.ServiceHost)
	}
	_, err = c.Aggregates(ctx)
	require.NoError(t, err)
	t.Logf("%d services, %d servers, %d hypervisors", len(svcs), total, len(hyps))
}
