package recovery

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAfterRead(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		seen readSeen
		want evacState
	}{
		{"deleted meanwhile: nothing to do, journaled as ignored", readSeen{gone: true}, stIgnored},
		{"deleted wins over exhausted attempts", readSeen{gone: true, exhausted: true}, stIgnored},
		{"unreadable: wait and read again", readSeen{unreadable: true}, stWaitRead},
		{"unreadable after the last attempt: failed", readSeen{unreadable: true, exhausted: true}, stFailed},
		{"idle on the failed host: choose a target", readSeen{onFailedHost: true}, stPickTarget},
		{"idle on the failed host after the last attempt: gave up", readSeen{onFailedHost: true, exhausted: true}, stFailed},
		{"busy on the failed host (task state or a pending evacuation): never issue, confirm", readSeen{onFailedHost: true, moving: true}, stConfirm},
		{"busy, even after the last attempt: confirm, never issue", readSeen{onFailedHost: true, moving: true, exhausted: true}, stConfirm},
		{"already elsewhere (a resumed recovery): confirm", readSeen{}, stConfirm},
		{"elsewhere and moving: confirm", readSeen{moving: true}, stConfirm},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, afterRead(tc.seen), "got %s", afterRead(tc.seen))
		})
	}
}

func TestAfterPick(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name           string
		found, changed bool
		want           evacState
	}{
		{"a target with room and a slot: issue", true, false, stIssue},
		{"no target fits: failed, with the reason per candidate", false, false, stFailed},
		{"waited for a slot and Nova changed meanwhile: read again, not act on the old reading", true, true, stReadServer},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, afterPick(tc.found, tc.changed))
		})
	}
}

func TestAfterIssue(t *testing.T) {
	t.Parallel()
	// Why: a refused call (or reserved host that could not be prepared)
	// reads Nova again before the next target; an accepted one is only
	// confirmed, never issued again.
	require.Equal(t, stReadServer, afterIssue(true))
	require.Equal(t, stConfirm, afterIssue(false))
}

func TestAfterConfirm(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                            string
		arrived, onFailedHost, timedOut bool
		want                            evacState
	}{
		{"ACTIVE on another host", true, false, false, stSucceeded},
		{"idle back on the failed host: the next target", false, true, false, stReadServer},
		{"ERROR on another host: evacuating again could start it twice", false, false, false, stFailed},
		{"timed out on the failed host: it may still land, so not again", false, true, true, stFailed},
		{"timed out elsewhere", false, false, true, stFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, afterConfirm(tc.arrived, tc.onFailedHost, tc.timedOut))
		})
	}
}

func TestEvacStateNames(t *testing.T) {
	t.Parallel()
	require.Len(t, evacStateNames, int(stSucceeded)+1, "a name per state")
	require.Equal(t, "pick_target", stPickTarget.String())
}

func TestRecallFreshReading(t *testing.T) {
	t.Parallel()
	ev := &evacuation{fl: &Flows{cfg: Config{VerifyInterval: time.Hour}}}
	_, ok := ev.recall("a")
	require.False(t, ok, "nothing remembered")
	ev.remember(Server{ID: "a", Host: "c1"}, time.Now())
	srv, ok := ev.recall("a")
	require.True(t, ok)
	require.Equal(t, "c1", srv.Host)
	_, ok = ev.recall("a")
	require.False(t, ok, "a reading is used once: every later attempt reads Nova")

	// Why: a reading as old as one poll interval is not reused.
	ev.remember(Server{ID: "b"}, time.Now().Add(-2*time.Hour))
	_, ok = ev.recall("b")
	require.False(t, ok)
}
