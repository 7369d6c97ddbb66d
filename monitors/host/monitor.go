package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lazarus-ha/lazarus/monitors/event"
	"github.com/lazarus-ha/lazarus/monitors/publish"
)

// Publisher is what the monitor needs to send an event; *publish.Publisher
// satisfies it.
type Publisher interface {
	Publish(ctx context.Context, e *event.Event) error
}

// Monitor watches the peers of this host on every configured network.
type Monitor struct {
	cfg  Config
	pub  Publisher
	log  *slog.Logger
	nets []*netView
	kick chan struct{}

	mu    sync.Mutex
	alive map[string]map[string]bool   // peer → network → alive
	addrs map[string]map[string]string // peer → network → ip:port

	// Loop-goroutine state.
	peers         map[string]*peerState
	isolated      bool
	isolatedSince time.Time
	actionRan     bool
	isoReachable  bool
	lastIsoProbe  time.Time

	mPeers     *prometheus.GaugeVec
	mPeerNet   *prometheus.GaugeVec
	mDegraded  prometheus.Counter
	mIsolated  prometheus.Gauge
	mNotified  *prometheus.CounterVec
	mIsolation prometheus.Counter
}

type netView struct {
	Network
	ml *memberlist.Memberlist
}

type peerState struct {
	firstSeen time.Time
	everUp    bool
	status    PeerStatus
	downSince time.Time
	reported  bool
}

// New returns a Monitor; Run starts it. reg may be nil.
func New(cfg Config, pub Publisher, log *slog.Logger, reg prometheus.Registerer) (*Monitor, error) {
	cfg.withDefaults()
	if cfg.Host == "" {
		return nil, errors.New("host monitor: [DEFAULT] host is empty")
	}
	if len(cfg.Networks) == 0 {
		return nil, errors.New("host monitor: no network configured")
	}
	m := &Monitor{
		cfg: cfg, pub: pub, log: log.With("component", "hostmonitor"),
		kick:  make(chan struct{}, 1),
		alive: map[string]map[string]bool{}, addrs: map[string]map[string]string{},
		peers: map[string]*peerState{},
		mPeers: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "lazarus_hostmonitor_peers", Help: "Peers by merged status (up, degraded, down)."}, []string{"status"}),
		mPeerNet: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "lazarus_hostmonitor_peer_network_alive", Help: "1 if the peer is alive on the network."}, []string{"peer", "network"}),
		mDegraded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lazarus_hostmonitor_degraded_total", Help: "Times a peer became dead on some but not all networks."}),
		mIsolated: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lazarus_hostmonitor_isolated", Help: "1 while this host considers itself isolated."}),
		mNotified: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lazarus_hostmonitor_notifications_total", Help: "COMPUTE_HOST notifications published, by event."}, []string{"event"}),
		mIsolation: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lazarus_hostmonitor_isolation_actions_total", Help: "Times isolation_action ran."}),
	}
	if reg != nil {
		reg.MustRegister(m.mPeers, m.mPeerNet, m.mDegraded, m.mIsolated, m.mNotified, m.mIsolation)
	}
	for _, n := range cfg.Networks {
		m.nets = append(m.nets, &netView{Network: n})
	}
	return m, nil
}

func (m *Monitor) networkNames() []string {
	names := make([]string, len(m.nets))
	for i, n := range m.nets {
		names[i] = n.Name
	}
	return names
}

// settle is how long a peer must be down before it is reported: long
// enough for this observer to have probed every peer twice, so that if the
// observer itself is the one cut off it has noticed before it accuses. It
// is capped at maxSettle: in a large segment an observer that is cut off
// is caught earlier by its own health score (its probes fail without
// nacks from the helpers), which also blocks accusations.
func (m *Monitor) settle() time.Duration {
	if m.cfg.Settle > 0 {
		return m.cfg.Settle
	}
	m.mu.Lock()
	n := len(m.alive)
	m.mu.Unlock()
	return min(maxSettle, max(time.Second, 2*(time.Duration(max(n, 1))*m.cfg.ProbeInterval+m.cfg.ProbeTimeout)))
}

const maxSettle = 10 * time.Second

