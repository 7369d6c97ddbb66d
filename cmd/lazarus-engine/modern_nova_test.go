package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/test/novasim"
)

// actions counts the server actions the simulator received per server and
// action name, and collects the lock bodies.
func actions(sim *novasim.Sim) (map[string]map[string]int, []string) {
	out := map[string]map[string]int{}
	var locks []string
	for _, r := range sim.Requests() {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.Path, "/action") {
			continue
		}
		id := strings.TrimSuffix(strings.TrimPrefix(r.Path, "/servers/"), "/action")
		var body map[string]json.RawMessage
		if json.Unmarshal(r.Body, &body) != nil {
			continue
		}
		for name := range body {
			if out[id] == nil {
				out[id] = map[string]int{}
			}
			out[id][name]++
			if name == "lock" {
				locks = append(locks, string(body[name]))
			}
		}
	}
	return out, locks
}

func (c *cloud) vmoves(eventID string) map[string]store.VMove {
	c.t.Helper()
	n, _, _ := c.notificationOf(eventID)
	moves, err := c.st.VMovesByNotification(context.Background(), n)
	require.NoError(c.t, err)
	out := map[string]store.VMove{}
	for _, m := range moves {
		out[m.InstanceUUID] = m
	}
	return out
}

// fail kills c1 and reports it.
func (c *cloud) fail(eventID string) {
	c.t.Helper()
	require.NoError(c.t, c.sim.KillHost("c1"))
	c.publish(eventID, "c2", "c1", stopped)
}

// TestE2ENova295StartsOnlyWhatRan: Nova 2.95 leaves every evacuated
// instance stopped. Lazarus negotiates 2.95, starts the instances that ran
// before the failure (once each), leaves the one that was stopped
// stopped, records the start on the vmove, and locks each instance with
// a reason naming itself and the notification, unlocking it afterwards.
func TestE2ENova295StartsOnlyWhatRan(t *testing.T) {
	t.Parallel()
	c := newCloud(t, novasim.Options{ServiceDownTime: time.Second, EvacuateDelay: 100 * time.Millisecond, RecordRequests: true})
	c.addHost("c1", true)
	c.addHost("c2", false)
	c.addHost("c3", false)
	running := c.addServers("c1", 2, true)
	stoppedID, err := c.sim.AddServer(novasim.ServerSpec{Host: "c1", Name: "was-stopped", VMState: "stopped", Metadata: map[string]string{"HA_Enabled": "True"}})
	require.NoError(t, err)
	c.startEngine("engine-a")
	c.fail("ev-295")
	status, msg := c.waitStatus("ev-295", "finished", "error")
	require.Equal(t, "finished", status, msg)
	notif, _, _ := c.notificationOf("ev-295")

	acts, locks := actions(c.sim)
	moves := c.vmoves("ev-295")
	for _, id := range running {
		s, _ := c.sim.Server(id)
		require.Contains(t, []string{"c2", "c3"}, s.Host)
		require.Equal(t, "ACTIVE", s.Status, "started after the evacuation")
		require.Equal(t, 1, c.sim.EvacuateCount(id))
		require.Equal(t, 1, acts[id]["os-start"], "started exactly once")
		require.False(t, s.Locked, "unlocked afterwards")
		require.Equal(t, "succeeded", moves[id].Status)
		require.Contains(t, moves[id].Message, "and started it")
		require.Contains(t, moves[id].Message, "Nova 2.95 leaves evacuated instances stopped")
	}
	s, _ := c.sim.Server(stoppedID)
	require.Contains(t, []string{"c2", "c3"}, s.Host)
	require.Equal(t, "SHUTOFF", s.Status, "stopped before the failure: stays stopped")
	require.Zero(t, acts[stoppedID]["os-start"])
	require.Equal(t, "succeeded", moves[stoppedID].Status)
	require.NotContains(t, moves[stoppedID].Message, "started")

	require.Len(t, locks, 3, "each instance locked once")
	for _, l := range locks {
		require.Contains(t, l, `"locked_reason":"Lazarus: evacuating from failed host c1 (notification `+notif+`)"`)
	}
	for _, id := range append(running, stoppedID) {
		require.Equal(t, 1, acts[id]["unlock"])
	}
}

