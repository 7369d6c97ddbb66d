package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

func TestSegmentListDigest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t)
	digest := func() string {
		t.Helper()
		d, err := s.SegmentListDigest(ctx)
		require.NoError(t, err)
		return d
	}
	list := func(p *store.SegmentListParams) ([]*store.Segment, string) {
		t.Helper()
		segs, d, err := s.SegmentListWithDigest(ctx, p)
		require.NoError(t, err)
		plain, err := s.SegmentList(ctx, p)
		require.NoError(t, err)
		require.Equal(t, plain, segs, "the same list as SegmentList")
		return segs, d
	}
	all := &store.SegmentListParams{ListParams: store.ListParams{Limit: 100}}
	empty := digest()
	segs, d := list(all)
	require.Empty(t, segs)
	require.Equal(t, empty, d)

	seen := map[string]bool{empty: true}
	changed := func(what string) string {
		t.Helper()
		d := digest()
		require.False(t, seen[d], "%s: a new digest", what)
		seen[d] = true
		_, ld := list(all)
		require.Equal(t, d, ld, "%s: the list's digest is the table's", what)
		return d
	}
	a := newSegment(t, s, "a")
	changed("insert")
	b := newSegment(t, s, "b")
	d = changed("second insert")
	_, _, err := s.SegmentListWithDigest(ctx, &store.SegmentListParams{ListParams: store.ListParams{Limit: 10, Marker: &b.ID}})
	require.NoError(t, err)
	require.Equal(t, d, digest(), "reading changes nothing")

	_, err = s.SegmentUpdate(ctx, &store.SegmentUpdateParams{UUID: a.UUID, Description: ptr("x"), SetDescription: true})
	require.NoError(t, err)
	changed("update")
	// Written again with the same values in the same second: a new row
	// version all the same.
	_, err = s.Pool().Exec(ctx, `UPDATE segments SET description = description WHERE uuid = $1`, a.UUID)
	require.NoError(t, err)
	changed("update to the same values")

	// A notification share-locks the segment of its host: no change.
	_, err = s.HostInsert(ctx, &store.HostInsertParams{SegmentUUID: b.UUID, Name: "c1", Type: "COMPUTE", ControlAttributes: "SSH"})
	require.NoError(t, err)
	d = digest()
	_, err = s.NotificationInsert(ctx, &store.NotificationInsertParams{Type: "COMPUTE_HOST", Hostname: "c1", GeneratedTime: time.Now(),
		Payload: map[string]string{"event": "STOPPED"}, DuplicateWindow: time.Minute})
	require.NoError(t, err)
	require.Equal(t, d, digest(), "a row lock is no change")

	_, err = s.Pool().Exec(ctx, `UPDATE notifications SET status = 'finished'`)
	require.NoError(t, err)
	require.NoError(t, s.SegmentDelete(ctx, a.UUID))
	changed("soft delete")
	_, err = s.Pool().Exec(ctx, `DELETE FROM segments WHERE uuid = $1`, a.UUID)
	require.NoError(t, err)
	changed("purge")
}
