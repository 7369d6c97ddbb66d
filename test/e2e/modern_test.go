//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/stretchr/testify/require"
)

// novaDoAt is novaDo at another compute microversion (on a copy of the
// client: gophercloud puts the client's own microversion over any header).
func (e *env) novaDoAt(ctx context.Context, mv, method, path string, body, out any, ok ...int) error {
	c := *e.nova
	c.Microversion = mv
	opts := &gophercloud.RequestOpts{JSONBody: body, JSONResponse: out, OkCodes: ok}
	_, err := c.Request(ctx, method, c.ServiceURL(strings.TrimPrefix(path, "/")), opts)
	if err != nil {
		return fmt.Errorf("nova %s %s at %s: %w", method, path, mv, err)
	}
	return nil
}

// negotiation checks that lazarus-engine picked the highest microversion
// both it (2.96) and the cloud know: Zed's maximum, 2.93.
func (e *env) negotiation(ctx context.Context, t *testing.T, r *result) {
	var doc struct {
		Version struct {
			Version    string `json:"version"`
			MinVersion string `json:"min_version"`
		} `json:"version"`
	}
	_, err := e.nova.Get(ctx, e.nova.Endpoint, &doc, nil)
	require.NoError(t, err, "GET the compute version document")
	logf("Nova's version document: min %s, max %s", doc.Version.MinVersion, doc.Version.Version)
	raw, err := os.ReadFile(e.logPath("lazarus-engine"))
	require.NoError(t, err)
	var line string
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.Contains(l, "negotiated compute microversion") {
			line = l // the last one: this run's engine
		}
	}
	require.NotEmpty(t, line, "no negotiation logged in %s", e.logPath("lazarus-engine"))
	logf("lazarus-engine: %s", strings.TrimSpace(line))
	require.Contains(t, line, "nova_max="+doc.Version.Version)
	require.Contains(t, line, "using="+doc.Version.Version, "Lazarus (max 2.96) uses the cloud's max")
	r.note = "cloud max " + doc.Version.Version + ", used " + doc.Version.Version
}

// placement126 asks Placement for microversion 1.26, the first to accept
// reserved equal to total.
var placement126 = &gophercloud.RequestOpts{OkCodes: []int{200}, MoreHeaders: map[string]string{"OpenStack-API-Version": "placement 1.26"}}

// placementClient is an admin client of the cloud's Placement.
func (e *env) placementClient(t *testing.T) *gophercloud.ServiceClient {
	pc, err := openstack.NewPlacementV1(e.nova.ProviderClient, gophercloud.EndpointOpts{Region: "RegionOne"})
	require.NoError(t, err, "placement endpoint in the catalog")
	return pc
}

type inventories struct {
	Generation  int                       `json:"resource_provider_generation"`
	Inventories map[string]map[string]any `json:"inventories"`
}

// fillInventory sets reserved = total on every class of host's resource
// provider through the Placement API and returns how to restore it.
func (e *env) fillInventory(ctx context.Context, t *testing.T, host string) func() {
	pc := e.placementClient(t)
	var rps struct {
		Providers []struct {
			UUID string `json:"uuid"`
		} `json:"resource_providers"`
	}
	_, err := pc.Get(ctx, pc.ServiceURL("resource_providers")+"?name="+host, &rps, nil)
	require.NoError(t, err)
	require.Len(t, rps.Providers, 1, "resource provider %s", host)
	url := pc.ServiceURL("resource_providers", rps.Providers[0].UUID, "inventories")
	var orig inventories
	_, err = pc.Get(ctx, url, &orig, nil)
	require.NoError(t, err)
	full := inventories{Generation: orig.Generation, Inventories: map[string]map[string]any{}}
	for class, inv := range orig.Inventories {
		c := map[string]any{}
		for k, v := range inv {
			c[k] = v
		}
		c["reserved"] = c["total"]
		full.Inventories[class] = c
	}
	var after inventories
	_, err = pc.Put(ctx, url, full, &after, placement126)
	require.NoError(t, err, "PUT %s inventories reserved = total", host)
	logf("%s's Placement inventory: reserved = total for %d classes (generation %d)", host, len(full.Inventories), after.Generation)
	return func() {
		var cur inventories
		if _, err := pc.Get(context.Background(), url, &cur, nil); err != nil {
			t.Errorf("restore %s inventory: %v", host, err)
			return
		}
		orig.Generation = cur.Generation
		if _, err := pc.Put(context.Background(), url, orig, nil, placement126); err != nil {
			t.Errorf("restore %s inventory: %v", host, err)
			return
		}
		logf("cleanup: %s's Placement inventory restored", host)
	}
}

// lockWatch polls the servers at 2.73 until ctx ends and records which were
// seen locked with a Lazarus reason.
func (e *env) lockWatch(ctx context.Context, ids []string) <-chan map[string]string {
	ch := make(chan map[string]string, 1)
	go func() {
		seen := map[string]string{}
		defer func() { ch <- seen }()
		for ctx.Err() == nil {
			for _, id := range ids {
				if _, ok := seen[id]; ok {
					continue
				}
				var out struct {
					Server struct {
						Locked bool    `json:"locked"`
						Reason *string `json:"locked_reason"`
					} `json:"server"`
				}
				if e.novaDoAt(ctx, "2.73", "GET", "/servers/"+id, nil, &out, 200) == nil && out.Server.Locked && out.Server.Reason != nil &&
					strings.HasPrefix(*out.Server.Reason, "Lazarus:") {
					seen[id] = *out.Server.Reason
				}
			}
			if sleepCtx(ctx, 100*time.Millisecond) != nil {
				return
			}
		}
	}()
	return ch
}

