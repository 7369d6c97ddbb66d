package host

import "time"

// PeerStatus is the merged view of one peer over every network.
type PeerStatus int

// Peer statuses.
const (
	// PeerJoining is a peer seen but not yet alive on every network, for
	// at most the join window after it was first seen.
	PeerJoining PeerStatus = iota - 1
	// PeerUp means alive on every network.
	PeerUp
	// PeerDegraded means alive on some networks and dead on others.
	PeerDegraded
	// PeerDown means alive on no network.
	PeerDown
)

func (s PeerStatus) String() string {
	switch s {
	case PeerJoining:
		return "joining"
	case PeerUp:
		return "up"
	case PeerDegraded:
		return "degraded"
	case PeerDown:
		return "down"
	}
	return "unknown"
}

// statusOf merges per-network liveness. networks is every configured
// network, in config order; alive says on which the peer is alive.
func statusOf(networks []string, alive map[string]bool) (s PeerStatus, aliveNets, lostNets []string) {
	for _, n := range networks {
		if alive[n] {
			aliveNets = append(aliveNets, n)
		} else {
			lostNets = append(lostNets, n)
		}
	}
	switch {
	case len(lostNets) == 0:
		return PeerUp, aliveNets, lostNets
	case len(aliveNets) == 0:
		return PeerDown, aliveNets, lostNets
	}
	return PeerDegraded, aliveNets, lostNets
}

// action is what the monitor does about one peer now.
type action int

const (
	actNone    action = iota
	actStopped        // publish COMPUTE_HOST STOPPED for the peer
	actStarted        // publish COMPUTE_HOST STARTED for the peer
)

// verdict is the input of decide.
type verdict struct {
	status   PeerStatus
	downFor  time.Duration // how long the peer has been down (0 if not)
	settle   time.Duration
	reported bool // a STOPPED for this peer was published and not yet undone
	// isolated: this observer is cut off; it accuses nobody.
	isolated bool
	// trusted: this observer has evidence that its own links work (some
	// other peer alive, or an isolation address answered) and its own
	// probes are healthy on some network.
	trusted bool
}

// decide is the whole accusation policy, kept pure for table tests.
func decide(v verdict) action {
	switch {
	case v.status != PeerDown && v.reported:
		return actStarted
	case v.status != PeerDown:
		return actNone
	case v.reported, v.isolated, !v.trusted, v.downFor < v.settle:
		return actNone
	}
	return actStopped
}
