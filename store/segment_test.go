package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

func ptr[T any](v T) *T { return &v }

func newSegment(t *testing.T, s *store.Store, name string) *store.Segment {
	t.Helper()
	seg, err := s.SegmentInsert(context.Background(), &store.SegmentInsertParams{Name: name, ServiceType: "COMPUTE", RecoveryMethod: "auto", Enabled: true})
	require.NoError(t, err)
	return seg
}

func TestSegmentCRUD(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t)

	seg, err := s.SegmentInsert(ctx, &store.SegmentInsertParams{Name: "seg1", ServiceType: "COMPUTE", RecoveryMethod: "auto", Description: ptr("first"), Enabled: true})
	require.NoError(t, err)
	require.NotZero(t, seg.ID)
	require.Len(t, seg.UUID, 36)
	require.Equal(t, "first", *seg.Description)
	require.Nil(t, seg.UpdatedAt)
	require.Zero(t, seg.CreatedAt.Nanosecond(), "created_at is stored without sub-seconds, as Masakari does")

	_, err = s.SegmentInsert(ctx, &store.SegmentInsertParams{Name: "seg1", ServiceType: "COMPUTE", RecoveryMethod: "auto"})
	require.ErrorIs(t, err, store.ErrConflict)
	require.EqualError(t, err, "Failover segment with name seg1 already exists.")

	got, err := s.SegmentGetByUUID(ctx, seg.UUID)
	require.NoError(t, err)
	require.Equal(t, seg, got)

	_, err = s.SegmentGetByUUID(ctx, "not-a-uuid")
	require.ErrorIs(t, err, store.ErrNotFound)
	require.EqualError(t, err, "No failover segment with id not-a-uuid.")

	up, err := s.SegmentUpdate(ctx, &store.SegmentUpdateParams{UUID: seg.UUID, Name: ptr("seg1b"), SetDescription: true, Enabled: ptr(false)})
	require.NoError(t, err)
	require.Equal(t, "seg1b", up.Name)
	require.Nil(t, up.Description, "description was set to null")
	require.False(t, up.Enabled)
	require.Equal(t, "auto", up.RecoveryMethod, "untouched field kept")
	require.NotNil(t, up.UpdatedAt)

	newSegment(t, s, "other")
	_, err = s.SegmentUpdate(ctx, &store.SegmentUpdateParams{UUID: seg.UUID, Name: ptr("other")})
	require.ErrorIs(t, err, store.ErrConflict)
	require.EqualError(t, err, "Failover segment with name other already exists.")

	h, err := s.HostInsert(ctx, &store.HostInsertParams{SegmentUUID: seg.UUID, Name: "c1", Type: "COMPUTE", ControlAttributes: "SSH"})
	require.NoError(t, err)
	require.NoError(t, s.SegmentDelete(ctx, seg.UUID))
	_, err = s.SegmentGetByUUID(ctx, seg.UUID)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.HostGetByUUID(ctx, &store.HostGetByUUIDParams{UUID: h.UUID})
	require.ErrorIs(t, err, store.ErrNotFound, "deleting a segment deletes its hosts")
	require.ErrorIs(t, s.SegmentDelete(ctx, seg.UUID), store.ErrNotFound)

	// Name free again after the soft delete.
	newSegment(t, s, "seg1b")
	_, err = s.HostInsert(ctx, &store.HostInsertParams{SegmentUUID: newSegment(t, s, "seg3").UUID, Name: "c1", Type: "COMPUTE", ControlAttributes: "SSH"})
	require.NoError(t, err, "host name free again after its segment was deleted")
}

func TestSegmentListSortMarkerFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t)
	var segs []*store.Segment
	for i, name := range []string{"b", "a", "d", "c"} {
		seg, err := s.SegmentInsert(ctx, &store.SegmentInsertParams{Name: name, ServiceType: "COMPUTE", RecoveryMethod: []string{"auto", "reserved_host"}[i%2], Enabled: i != 3})
		require.NoError(t, err)
		segs = append(segs, seg)
	}
	names := func(l []*store.Segment) []string {
		var out []string
		for _, s := range l {
			out = append(out, s.Name)
		}
		return out
	}
	all := func(p store.SegmentListParams) []string {
		t.Helper()
		if p.Limit == 0 {
			p.Limit = -1
		}
		l, err := s.SegmentList(ctx, &p)
		require.NoError(t, err)
		return names(l)
	}
	// Same created_at second: the id tie-breaker (desc by default) decides.
	require.Equal(t, []string{"c", "d", "a", "b"}, all(store.SegmentListParams{}))
	require.Equal(t, []string{"a", "b", "c", "d"}, all(store.SegmentListParams{ListParams: store.ListParams{SortKeys: []string{"name"}, SortDirs: []string{"asc"}}}))
	require.Equal(t, []string{"d", "c", "b", "a"}, all(store.SegmentListParams{ListParams: store.ListParams{SortKeys: []string{"name"}}}))
	// Marker is the integer id of the last row seen: page after "b" by name asc.
	require.Equal(t, []string{"c", "d"}, all(store.SegmentListParams{ListParams: store.ListParams{SortKeys: []string{"name"}, SortDirs: []string{"asc"}, Marker: &segs[0].ID}}))
	require.Equal(t, []string{"c"}, all(store.SegmentListParams{ListParams: store.ListParams{Limit: 1, SortKeys: []string{"name"}, SortDirs: []string{"asc"}, Marker: &segs[0].ID}}))
	// Paging with the default order walks every row exactly once.
	var walked []string
	var marker *int64
	for {
		l, err := s.SegmentList(ctx, &store.SegmentListParams{ListParams: store.ListParams{Limit: 1, Marker: marker}})
		require.NoError(t, err)
		if len(l) == 0 {
			break
		}
		walked = append(walked, l[0].Name)
		marker = &l[0].ID
	}
	require.Equal(t, []string{"c", "d", "a", "b"}, walked)
	// Sorting by a nullable column and paging through the NULLs.
	l, err := s.SegmentList(ctx, &store.SegmentListParams{ListParams: store.ListParams{Limit: -1, SortKeys: []string{"description", "name"}, SortDirs: []string{"asc", "asc"}, Marker: &segs[1].ID}})
	require.NoError(t, err)
	require.Equal(t, []string{"b", "c", "d"}, names(l))

	require.Equal(t, []string{"d", "b"}, all(store.SegmentListParams{RecoveryMethod: ptr("auto")}))
	require.Equal(t, []string{"c"}, all(store.SegmentListParams{Enabled: ptr("false")}))
	require.Equal(t, []string{"d", "a", "b"}, all(store.SegmentListParams{Enabled: ptr("1")}))
	require.Empty(t, all(store.SegmentListParams{ServiceType: ptr("nope")}))

	l, err = s.SegmentList(ctx, &store.SegmentListParams{ListParams: store.ListParams{Limit: 0, SortKeys: []string{"bogus"}}})
	require.NoError(t, err, "limit 0 returns nothing without looking at the sort, as Masakari")
	require.Empty(t, l)

	for _, tc := range []struct {
		name string
		p    store.ListParams
		msg  string
	}{
		// Any column is a valid key; a non-column is not.
		{"bad key", store.ListParams{SortKeys: []string{"type"}}, "Sort key supplied was not valid."},
		{"bad dir", store.ListParams{SortKeys: []string{"name"}, SortDirs: []string{"up"}}, "Invalid input received: Unknown sort direction, must be 'asc' or 'desc'"},
		{"more dirs than keys", store.ListParams{SortKeys: []string{"name"}, SortDirs: []string{"asc", "desc"}}, "Invalid input received: Sort direction size exceeds sort key size"},
		{"unknown marker", store.ListParams{Marker: ptr(int64(999))}, "Marker 999 could not be found."},
	} {
		tc.p.Limit = 10
		_, err := s.SegmentList(ctx, &store.SegmentListParams{ListParams: tc.p})
		require.ErrorIs(t, err, store.ErrInvalid, tc.name)
		require.EqualError(t, err, tc.msg, tc.name)
	}
	_, err = s.SegmentList(ctx, &store.SegmentListParams{ListParams: store.ListParams{Limit: 1}, Enabled: ptr("maybe")})
	require.ErrorIs(t, err, store.ErrInvalid)
	_ = time.Second
}
