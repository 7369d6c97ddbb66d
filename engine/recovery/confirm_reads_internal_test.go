package recovery

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/engine/workflow"
	"github.com/lazarus-ha/lazarus/store"
)

// roundCompute answers the host lists and single reads a confirm round
// makes; everything else of Compute is left nil.
type roundCompute struct {
	Compute
	mu      sync.Mutex
	lists   map[string][]Server // host → what its changes-since list shows
	servers map[string]Server   // id → what GET shows (absent: 404)
	listed  []string            // hosts listed, in any order
	gets    []string            // ids read one by one
	since   time.Time
}

func (c *roundCompute) ServersOnHostSince(_ context.Context, host string, since time.Time) ([]Server, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.listed = append(c.listed, host)
	c.since = since
	if host == "down" {
		return nil, fmt.Errorf("list servers on %s: 503", host)
	}
	return c.lists[host], nil
}

func (c *roundCompute) Server(_ context.Context, id string) (Server, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gets = append(c.gets, id)
	s, ok := c.servers[id]
	if !ok {
		return Server{}, fmt.Errorf("server %s: %w", id, ErrNotFound)
	}
	return s, nil
}

// One round serves every poll that joined it: the failed host and each
// named target are listed once (changes-since a minute before the
// recovery), an instance listed on both is taken where it moved to, a
// deleted one or one no list shows is read on its own (so a deleted one
// is a 404, as its GET was), and the instances of a target whose list
// failed are read on their own too.
func TestConfirmRound(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)
	c := &roundCompute{
		lists: map[string][]Server{
			"c1": {
				{ID: "moving", Host: "c1", TaskState: "rebuilding"},
				{ID: "moved", Host: "c1", TaskState: "rebuilding"}, // listed before it moved
				{ID: "unrelated", Host: "c1"},
			},
			"c2": {
				{ID: "moved", Host: "c2", VMState: "active"},
				{ID: "gone", Host: "c2", VMState: "deleted", Status: "DELETED"},
			},
		},
		servers: map[string]Server{
			"unlisted": {ID: "unlisted", Host: "c3", VMState: "active"},
			"behind":   {ID: "behind", Host: "down", VMState: "active"},
		},
	}
	ev := &evacuation{
		fl:  &Flows{cfg: Config{VerifyInterval: 40 * time.Millisecond}, compute: c},
		job: workflow.NewJob(nil, &store.Recovery{HostName: "c1", CreatedAt: created}, nil, time.Second, slog.New(slog.DiscardHandler)),
	}
	cr := newConfirmReads(ev)
	require.NotNil(t, cr.lister)
	want := map[string]string{"moving": "c2", "moved": "c2", "gone": "c2", "unlisted": "c3", "behind": "down"}
	for range want {
		cr.enter()
	}
	type got struct {
		srv Server
		err error
	}
	var mu sync.Mutex
	res := map[string]got{}
	var wg sync.WaitGroup
	for id, target := range want {
		wg.Go(func() {
			srv, err := cr.read(context.Background(), id, target)
			mu.Lock()
			res[id] = got{srv, err}
			mu.Unlock()
		})
	}
	wg.Wait()

	require.ElementsMatch(t, []string{"c1", "c2", "c3", "down"}, c.listed, "each host once, in one round")
	require.Equal(t, created.Add(-time.Minute), c.since)
	require.ElementsMatch(t, []string{"gone", "unlisted", "behind"}, c.gets)
	require.Equal(t, "c1", res["moving"].srv.Host)
	require.Equal(t, "rebuilding", res["moving"].srv.TaskState)
	require.Equal(t, "c2", res["moved"].srv.Host, "the reading where it moved to wins")
	require.ErrorIs(t, res["gone"].err, ErrNotFound)
	require.Equal(t, "c3", res["unlisted"].srv.Host)
	require.Equal(t, "active", res["behind"].srv.VMState)
	require.NoError(t, res["moved"].err)
}

// A lone instance in confirm is read with one GET, without waiting for a
// round; so is every instance when the Compute cannot list changes.
func TestConfirmLonePollIsAGet(t *testing.T) {
	t.Parallel()
	c := &roundCompute{servers: map[string]Server{"a": {ID: "a", Host: "c2"}}}
	ev := &evacuation{
		fl:  &Flows{cfg: Config{VerifyInterval: time.Hour}, compute: c},
		job: workflow.NewJob(nil, &store.Recovery{HostName: "c1"}, nil, time.Second, slog.New(slog.DiscardHandler)),
	}
	cr := newConfirmReads(ev)
	cr.enter()
	srv, err := cr.read(context.Background(), "a", "c2")
	require.NoError(t, err)
	require.Equal(t, "c2", srv.Host)
	require.Equal(t, []string{"a"}, c.gets)
	require.Empty(t, c.listed)

	plain := &evacuation{fl: &Flows{cfg: Config{VerifyInterval: time.Hour}, compute: struct{ Compute }{c}}, job: ev.job}
	cr = newConfirmReads(plain)
	cr.enter()
	cr.enter()
	_, err = cr.read(context.Background(), "a", "c2")
	require.NoError(t, err)
	require.Empty(t, c.listed, "no lister: a GET, however many poll")
}