// checkLocks asserts that Nova showed each instance locked by Lazarus
// during the recovery (with the notification in the reason) and unlocked
// afterwards, and prints its lock/unlock instance actions.
func (e *env) checkLocks(ctx context.Context, t *testing.T, seen map[string]string, ids []string, notif string) {
	for _, id := range ids {
		reason, ok := seen[id]
		require.True(t, ok, "Nova never showed %s locked by Lazarus", id)
		require.Contains(t, reason, "(notification "+notif+")")
		var out struct {
			Server struct {
				Locked bool `json:"locked"`
			} `json:"server"`
		}
		require.NoError(t, e.novaDoAt(ctx, "2.73", "GET", "/servers/"+id, nil, &out, 200))
		require.False(t, out.Server.Locked, "%s still locked after the recovery", id)
		var acts struct {
			Actions []struct {
				Action string `json:"action"`
			} `json:"instanceActions"`
		}
		var names []string
		if e.novaDo(ctx, "GET", "/servers/"+id+"/os-instance-actions", nil, &acts, 200) == nil {
			for i := len(acts.Actions) - 1; i >= 0; i-- {
				names = append(names, acts.Actions[i].Action)
			}
		}
		logf("%s: seen locked (%q), now unlocked; Nova's instance actions: %s", id, reason, strings.Join(names, ", "))
	}
}

// modernFailure boots n servers on compute-1 (extra merged into each boot
// body), fails compute-1 and waits for the notification to finish; it
// returns the HA ids, the notification and its final details.
func (e *env) modernFailure(ctx context.Context, t *testing.T, r *result, name string, n int, extra map[string]any, allowed []string) ([]string, string, string) {
	prefix := e.prefix + "-" + name
	t.Cleanup(func() {
		e.deleteServers(ctx, prefix)
		e.restoreHost(ctx, t, victim)
	})
	ids, ha := e.bootServersWith(ctx, t, prefix, victim, n, extra)
	haIDs := haOnly(ids, ha)
	tl, wctx, cancel, activeAt := e.cutPower(ctx, t, r, prefix, haIDs)
	locks := e.lockWatch(wctx, haIDs)
	notif, posted := e.postHostFailure(ctx, t, victim)
	tl.add(lPosted, posted)
	final := e.waitStatus(ctx, t, notif.NotificationUUID, 5*time.Minute, "finished")
	tl.add(lFinished, time.Now())
	select {
	case at := <-activeAt:
		tl.add(lActive, at)
	case <-time.After(2 * time.Minute):
		t.Errorf("the HA-enabled servers were not all ACTIVE elsewhere within 2 min after the notification finished")
	}
	cancel()
	seen := <-locks
	moves, err := e.vmoves(ctx, notif.NotificationUUID)
	require.NoError(t, err)
	recoveryMarks(tl, final, moves)
	tl.print(fmt.Sprintf("%s (%s, notification %s)", t.Name(), victim, notif.NotificationUUID))
	e.checkOutcome(ctx, t, prefix, ids, ha, notif.NotificationUUID, allowed)
	e.checkLocks(ctx, t, seen, haIDs, notif.NotificationUUID)
	var sb strings.Builder
	for _, s := range final.RecoveryWorkflowDetails {
		for _, p := range s.ProgressDetails {
			sb.WriteString(s.Name + ": " + p.Message + "\n")
		}
	}
	return haIDs, notif.NotificationUUID, sb.String()
}

// placementFull is scenario 7: compute-2's Placement inventory is full
// (reserved = total): the HA servers all go to compute-3, and the
// recovery details say compute-2 was skipped and why.
func (e *env) placementFull(ctx context.Context, t *testing.T, r *result) {
	restore := e.fillInventory(ctx, t, "compute-2")
	t.Cleanup(restore)
	_, _, details := e.modernFailure(ctx, t, r, "s7", 4, nil, []string{"compute-3"})
	var line string
	for _, l := range strings.Split(details, "\n") {
		if strings.Contains(l, "Target 'compute-2' skipped: Placement inventory full") {
			line = l
		}
	}
	require.NotEmpty(t, line, "recovery details:\n%s", details)
	logf("recovery details: %s", line)
	r.note = "compute-2 full in Placement: skipped (details), all HA on compute-3; locked/unlocked"
}

// antiAffinity is scenario 8: two HA servers of one anti-affinity server
// group (max_server_per_host 2, so that both may boot on compute-1) land
// on two different targets.
func (e *env) antiAffinity(ctx context.Context, t *testing.T, r *result) {
	var g struct {
		Group struct {
			ID string `json:"id"`
		} `json:"server_group"`
	}
	require.NoError(t, e.novaDoAt(ctx, "2.64", "POST", "/os-server-groups", map[string]any{"server_group": map[string]any{
		"name": e.prefix + "-s8-group", "policy": "anti-affinity", "rules": map[string]any{"max_server_per_host": 2}}}, &g, 200))
	t.Cleanup(func() {
		if err := e.novaDo(context.Background(), "DELETE", "/os-server-groups/"+g.Group.ID, nil, nil, 204); err != nil {
			logf("cleanup: %v", err)
		}
	})
	ids, _, details := e.modernFailure(ctx, t, r, "s8", 4, map[string]any{"os:scheduler_hints": map[string]any{"group": g.Group.ID}},
		[]string{"compute-2", "compute-3"})
	ss, err := e.servers(ctx, e.prefix+"-s8")
	require.NoError(t, err)
	var hosts []string
	for _, id := range ids {
		hosts = append(hosts, ss[id].Host)
	}
	require.Len(t, ids, 2)
	require.NotEqual(t, hosts[0], hosts[1], "anti-affinity members on one target")
	require.Contains(t, details, "anti-affinity): members")
	r.note = fmt.Sprintf("anti-affinity group of 2 HA: %s; locked/unlocked", strings.Join(hosts, " + "))
}
