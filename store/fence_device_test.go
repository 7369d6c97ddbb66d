package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

func TestFenceDeviceCRUD(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t)
	seg := newSegment(t, s, "seg")
	other := newSegment(t, s, "other")
	h := newHost(t, s, seg, "c1")
	h2 := newHost(t, s, seg, "c2")

	d1, err := s.FenceDeviceInsert(ctx, &store.FenceDeviceInsertParams{HostUUID: h.UUID, SegmentUUID: seg.UUID, Level: 2, Driver: "ipmi",
		Address: "10.0.0.5", Port: 623, Username: "admin", PasswordEncrypted: []byte{1, 2, 3}, Options: map[string]string{"cipher_suite": "3"}})
	require.NoError(t, err)
	require.Equal(t, "c1", d1.HostName)
	require.Equal(t, 623, d1.Port)
	require.Equal(t, []byte{1, 2, 3}, d1.PasswordEncrypted)
	require.Nil(t, d1.FenceReady, "not checked yet")
	d0, err := s.FenceDeviceInsert(ctx, &store.FenceDeviceInsertParams{HostUUID: h.UUID, Level: 1, Driver: "agent", Agent: "fence_ipmilan", Options: map[string]string{"ip": "x"}})
	require.NoError(t, err)
	require.Equal(t, 0, d0.Port, "no port: the driver's default")
	_, err = s.FenceDeviceInsert(ctx, &store.FenceDeviceInsertParams{HostUUID: h2.UUID, Level: 1, Driver: "manual"})
	require.NoError(t, err)

	// The host must exist in the segment named.
	_, err = s.FenceDeviceInsert(ctx, &store.FenceDeviceInsertParams{HostUUID: h.UUID, SegmentUUID: other.UUID, Level: 1, Driver: "manual"})
	require.ErrorIs(t, err, store.ErrNotFound)

	list, err := s.FenceDeviceListByHost(ctx, h.UUID)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, d0.UUID, list[0].UUID, "topology order: level 1 first")
	byName, err := s.FenceDeviceListByHostName(ctx, "c1")
	require.NoError(t, err)
	require.Equal(t, list, byName)
	all, err := s.FenceDeviceListAll(ctx)
	require.NoError(t, err)
	require.Len(t, all, 3)

	got, err := s.FenceDeviceGet(ctx, &store.FenceDeviceGetParams{UUID: d1.UUID, HostUUID: h.UUID})
	require.NoError(t, err)
	require.Equal(t, d1, got)
	_, err = s.FenceDeviceGet(ctx, &store.FenceDeviceGetParams{UUID: d1.UUID, HostUUID: h2.UUID})
	require.ErrorIs(t, err, store.ErrNotFound, "a device is reached only through its host")

	// Readiness is recorded, then cleared by a change.
	ok, err := s.FenceDeviceSetReadiness(ctx, &store.FenceDeviceSetReadinessParams{UUID: d1.UUID, Ready: false, LastError: "auth", CheckedAt: time.Now(), ConfigUpdatedAt: d1.UpdatedAt})
	require.NoError(t, err)
	require.True(t, ok)
	got, err = s.FenceDeviceGet(ctx, &store.FenceDeviceGetParams{UUID: d1.UUID, HostUUID: h.UUID})
	require.NoError(t, err)
	require.NotNil(t, got.FenceReady)
	require.False(t, *got.FenceReady)
	require.Equal(t, "auth", *got.LastError)

	up, err := s.FenceDeviceUpdate(ctx, &store.FenceDeviceUpdateParams{UUID: d1.UUID, HostUUID: h.UUID, Address: ptr("10.0.0.6")})
	require.NoError(t, err)
	require.Equal(t, "10.0.0.6", up.Address)
	require.Equal(t, []byte{1, 2, 3}, up.PasswordEncrypted, "password kept when not given")
	require.Equal(t, map[string]string{"cipher_suite": "3"}, up.Options)
	require.Nil(t, up.FenceReady, "a changed device must be checked again")
	require.NotNil(t, up.UpdatedAt)

	// A check that began before the change is not recorded.
	ok, err = s.FenceDeviceSetReadiness(ctx, &store.FenceDeviceSetReadinessParams{UUID: d1.UUID, Ready: true, CheckedAt: time.Now(), ConfigUpdatedAt: nil})
	require.NoError(t, err)
	require.False(t, ok)

	require.NoError(t, s.FenceDeviceDelete(ctx, &store.FenceDeviceDeleteParams{UUID: d1.UUID, HostUUID: h.UUID}))
	require.ErrorIs(t, s.FenceDeviceDelete(ctx, &store.FenceDeviceDeleteParams{UUID: d1.UUID, HostUUID: h.UUID}), store.ErrNotFound)
	list, err = s.FenceDeviceListByHost(ctx, h.UUID)
	require.NoError(t, err)
	require.Len(t, list, 1)
}

