package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/store"
	"github.com/lazarus-ha/lazarus/store/storetest"
)

func hostDown(host string, at time.Time) *store.NotificationInsertParams {
	return &store.NotificationInsertParams{
		Type: "COMPUTE_HOST", Hostname: host, GeneratedTime: at,
		Payload:         map[string]string{"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"},
		DuplicateWindow: 180 * time.Second,
	}
}

func TestNotificationInsert(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t)
	seg := newSegment(t, s, "seg")
	h := newHost(t, s, seg, "c1")
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	// The engines are woken once the insert has committed (after it, so
	// the notification is visible to the woken engine).
	listener, err := s.Pool().Acquire(ctx)
	require.NoError(t, err)
	defer listener.Release()
	_, err = listener.Exec(ctx, "LISTEN "+store.ChannelNotification)
	require.NoError(t, err)

	n, err := s.NotificationInsert(ctx, hostDown("c1", t0))
	require.NoError(t, err)
	require.Equal(t, "new", n.Status)
	require.Equal(t, h.UUID, n.SourceHostUUID)
	require.Equal(t, seg.UUID, n.FailoverSegmentUUID)
	require.Equal(t, t0, n.GeneratedTime)
	require.Equal(t, "STOPPED", n.Payload["event"])
	require.Nil(t, n.EventID)

	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	got, err := listener.Conn().WaitForNotification(wctx)
	require.NoError(t, err)
	require.Equal(t, n.NotificationUUID, got.Payload)
	_, err = s.NotificationGetByUUID(ctx, got.Payload)
	require.NoError(t, err, "a woken engine sees the notification")

	for _, tc := range []struct {
		name string
		p    *store.NotificationInsertParams
		kind error
		msg  string
	}{
		// Same type, host and payload within the window: duplicate.
		{"duplicate later", hostDown("c1", t0.Add(179*time.Second)), store.ErrConflict, "Notification received from host c1 of type COMPUTE_HOST is duplicate."},
		// The window looks back from the new report only (Masakari's
		// generated-since filter): an older report than the existing one is
		// a duplicate too.
		{"duplicate earlier", hostDown("c1", t0.Add(-time.Hour)), store.ErrConflict, "Notification received from host c1 of type COMPUTE_HOST is duplicate."},
		{"unknown host", hostDown("nope", t0), store.ErrNotFound, "Host with name nope could not be found."},
	} {
		_, err := s.NotificationInsert(ctx, tc.p)
		require.ErrorIs(t, err, tc.kind, tc.name)
		require.EqualError(t, err, tc.msg, tc.name)
	}
	var dup *store.DuplicateError
	_, err = s.NotificationInsert(ctx, hostDown("c1", t0.Add(time.Minute)))
	require.ErrorAs(t, err, &dup)
	require.Equal(t, n.NotificationUUID, dup.Existing.NotificationUUID)

	// Outside the window, or another payload, or another type: not a duplicate.
	_, err = s.NotificationInsert(ctx, hostDown("c1", t0.Add(181*time.Second)))
	require.NoError(t, err)
	p := hostDown("c1", t0)
	p.Payload["host_status"] = "UNKNOWN"
	_, err = s.NotificationInsert(ctx, p)
	require.NoError(t, err)
	p = hostDown("c1", t0)
	p.Type = "PROCESS"
	p.Payload = map[string]string{"event": "STOPPED", "process_name": "nova-compute"}
	_, err = s.NotificationInsert(ctx, p)
	require.NoError(t, err)

	// Idempotent redelivery by event id.
	p = hostDown("c1", t0.Add(time.Hour))
	p.EventID = "ev-1"
	first, err := s.NotificationInsert(ctx, p)
	require.NoError(t, err)
	require.Equal(t, "ev-1", *first.EventID)
	again, err := s.NotificationInsert(ctx, p)
	require.ErrorIs(t, err, store.ErrAlreadyExists)
	require.ErrorIs(t, err, store.ErrConflict)
	require.Equal(t, first.NotificationUUID, again.NotificationUUID)

	// Host on maintenance: refused.
	_, err = s.Pool().Exec(ctx, "UPDATE hosts SET on_maintenance = true WHERE uuid = $1", h.UUID)
	require.NoError(t, err)
	_, err = s.NotificationInsert(ctx, hostDown("c1", t0.Add(2*time.Hour)))
	require.ErrorIs(t, err, store.ErrHostOnMaintenance)
	require.ErrorIs(t, err, store.ErrConflict)
	require.EqualError(t, err, "Notification received from host c1 of type 'COMPUTE_HOST' is ignored as the host is already under maintenance.")

	got2, err := s.NotificationGetByUUID(ctx, n.NotificationUUID)
	require.NoError(t, err)
	require.Equal(t, n, got2)
	_, err = s.NotificationGetByUUID(ctx, "abc")
	require.EqualError(t, err, "No notification with id abc.")

	l, err := s.NotificationList(ctx, &store.NotificationListParams{ListParams: store.ListParams{Limit: 100}, Type: ptr("PROCESS")})
	require.NoError(t, err)
	require.Len(t, l, 1)
	since := t0.Add(30 * time.Minute)
	l, err = s.NotificationList(ctx, &store.NotificationListParams{ListParams: store.ListParams{Limit: 100}, GeneratedSince: &since})
	require.NoError(t, err)
	require.Len(t, l, 1)
	require.Equal(t, first.NotificationUUID, l[0].NotificationUUID)
	l, err = s.NotificationList(ctx, &store.NotificationListParams{ListParams: store.ListParams{Limit: 100}, SourceHostUUID: ptr("not-a-uuid")})
	require.NoError(t, err)
	require.Empty(t, l)
	l, err = s.NotificationList(ctx, &store.NotificationListParams{ListParams: store.ListParams{Limit: 100, SortKeys: []string{"generated_time"}, SortDirs: []string{"asc"}}, Status: ptr("new")})
	require.NoError(t, err)
	require.Len(t, l, 5)
	require.Equal(t, t0, l[0].GeneratedTime)
}