// TestE2ENova295StartFails: the start after the evacuation is refused.
// The instance is not evacuated again; its vmove and the notification say
// it is evacuated but not started; it is unlocked.
func TestE2ENova295StartFails(t *testing.T) {
	t.Parallel()
	c := newCloud(t, novasim.Options{ServiceDownTime: time.Second, EvacuateDelay: 100 * time.Millisecond, RecordRequests: true})
	c.addHost("c1", true)
	c.addHost("c2", false)
	ids := c.addServers("c1", 1, true)
	c.sim.InjectFault(novasim.Fault{Action: "os-start", Status: http.StatusInternalServerError, Message: "Unexpected API Error."})
	c.startEngine("engine-a")
	c.fail("ev-start")
	status, msg := c.waitStatus("ev-start", "finished", "error")
	require.Equal(t, "error", status)
	require.Contains(t, msg, "could not start it")

	s, _ := c.sim.Server(ids[0])
	require.Equal(t, "c2", s.Host)
	require.Equal(t, "SHUTOFF", s.Status)
	require.False(t, s.Locked)
	require.Equal(t, 1, c.sim.EvacuateCount(ids[0]), "a failed start is not a reason to evacuate again")
	m := c.vmoves("ev-start")[ids[0]]
	require.Equal(t, "failed", m.Status)
	require.Equal(t, "c2", m.DestHost)
	require.Contains(t, m.Message, "Evacuated instance '"+ids[0]+"' from host 'c1' to 'c2' but could not start it: start refused by Nova")
}

// TestE2EForeignLockIsRespected: an instance someone else locked is not
// evacuated, stays locked with their reason, and the notification says
// why; the other instance is evacuated.
func TestE2EForeignLockIsRespected(t *testing.T) {
	t.Parallel()
	c := newCloud(t, novasim.Options{ServiceDownTime: time.Second, EvacuateDelay: 100 * time.Millisecond, RecordRequests: true})
	c.addHost("c1", true)
	c.addHost("c2", false)
	ids := c.addServers("c1", 2, true)
	require.NoError(t, c.sim.LockServer(ids[0], "forensics, ticket 4711"))
	c.startEngine("engine-a")
	c.fail("ev-lock")
	status, msg := c.waitStatus("ev-lock", "finished", "error")
	require.Equal(t, "error", status)
	require.Contains(t, msg, `locked by someone other than Lazarus (locked_reason "forensics, ticket 4711")`)

	s, _ := c.sim.Server(ids[0])
	require.Equal(t, "c1", s.Host)
	require.Zero(t, c.sim.EvacuateCount(ids[0]))
	require.True(t, s.Locked)
	require.Equal(t, "forensics, ticket 4711", s.LockedReason, "their lock and reason untouched")
	require.Contains(t, c.vmoves("ev-lock")[ids[0]].Message, "not evacuated: locked by someone other than Lazarus")

	s, _ = c.sim.Server(ids[1])
	require.Equal(t, "c2", s.Host)
	require.Equal(t, "ACTIVE", s.Status)
	require.False(t, s.Locked)
}

// details joins a notification's recovery details: "step: message" lines.
func (c *cloud) details(eventID string) string {
	c.t.Helper()
	n, _, _ := c.notificationOf(eventID)
	ds, err := c.st.RecoveryWorkflowDetails(context.Background(), n)
	require.NoError(c.t, err)
	var sb strings.Builder
	for _, d := range ds {
		for _, p := range d.ProgressDetails {
			sb.WriteString(d.Name + ": " + p.Message + "\n")
		}
	}
	return sb.String()
}