// Run starts the memberlists and watches until ctx ends.
func (m *Monitor) Run(ctx context.Context) error {
	for _, n := range m.nets {
		ml, err := memberlist.Create(m.memberlistConfig(n))
		if err != nil {
			m.shutdown()
			return fmt.Errorf("start memberlist on network %s (%s:%d): %w", n.Name, n.Addr, n.Port, err)
		}
		n.ml = ml
		m.log.Info("memberlist started", "network", n.Name, "addr", net.JoinHostPort(n.Addr, strconv.Itoa(n.Port)), "peers", n.Peers)
	}
	defer m.shutdown()
	var wg sync.WaitGroup
	for _, n := range m.nets {
		wg.Add(1)
		go func() { defer wg.Done(); m.rejoinLoop(ctx, n) }()
	}
	defer wg.Wait()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-m.kick:
		case <-tick.C:
		}
		m.evaluate(ctx)
	}
}

func (m *Monitor) shutdown() {
	for _, n := range m.nets {
		if n.ml != nil {
			// No Leave: a host whose monitor stops is, to its peers,
			// indistinguishable from a failed one, as with Masakari.
			_ = n.ml.Shutdown()
		}
	}
}

func (m *Monitor) memberlistConfig(n *netView) *memberlist.Config {
	c := memberlist.DefaultLANConfig()
	c.Name = m.cfg.Host
	c.BindAddr, c.BindPort = n.Addr, n.Port
	c.AdvertiseAddr, c.AdvertisePort = n.Addr, n.Port
	c.ProbeInterval = m.cfg.ProbeInterval
	c.ProbeTimeout = m.cfg.ProbeTimeout
	c.SuspicionMult = m.cfg.SuspicionMult
	// Cap the suspicion timeout at 2x its minimum: fast detection matters
	// more here than in a 10k-node cluster.
	c.SuspicionMaxTimeoutMult = 2
	// An unhealthy node slows its own probes by at most 2x, so that an
	// isolated host still notices it lost everybody within seconds.
	c.AwarenessMaxMultiplier = 2
	c.TCPTimeout = 2 * time.Second
	c.PushPullInterval = 10 * time.Second
	// The messages are a few hundred bytes among a handful of peers: LZW
	// (a fresh 4 KiB-table writer per message) cost more CPU than it saved
	// bytes, a tenth of the idle monitor's CPU. Peers read compressed and
	// plain messages alike, so monitors of either setting interoperate.
	c.EnableCompression = false
	c.GossipToTheDeadTime = 30 * time.Second
	// Let a host that comes back on a new address reclaim its name.
	c.DeadNodeReclaimTime = 10 * time.Second
	c.SecretKey = m.cfg.GossipKey
	c.Events = &delegate{m: m, network: n.Name}
	c.Logger = log.New(&mlLogWriter{log: m.log.With("network", n.Name)}, "", 0)
	return c
}

