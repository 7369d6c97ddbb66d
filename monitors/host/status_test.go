package host

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestStatusOf(t *testing.T) {
	t.Parallel()
	nets := []string{"mgmt", "storage"}
	for _, tc := range []struct {
		name  string
		alive map[string]bool
		want  PeerStatus
		lost  []string
	}{
		// Alive everywhere: nothing to say.
		{"both alive", map[string]bool{"mgmt": true, "storage": true}, PeerUp, nil},
		// One link lost: the host still answers, so it is only degraded.
		{"storage lost", map[string]bool{"mgmt": true, "storage": false}, PeerDegraded, []string{"storage"}},
		// Never seen on a network counts as lost there, but mgmt still answers.
		{"never on storage", map[string]bool{"mgmt": true}, PeerDegraded, []string{"storage"}},
		// Dead on every network: down.
		{"both lost", map[string]bool{"mgmt": false, "storage": false}, PeerDown, []string{"mgmt", "storage"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, lost := statusOf(nets, tc.alive)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.lost, lost)
		})
	}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	base := verdict{status: PeerDown, downFor: 5 * time.Second, settle: 2 * time.Second, trusted: true}
	with := func(f func(*verdict)) verdict { v := base; f(&v); return v }
	for _, tc := range []struct {
		name string
		v    verdict
		want action
	}{
		// Down long enough, observer trusts its links: accuse.
		{"down and settled", base, actStopped},
		// The observer may be the one cut off and not know yet.
		{"not settled", with(func(v *verdict) { v.downFor = time.Second }), actNone},
		// An isolated observer accuses nobody.
		{"observer isolated", with(func(v *verdict) { v.isolated = true }), actNone},
		// No peer alive and no isolation address answered, or own probes failing.
		{"observer untrusted", with(func(v *verdict) { v.trusted = false }), actNone},
		// Already reported: the spool re-sends until confirmed; no duplicates.
		{"already reported", with(func(v *verdict) { v.reported = true }), actNone},
		// Degraded is never a failure.
		{"degraded", with(func(v *verdict) { v.status = PeerDegraded }), actNone},
		// A reported host answering on any network again: STARTED.
		{"back on one network", with(func(v *verdict) { v.status = PeerDegraded; v.reported = true }), actStarted},
		{"back on all", with(func(v *verdict) { v.status = PeerUp; v.reported = true }), actStarted},
		// STARTED only follows our own STOPPED.
		{"up never reported", with(func(v *verdict) { v.status = PeerUp }), actNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, decide(tc.v))
		})
	}
}

func TestParseNetworks(t *testing.T) {
	t.Parallel()
	nets, err := ParseNetworks([]string{"mgmt=10.0.0.1:7946", " storage = 10.1.0.1:7947"},
		[]string{"mgmt=10.0.0.2:7946", "storage=10.1.0.2:7947", "mgmt=10.0.0.3:7946"})
	require.NoError(t, err)
	require.Equal(t, []Network{
		{Name: "mgmt", Addr: "10.0.0.1", Port: 7946, Peers: []string{"10.0.0.2:7946", "10.0.0.3:7946"}},
		{Name: "storage", Addr: "10.1.0.1", Port: 7947, Peers: []string{"10.1.0.2:7947"}},
	}, nets)
	for _, bad := range []struct{ nets, peers []string }{
		{nil, nil},                        // no network at all
		{[]string{"10.0.0.1:7946"}, nil},  // no NETWORK= name
		{[]string{"mgmt=host:7946"}, nil}, // not an IP
		{[]string{"mgmt=10.0.0.1:0"}, nil},
		{[]string{"mgmt=10.0.0.1:1", "mgmt=10.0.0.2:1"}, nil},         // network twice
		{[]string{"mgmt=10.0.0.1:1"}, []string{"storage=10.1.0.1:1"}}, // peer on unknown network
	} {
		_, err := ParseNetworks(bad.nets, bad.peers)
		require.Error(t, err, "%v %v", bad.nets, bad.peers)
	}
}

func FuzzParseNetworks(f *testing.F) {
	f.Add("mgmt=10.0.0.1:7946", "mgmt=10.0.0.2:7946")
	f.Add("a=[::1]:1", "a=[::1]:2")
	f.Fuzz(func(t *testing.T, n, p string) {
		nets, err := ParseNetworks([]string{n}, []string{p})
		if err == nil {
			require.Len(t, nets, 1)
			require.NotEmpty(t, nets[0].Name)
		}
	})
}

func TestReachable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	// Connection refused is an answer: the address is reachable.
	require.True(t, reachable(ctx, "127.0.0.1:1"))
	// A bare address is pinged (the tests run as root, as the monitor does).
	require.Equal(t, 0, os.Geteuid(), "ICMP needs root")
	require.True(t, reachable(ctx, "127.0.0.1"))
}

func TestParseGossipKey(t *testing.T) {
	t.Parallel()
	key, err := ParseGossipKey("")
	require.NoError(t, err)
	require.Nil(t, key, "empty means plain text")
	key, err = ParseGossipKey("MDEyMzQ1Njc4OWFiY2RlZg==") // 16 bytes
	require.NoError(t, err)
	require.Len(t, key, 16)
	_, err = ParseGossipKey("c2hvcnQ=") // 5 bytes: not an AES key size
	require.ErrorContains(t, err, "16, 24 or 32")
	_, err = ParseGossipKey("not base64!")
	require.Error(t, err)
}

// TestPeersDownBut: a STOPPED report names the observer's other peers that
// are dead on every network (reported or still settling), so the engine
// sees two hosts failing at once in the first report.
func TestPeersDownBut(t *testing.T) {
	m := &Monitor{peers: map[string]*peerState{
		"c1": {status: PeerDown},
		"c2": {status: PeerDown},
		"c3": {status: PeerDegraded},
		"c4": {status: PeerUp},
		"c5": {status: PeerDown, reported: true},
	}}
	if got, want := m.peersDownBut("c1"), []string{"c2", "c5"}; !slices.Equal(got, want) {
		t.Fatalf("peersDownBut(c1) = %v, want %v", got, want)
	}
	if got := (&Monitor{peers: map[string]*peerState{"c1": {status: PeerDown}}}).peersDownBut("c1"); len(got) != 0 {
		t.Fatalf("only the accused down: %v, want none", got)
	}
}