// TestNotificationInsertConcurrentDuplicates is the race Masakari loses
// without a coordination backend: many identical reports at once must
// leave exactly one notification, and every other caller a DuplicateError.
func TestNotificationInsertConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t)
	seg := newSegment(t, s, "seg")
	const hosts, callers = 3, 16
	for i := range hosts {
		newHost(t, s, seg, fmt.Sprintf("c%d", i))
	}
	t0 := time.Now().UTC().Truncate(time.Second)
	for round := range 5 {
		var wg sync.WaitGroup
		start := make(chan struct{})
		results := make([]error, hosts*callers)
		for i := range hosts * callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				p := hostDown(fmt.Sprintf("c%d", i%hosts), t0.Add(time.Duration(round)*time.Hour))
				_, results[i] = s.NotificationInsert(ctx, p)
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range results {
			var dup *store.DuplicateError
			switch {
			case err == nil:
				ok++
			case errors.As(err, &dup):
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		require.Equal(t, hosts, ok, "round %d: exactly one notification per host", round)
	}
	var count int
	require.NoError(t, s.Pool().QueryRow(ctx, "SELECT count(*) FROM notifications").Scan(&count))
	require.Equal(t, hosts*5, count)
}

// TestNotificationInsertRacesHostChange: a host failure report and an
// operator putting the host on maintenance at the same moment. The report
// must see the maintenance flag, or the update must see the report (in
// use): exactly one of the two succeeds, never both.
func TestNotificationInsertRacesHostChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t)
	seg := newSegment(t, s, "seg")
	h := newHost(t, s, seg, "c1")
	t0 := time.Now().UTC().Truncate(time.Second)
	both := 0
	for round := range 40 {
		start := make(chan struct{})
		var insErr, updErr error
		var wg sync.WaitGroup
		wg.Go(func() {
			<-start
			_, insErr = s.NotificationInsert(ctx, hostDown("c1", t0.Add(time.Duration(round)*time.Hour)))
		})
		wg.Go(func() {
			<-start
			_, updErr = s.HostUpdate(ctx, &store.HostUpdateParams{UUID: h.UUID, OnMaintenance: ptr(true)})
		})
		close(start)
		wg.Wait()
		for _, err := range []error{insErr, updErr} {
			if err != nil {
				require.ErrorIs(t, err, store.ErrConflict, "round %d", round)
			}
		}
		require.False(t, insErr != nil && updErr != nil, "round %d: one of the two must succeed: %v; %v", round, insErr, updErr)
		if insErr == nil && updErr == nil {
			both++
		}
		// Back to the start: the report handled, the host in service.
		_, err := s.Pool().Exec(ctx, `UPDATE notifications SET status = 'finished'`)
		require.NoError(t, err)
		_, err = s.Pool().Exec(ctx, `UPDATE hosts SET on_maintenance = false WHERE uuid = $1`, h.UUID)
		require.NoError(t, err)
	}
	require.Zero(t, both, "rounds where a report for a host going on maintenance and the maintenance change both succeeded")
}