// rejoinLoop re-joins configured peers and the last addresses of missing
// peers: after a partition every side has declared the other dead and
// memberlist would not look for it again.
func (m *Monitor) rejoinLoop(ctx context.Context, n *netView) {
	first := true
	t := time.NewTicker(m.cfg.RejoinInterval)
	defer t.Stop()
	for {
		if !first {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
		var targets []string
		m.mu.Lock()
		missing := false
		for peer, nets := range m.alive {
			if !nets[n.Name] {
				missing = true
				if a := m.addrs[peer][n.Name]; a != "" {
					targets = append(targets, a)
				}
			}
		}
		known := len(m.alive)
		m.mu.Unlock()
		if !first && !missing && known > 0 {
			continue
		}
		for _, p := range n.Peers {
			if !slices.Contains(targets, p) {
				targets = append(targets, p)
			}
		}
		if len(targets) == 0 {
			first = false
			continue
		}
		joined, err := n.ml.Join(targets)
		if first || joined > 0 {
			m.log.Debug("join", "network", n.Name, "targets", targets, "joined", joined, "err", err)
		}
		first = false
	}
}

type delegate struct {
	m       *Monitor
	network string
}

func (d *delegate) set(n *memberlist.Node, alive bool) {
	m := d.m
	if n.Name == m.cfg.Host {
		return
	}
	m.mu.Lock()
	if m.alive[n.Name] == nil {
		m.alive[n.Name] = map[string]bool{}
		m.addrs[n.Name] = map[string]string{}
	}
	m.alive[n.Name][d.network] = alive
	m.addrs[n.Name][d.network] = net.JoinHostPort(n.Addr.String(), strconv.Itoa(int(n.Port)))
	m.mu.Unlock()
	v := 0.0
	if alive {
		v = 1
	}
	m.mPeerNet.WithLabelValues(n.Name, d.network).Set(v)
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// NotifyJoin marks the node alive on this network.
func (d *delegate) NotifyJoin(n *memberlist.Node) { d.set(n, true) }

// NotifyLeave marks the node dead (or left) on this network.
func (d *delegate) NotifyLeave(n *memberlist.Node) { d.set(n, false) }

// NotifyUpdate marks the node alive on this network.
func (d *delegate) NotifyUpdate(n *memberlist.Node) { d.set(n, true) }

// othersAlive reports whether any peer is in state alive (not suspect) on
// any network: evidence that this host's own links work.
func (m *Monitor) othersAlive() bool {
	for _, n := range m.nets {
		for _, mem := range n.ml.Members() {
			if mem.Name != m.cfg.Host && mem.State == memberlist.StateAlive {
				return true
			}
		}
	}
	return false
}

func (m *Monitor) healthy() bool {
	for _, n := range m.nets {
		if n.ml.GetHealthScore() == 0 {
			return true
		}
	}
	return false
}

func (m *Monitor) evaluate(ctx context.Context) {
	m.mu.Lock()
	snapshot := make(map[string]map[string]bool, len(m.alive))
	for p, nets := range m.alive {
		snapshot[p] = maps(nets)
	}
	m.mu.Unlock()
	now := time.Now()
	others := m.othersAlive()
	if len(snapshot) > 0 && !others {
		if now.Sub(m.lastIsoProbe) >= time.Second {
			m.isoReachable = m.probeIsolation(ctx)
			m.lastIsoProbe = time.Now()
			if !m.isoReachable && !m.isolated {
				m.enterIsolation(ctx, snapshot)
			}
			if m.isoReachable && m.isolated {
				m.leaveIsolation("an isolation address answers")
			}
		}
	} else {
		m.isoReachable = false
		if m.isolated {
			m.leaveIsolation("a peer is alive again")
		}
	}
	if m.isolated && !m.actionRan && now.Sub(m.isolatedSince) >= m.cfg.IsolationTimeout {
		m.actionRan = true
		m.runIsolationAction(ctx)
	}
	trusted := m.isoReachable || (others && m.healthy())
	counts := map[PeerStatus]int{}
	names := m.networkNames()
	settle := m.settle()
	for peer, nets := range snapshot {
		st, aliveNets, lostNets := statusOf(names, nets)
		counts[st]++
		ps := m.peers[peer]
		if ps == nil {
			ps = &peerState{status: PeerJoining, firstSeen: now}
			m.peers[peer] = ps
		}
		// A peer that is joining appears on one network before the
		// other; that is not degradation. Give it a window to show up
		// everywhere before judging it.
		if st == PeerUp {
			ps.everUp = true
		} else if !ps.everUp && now.Sub(ps.firstSeen) < 2*settle {
			continue
		}
		if st != ps.status {
			lvl := slog.LevelInfo
			if st != PeerUp {
				lvl = slog.LevelWarn
			}
			m.log.Log(ctx, lvl, "peer status changed", "peer", peer, "status", st.String(), "from", ps.status.String(),
				"networks_alive", aliveNets, "networks_lost", lostNets)
			if st == PeerDegraded {
				m.mDegraded.Inc()
			}
			if st == PeerDown {
				ps.downSince = now
			}
			ps.status = st
		}
		var downFor time.Duration
		if st == PeerDown {
			downFor = now.Sub(ps.downSince)
		}
		switch decide(verdict{status: st, downFor: downFor, settle: settle, reported: ps.reported,
			isolated: m.isolated, trusted: trusted}) {
		case actStopped:
			if m.publish(ctx, peer, event.EventStopped, aliveNets, lostNets, false) {
				ps.reported = true
			}
		case actStarted:
			if m.publish(ctx, peer, event.EventStarted, aliveNets, lostNets, false) {
				ps.reported = false
			}
		}
	}
	for _, st := range []PeerStatus{PeerUp, PeerDegraded, PeerDown} {
		m.mPeers.WithLabelValues(st.String()).Set(float64(counts[st]))
	}
}

func maps(in map[string]bool) map[string]bool {
	out := make(map[string]bool, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

func (m *Monitor) publish(ctx context.Context, peer, ev string, aliveNets, lostNets []string, isolated bool) bool {
	payload := map[string]string{"event": ev, "host_status": event.HostStatusNormal, "cluster_status": event.ClusterStatusOnline}
	detail := "alive again on " + strings.Join(aliveNets, ",")
	if ev == event.EventStopped {
		payload["cluster_status"] = event.ClusterStatusOff
		detail = "dead on every network as seen from " + m.cfg.Host
	}
	if isolated {
		payload["host_status"] = event.HostStatusUnknown
		detail = "this host lost every peer on every network and no isolation address answers"
	}
	e := publish.NewEvent(event.MonitorHost, m.cfg.Host, event.Notification{
		Type: event.TypeComputeHost, Hostname: peer, Payload: payload,
	})
	e.Evidence = &event.Evidence{NetworksLost: lostNets, NetworksAlive: aliveNets, Isolated: isolated, Detail: detail}
	if ev == event.EventStopped && !isolated {
		e.Evidence.PeersDown = m.peersDownBut(peer)
	}
	if err := m.pub.Publish(ctx, e); err != nil {
		m.log.Error("publish host event", "peer", peer, "event", ev, "err", err)
		return false
	}
	m.mNotified.WithLabelValues(ev).Inc()
	m.log.Info("host event published", "peer", peer, "event", ev, "event_id", e.ID, "isolated", isolated,
		"networks_lost", lostNets, "networks_alive", aliveNets)
	return true
}

// peersDownBut names the peers other than peer whose merged status is
// down (dead on every network), sorted.
func (m *Monitor) peersDownBut(peer string) []string {
	var out []string
	for p, ps := range m.peers {
		if p != peer && ps.status == PeerDown {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

func (m *Monitor) enterIsolation(ctx context.Context, snapshot map[string]map[string]bool) {
	m.isolated, m.isolatedSince, m.actionRan = true, time.Now(), false
	m.mIsolated.Set(1)
	m.log.Error("this host is isolated: every peer lost on every network and no isolation address answers; accusing nobody",
		"peers", len(snapshot), "isolation_addresses", m.cfg.IsolationAddresses)
	// Report itself; the spool keeps it until the broker is reachable.
	m.publish(ctx, m.cfg.Host, event.EventStopped, nil, m.networkNames(), true)
}

func (m *Monitor) leaveIsolation(why string) {
	m.isolated = false
	m.mIsolated.Set(0)
	m.log.Info("isolation ended", "reason", why)
}

// probeIsolation reports whether any isolation address answers: host:port
// by TCP connect (a refused connection is an answer too), a bare host by
// ICMP echo (needs root or CAP_NET_RAW, as the monitor has).
func (m *Monitor) probeIsolation(ctx context.Context) bool {
	if len(m.cfg.IsolationAddresses) == 0 {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	res := make(chan bool, len(m.cfg.IsolationAddresses))
	for _, a := range m.cfg.IsolationAddresses {
		go func() { res <- reachable(ctx, a) }()
	}
	ok := false
	for range m.cfg.IsolationAddresses {
		ok = <-res || ok
	}
	return ok
}

func reachable(ctx context.Context, addr string) bool {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return ping(ctx, addr)
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err == nil {
		c.Close()
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && strings.Contains(op.Err.Error(), "connection refused")
}

func (m *Monitor) runIsolationAction(ctx context.Context) {
	if len(m.cfg.IsolationAction) == 0 {
		m.log.Warn("isolation_timeout passed; isolation_action is none")
		return
	}
	m.mIsolation.Inc()
	m.log.Warn("isolation_timeout passed, running isolation_action", "command", m.cfg.IsolationAction)
	go func() {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(actx, m.cfg.IsolationAction[0], m.cfg.IsolationAction[1:]...).CombinedOutput()
		if err != nil {
			m.log.Error("isolation_action failed", "err", err, "output", string(out))
			return
		}
		m.log.Info("isolation_action done", "output", string(out))
	}()
}

// mlLogWriter turns memberlist's "[LEVEL] memberlist: text" lines into slog.
type mlLogWriter struct{ log *slog.Logger }

var _ io.Writer = (*mlLogWriter)(nil)

func (w *mlLogWriter) Write(p []byte) (int, error) {
	line := strings.TrimSpace(string(p))
	lvl := slog.LevelDebug
	switch {
	case strings.HasPrefix(line, "[ERR]"):
		lvl = slog.LevelError
	case strings.HasPrefix(line, "[WARN]"):
		lvl = slog.LevelWarn
	case strings.HasPrefix(line, "[INFO]"):
		lvl = slog.LevelInfo
	}
	if i := strings.Index(line, "memberlist: "); i >= 0 {
		line = line[i+len("memberlist: "):]
	}
	w.log.Log(context.Background(), lvl, "memberlist", "detail", line)
	return len(p), nil
}
