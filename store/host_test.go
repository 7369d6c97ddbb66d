package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

func newHost(t *testing.T, s *store.Store, seg *store.Segment, name string) *store.Host {
	t.Helper()
	h, err := s.HostInsert(context.Background(), &store.HostInsertParams{SegmentUUID: seg.UUID, Name: name, Type: "COMPUTE", ControlAttributes: "SSH"})
	require.NoError(t, err)
	return h
}

func TestHostCRUD(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t)
	seg := newSegment(t, s, "seg")
	other := newSegment(t, s, "other")

	h, err := s.HostInsert(ctx, &store.HostInsertParams{SegmentUUID: seg.UUID, Name: "c1", Type: "COMPUTE", ControlAttributes: "SSH", Reserved: true})
	require.NoError(t, err)
	require.Equal(t, seg.UUID, h.FailoverSegmentID)
	require.Equal(t, seg, h.Segment, "the segment is embedded")
	require.True(t, h.Reserved)
	require.False(t, h.OnMaintenance)

	_, err = s.HostInsert(ctx, &store.HostInsertParams{SegmentUUID: other.UUID, Name: "c1", Type: "COMPUTE", ControlAttributes: "SSH"})
	require.ErrorIs(t, err, store.ErrConflict, "host names are unique across segments")
	require.EqualError(t, err, "Host with name c1 already exists.")

	_, err = s.HostInsert(ctx, &store.HostInsertParams{SegmentUUID: "6b8a8d0e-6b38-4b4e-9d59-7a0f4f0f9c11", Name: "c2", Type: "COMPUTE", ControlAttributes: "SSH"})
	require.ErrorIs(t, err, store.ErrNotFound)

	got, err := s.HostGetByUUID(ctx, &store.HostGetByUUIDParams{UUID: h.UUID, SegmentUUID: seg.UUID})
	require.NoError(t, err)
	require.Equal(t, h, got)
	_, err = s.HostGetByUUID(ctx, &store.HostGetByUUIDParams{UUID: h.UUID, SegmentUUID: other.UUID})
	require.ErrorIs(t, err, store.ErrNotFound)
	require.EqualError(t, err, "Host '"+h.UUID+"' under failover_segment '"+other.UUID+"' could not be found.")
	_, err = s.HostGetByUUID(ctx, &store.HostGetByUUIDParams{UUID: "x"})
	require.EqualError(t, err, "No host with id x.")

	byName, err := s.HostGetByName(ctx, "c1")
	require.NoError(t, err)
	require.Equal(t, h.UUID, byName.UUID)
	_, err = s.HostGetByName(ctx, "nope")
	require.EqualError(t, err, "Host with name nope could not be found.")
	require.ErrorIs(t, err, store.ErrNotFound)

	up, err := s.HostUpdate(ctx, &store.HostUpdateParams{UUID: h.UUID, SegmentUUID: seg.UUID, Name: ptr("c1b"), OnMaintenance: ptr(true)})
	require.NoError(t, err)
	require.Equal(t, "c1b", up.Name)
	require.True(t, up.OnMaintenance)
	require.True(t, up.Reserved, "untouched field kept")
	require.NotNil(t, up.UpdatedAt)

	newHost(t, s, other, "c3")
	_, err = s.HostUpdate(ctx, &store.HostUpdateParams{UUID: h.UUID, SegmentUUID: seg.UUID, Name: ptr("c3")})
	require.ErrorIs(t, err, store.ErrConflict)
	require.EqualError(t, err, "Host with name c3 already exists.")
	_, err = s.HostUpdate(ctx, &store.HostUpdateParams{UUID: h.UUID, SegmentUUID: other.UUID, Name: ptr("zz")})
	require.ErrorIs(t, err, store.ErrNotFound, "the segment in the URL must be the host's")

	require.ErrorIs(t, s.HostDelete(ctx, &store.HostDeleteParams{UUID: h.UUID, SegmentUUID: other.UUID}), store.ErrNotFound)
	require.NoError(t, s.HostDelete(ctx, &store.HostDeleteParams{UUID: h.UUID, SegmentUUID: seg.UUID}))
	_, err = s.HostGetByUUID(ctx, &store.HostGetByUUIDParams{UUID: h.UUID})
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestHostListFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t)
	seg := newSegment(t, s, "seg")
	other := newSegment(t, s, "other")
	newHost(t, s, seg, "a")
	b, err := s.HostInsert(ctx, &store.HostInsertParams{SegmentUUID: seg.UUID, Name: "b", Type: "XEN", ControlAttributes: "x", Reserved: true, OnMaintenance: true})
	require.NoError(t, err)
	newHost(t, s, other, "c")
	list := func(p store.HostListParams) []string {
		t.Helper()
		p.Limit = 100
		l, err := s.HostList(ctx, &p)
		require.NoError(t, err)
		var out []string
		for _, h := range l {
			require.NotNil(t, h.Segment)
			out = append(out, h.Name)
		}
		return out
	}
	require.Equal(t, []string{"b", "a"}, list(store.HostListParams{SegmentUUID: seg.UUID}))
	require.Equal(t, []string{"c"}, list(store.HostListParams{SegmentUUID: other.UUID}))
	require.Equal(t, []string{"b"}, list(store.HostListParams{SegmentUUID: seg.UUID, Type: ptr("XEN")}))
	require.Equal(t, []string{"a"}, list(store.HostListParams{SegmentUUID: seg.UUID, Reserved: ptr(false)}))
	require.Equal(t, []string{"b"}, list(store.HostListParams{SegmentUUID: seg.UUID, OnMaintenance: ptr(true)}))
	require.Equal(t, []string{"a"}, list(store.HostListParams{SegmentUUID: seg.UUID, ListParams: store.ListParams{Marker: &b.ID}}))
}