func TestFenceConfirmedSince(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t)
	seg := newSegment(t, s, "seg")
	h := newHost(t, s, seg, "c1")

	before := time.Now().Add(-time.Minute)
	ok, err := s.FenceConfirmedSince(ctx, h.UUID, before)
	require.NoError(t, err)
	require.False(t, ok, "no confirmation yet")

	c, err := s.FenceConfirmationInsert(ctx, &store.FenceConfirmationInsertParams{HostUUID: h.UUID, SegmentUUID: seg.UUID, ConfirmedBy: "admin", Comment: "pulled the plug"})
	require.NoError(t, err)
	require.Equal(t, "admin", c.ConfirmedBy)

	ok, err = s.FenceConfirmedSince(ctx, h.UUID, before)
	require.NoError(t, err)
	require.True(t, ok)
	// A confirmation older than the failure does not count.
	ok, err = s.FenceConfirmedSince(ctx, h.UUID, c.ConfirmedAt.Add(time.Second))
	require.NoError(t, err)
	require.False(t, ok)
	ok, err = s.FenceConfirmedSince(ctx, "not-a-uuid", before)
	require.NoError(t, err)
	require.False(t, ok)

	_, err = s.FenceConfirmationInsert(ctx, &store.FenceConfirmationInsertParams{HostUUID: "6b8a8d0e-6b38-4b4e-9d59-7a0f4f0f9c11", ConfirmedBy: "admin"})
	require.ErrorIs(t, err, store.ErrNotFound)
}

// TestFenceLevelRuleAtomic checks that concurrent inserts and updates
// cannot put two manual devices, or a manual and another device, in one
// level: the rule is checked under the host's row lock.
func TestFenceLevelRuleAtomic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t)
	seg := newSegment(t, s, "seg")
	h := newHost(t, s, seg, "c1")
	const n = 50
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.FenceDeviceInsert(ctx, &store.FenceDeviceInsertParams{HostUUID: h.UUID, Level: 1, Driver: "manual"})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	ok := 0
	for err := range errs {
		if err == nil {
			ok++
			continue
		}
		require.ErrorIs(t, err, store.ErrFenceLevelMixed)
		require.ErrorIs(t, err, store.ErrConflict)
	}
	require.Equal(t, 1, ok, "exactly one manual device in level 1")

	// An update that moves a device into the manual level is refused too.
	d, err := s.FenceDeviceInsert(ctx, &store.FenceDeviceInsertParams{HostUUID: h.UUID, Level: 2, Driver: "ipmi", Address: "a"})
	require.NoError(t, err)
	one := 1
	_, err = s.FenceDeviceUpdate(ctx, &store.FenceDeviceUpdateParams{UUID: d.UUID, HostUUID: h.UUID, Level: &one})
	require.ErrorIs(t, err, store.ErrFenceLevelMixed)
	// Updating a device in place is not a conflict with itself.
	three := 3
	_, err = s.FenceDeviceUpdate(ctx, &store.FenceDeviceUpdateParams{UUID: d.UUID, HostUUID: h.UUID, Level: &three})
	require.NoError(t, err)
}