// TestE2EPlacementAndServerGroups: c2 is the emptiest host but its
// Placement inventory is full (reserved = total): it is skipped, and the
// details say so. The two members of an anti-affinity group land on two
// different hosts (c3 and c4), never together.
func TestE2EPlacementAndServerGroups(t *testing.T) {
	t.Parallel()
	c := newCloud(t, novasim.Options{ServiceDownTime: time.Second, EvacuateDelay: 100 * time.Millisecond})
	c.addHost("c1", true)
	c.addHost("c2", false)
	c.addHost("c3", false)
	c.addHost("c4", false)
	// By load alone both would go to c2 (empty), else both to c3 (c4
	// carries four times its load).
	for h, vcpus := range map[string]int{"c3": 8, "c4": 32} {
		_, err := c.sim.AddServer(novasim.ServerSpec{Host: h, Flavor: novasim.Flavor{VCPUs: vcpus, RAMMB: 2048 * vcpus}})
		require.NoError(t, err)
	}
	require.NoError(t, c.sim.SetInventory("c2", novasim.Inventory{ReservedVCPUs: 64, ReservedMemoryMB: 262144, ReservedDiskGB: 2000}))
	ids := c.addServers("c1", 2, true)
	gid, err := c.sim.AddServerGroup("web", "anti-affinity", ids)
	require.NoError(t, err)
	c.startEngine("engine-a")
	c.fail("ev-place")
	status, msg := c.waitStatus("ev-place", "finished", "error")
	require.Equal(t, "finished", status, msg)

	a, _ := c.sim.Server(ids[0])
	b, _ := c.sim.Server(ids[1])
	require.ElementsMatch(t, []string{"c3", "c4"}, []string{a.Host, b.Host}, "anti-affinity: two targets, never c2")
	d := c.details("ev-place")
	require.Contains(t, d, "place: Target 'c2' skipped: Placement inventory full (VCPU: 0 used of capacity 0 = (total 64 - reserved 64)")
	require.Contains(t, d, `Server group "web" (`+gid+`, anti-affinity)`)
}

// TestE2ENoTargetSaysWhyPerInstance: two anti-affinity members and one
// target: the second has none, and its vmove says why, per candidate.
func TestE2ENoTargetSaysWhyPerInstance(t *testing.T) {
	t.Parallel()
	c := newCloud(t, novasim.Options{ServiceDownTime: time.Second, EvacuateDelay: 100 * time.Millisecond})
	c.addHost("c1", true)
	c.addHost("c2", false)
	ids := c.addServers("c1", 2, true)
	_, err := c.sim.AddServerGroup("db", "anti-affinity", ids)
	require.NoError(t, err)
	c.startEngine("engine-a")
	c.fail("ev-none")
	status, msg := c.waitStatus("ev-none", "finished", "error")
	require.Equal(t, "error", status, msg)
	moves := c.vmoves("ev-none")
	var placed, failed int
	for _, id := range ids {
		switch moves[id].Status {
		case "succeeded":
			placed++
			require.Equal(t, "c2", moves[id].DestHost)
		case "failed":
			failed++
			require.Contains(t, moves[id].Message, `no valid target host (same segment, up, enabled, not on maintenance, with room, meeting its constraints): c2: anti-affinity server group "db"`)
		}
	}
	require.Equal(t, 1, placed)
	require.Equal(t, 1, failed)
}

// TestE2EUnreadableConstraintsDoNotStopEvacuation: Nova answers 500 to the
// aggregates and server groups lists; the instances are evacuated anyway
// (Nova's scheduler still checks each target) and the details say what
// could not be read.
func TestE2EUnreadableConstraintsDoNotStopEvacuation(t *testing.T) {
	t.Parallel()
	c := newCloud(t, novasim.Options{ServiceDownTime: time.Second, EvacuateDelay: 100 * time.Millisecond})
	c.addHost("c1", true)
	c.addHost("c2", false)
	ids := c.addServers("c1", 2, true)
	c.sim.InjectFault(novasim.Fault{Method: http.MethodGet, Path: "/os-aggregates", Status: http.StatusInternalServerError})
	c.sim.InjectFault(novasim.Fault{Method: http.MethodGet, Path: "/os-server-groups", Status: http.StatusInternalServerError})
	c.startEngine("engine-a")
	c.fail("ev-unread")
	status, msg := c.waitStatus("ev-unread", "finished", "error")
	require.Equal(t, "finished", status, msg)
	for _, id := range ids {
		s, _ := c.sim.Server(id)
		require.Equal(t, "c2", s.Host)
		require.Equal(t, "ACTIVE", s.Status)
	}
	d := c.details("ev-unread")
	require.Contains(t, d, "Aggregates not readable")
	require.Contains(t, d, "Server groups not readable")
}