// TestSegmentInUse: a notification new, running or in error blocks segment
// and host changes; finished ones do not.
func TestSegmentInUse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t)
	seg := newSegment(t, s, "seg")
	h := newHost(t, s, seg, "c1")
	h2 := newHost(t, s, seg, "c2")
	n, err := s.NotificationInsert(ctx, hostDown("c1", time.Now()))
	require.NoError(t, err)

	for _, status := range []string{"new", "running", "error"} {
		_, err := s.Pool().Exec(ctx, "UPDATE notifications SET status = $1 WHERE notification_uuid = $2", status, n.NotificationUUID)
		require.NoError(t, err)
		_, err = s.SegmentUpdate(ctx, &store.SegmentUpdateParams{UUID: seg.UUID, Enabled: ptr(false)})
		require.ErrorIs(t, err, store.ErrSegmentInUse, status)
		require.ErrorIs(t, err, store.ErrConflict, status)
		require.EqualError(t, err, "Failover segment "+seg.UUID+" can't be updated as it is in-use to process notifications.")
		err = s.SegmentDelete(ctx, seg.UUID)
		require.EqualError(t, err, "Failover segment ("+seg.UUID+") can't be deleted as it is in-use to process notifications.")
		// Any host of the segment, not only the failed one.
		_, err = s.HostUpdate(ctx, &store.HostUpdateParams{UUID: h2.UUID, OnMaintenance: ptr(false)})
		require.EqualError(t, err, "Host "+h2.UUID+" can't be updated as it is in-use to process notifications.")
		err = s.HostDelete(ctx, &store.HostDeleteParams{UUID: h.UUID})
		require.EqualError(t, err, "Host "+h.UUID+" can't be deleted as it is in-use to process notifications.")
		inUse, err := s.SegmentInUse(ctx, seg.UUID)
		require.NoError(t, err)
		require.True(t, inUse)
	}
	for _, status := range []string{"finished", "failed", "ignored"} {
		_, err := s.Pool().Exec(ctx, "UPDATE notifications SET status = $1 WHERE notification_uuid = $2", status, n.NotificationUUID)
		require.NoError(t, err)
		_, err = s.HostUpdate(ctx, &store.HostUpdateParams{UUID: h2.UUID, Reserved: ptr(true)})
		require.NoError(t, err, status)
	}
	require.NoError(t, s.SegmentDelete(ctx, seg.UUID))
}

func TestVMoves(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t)
	seg := newSegment(t, s, "seg")
	newHost(t, s, seg, "c1")
	n, err := s.NotificationInsert(ctx, hostDown("c1", time.Now()))
	require.NoError(t, err)
	var ids []string
	require.NoError(t, s.InTx(ctx, func(tx pgx.Tx) error {
		for i, st := range []string{"pending", "succeeded", "failed"} {
			var id string
			if err := tx.QueryRow(ctx, `INSERT INTO vmoves (uuid, notification_uuid, instance_uuid, instance_name, source_host, status)
				VALUES (gen_random_uuid(), $1, gen_random_uuid(), $2, 'c1', $3) RETURNING uuid::text`, n.NotificationUUID, fmt.Sprintf("vm%d", i), st).Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	}))
	l, err := s.VMoveList(ctx, &store.VMoveListParams{ListParams: store.ListParams{Limit: 10}, NotificationUUID: n.NotificationUUID})
	require.NoError(t, err)
	require.Len(t, l, 3)
	require.Equal(t, "vm2", l[0].InstanceName)
	l, err = s.VMoveList(ctx, &store.VMoveListParams{ListParams: store.ListParams{Limit: 10}, NotificationUUID: n.NotificationUUID, Status: ptr("succeeded")})
	require.NoError(t, err)
	require.Len(t, l, 1)
	v, err := s.VMoveGetByUUID(ctx, &store.VMoveGetByUUIDParams{NotificationUUID: n.NotificationUUID, UUID: ids[0]})
	require.NoError(t, err)
	require.Equal(t, "vm0", v.InstanceName)
	require.Equal(t, "evacuation", v.Type)
	_, err = s.VMoveGetByUUID(ctx, &store.VMoveGetByUUIDParams{NotificationUUID: n.NotificationUUID, UUID: n.NotificationUUID})
	require.EqualError(t, err, "No vm move with id "+n.NotificationUUID+".")
}
