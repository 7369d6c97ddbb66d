package host

import (
	"encoding/base64"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Network is one network this host binds a memberlist on.
type Network struct {
	// Name identifies the network in config, logs and evidence ("mgmt").
	Name string
	// Addr is the IP this host binds and advertises on that network.
	Addr string
	// Port is the memberlist port (UDP and TCP).
	Port int
	// Peers are IP:PORT addresses of other hosts on this network to join.
	Peers []string
}

// Config configures a Monitor.
type Config struct {
	// Host is this host's name as Nova knows it; also its memberlist name.
	Host string
	// Networks are the networks to watch; at least one.
	Networks []Network
	// IsolationAddresses are checked (TCP connect; a refusal counts as an
	// answer) when every peer is lost. Entries are host:port.
	IsolationAddresses []string
	// IsolationTimeout is how long isolation lasts before IsolationAction runs.
	IsolationTimeout time.Duration
	// IsolationAction is a command and its arguments, run without a shell;
	// empty means none.
	IsolationAction []string
	// ProbeInterval, ProbeTimeout and SuspicionMult tune SWIM; defaults
	// 500ms, 300ms and 3 give a detection time of a few seconds.
	ProbeInterval time.Duration
	ProbeTimeout  time.Duration
	SuspicionMult int
	// RejoinInterval is how often a network re-joins peers it misses.
	// Default 2s.
	RejoinInterval time.Duration
	// GossipKey encrypts and authenticates memberlist traffic (AES, 16, 24
	// or 32 bytes); nil means plain text.
	GossipKey []byte
	// Settle is how long a peer must stay down before it is reported.
	// Default: two full probe rounds over the expected peers.
	Settle time.Duration
}

// ParseNetworks turns the [hostmonitor] networks and peers options (comma
// lists of NETWORK=IP:PORT) into Networks. Every peer must name a bound
// network; every network needs a valid IP and port.
func ParseNetworks(networks, peers []string) ([]Network, error) {
	var out []Network
	for _, item := range networks {
		name, ip, port, err := parseEndpoint(item)
		if err != nil {
			return nil, fmt.Errorf("[hostmonitor] networks: %w", err)
		}
		if slices.ContainsFunc(out, func(n Network) bool { return n.Name == name }) {
			return nil, fmt.Errorf("[hostmonitor] networks: network %q listed twice", name)
		}
		out = append(out, Network{Name: name, Addr: ip, Port: port})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("[hostmonitor] networks: at least one NETWORK=IP:PORT is required")
	}
	for _, item := range peers {
		name, ip, port, err := parseEndpoint(item)
		if err != nil {
			return nil, fmt.Errorf("[hostmonitor] peers: %w", err)
		}
		i := slices.IndexFunc(out, func(n Network) bool { return n.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("[hostmonitor] peers: %q names network %q, which is not in networks", item, name)
		}
		out[i].Peers = append(out[i].Peers, net.JoinHostPort(ip, strconv.Itoa(port)))
	}
	return out, nil
}

func parseEndpoint(item string) (name, ip string, port int, err error) {
	item = strings.TrimSpace(item)
	name, hostport, ok := strings.Cut(item, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return "", "", 0, fmt.Errorf("%q is not NETWORK=IP:PORT", item)
	}
	h, p, err := net.SplitHostPort(strings.TrimSpace(hostport))
	if err != nil {
		return "", "", 0, fmt.Errorf("%q is not NETWORK=IP:PORT: %w", item, err)
	}
	if net.ParseIP(h) == nil {
		return "", "", 0, fmt.Errorf("%q: %q is not an IP address", item, h)
	}
	port, err = strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 {
		return "", "", 0, fmt.Errorf("%q: port %q is not 1-65535", item, p)
	}
	return name, h, port, nil
}

func (c *Config) withDefaults() {
	if c.ProbeInterval <= 0 {
		c.ProbeInterval = 500 * time.Millisecond
	}
	if c.ProbeTimeout <= 0 {
		c.ProbeTimeout = 300 * time.Millisecond
	}
	if c.SuspicionMult <= 0 {
		c.SuspicionMult = 3
	}
	if c.RejoinInterval <= 0 {
		c.RejoinInterval = 2 * time.Second
	}
}

// ParseGossipKey decodes the [hostmonitor] gossip_key option.
func ParseGossipKey(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("[hostmonitor] gossip_key is not base64: %w", err)
	}
	switch len(key) {
	case 16, 24, 32:
		return key, nil
	}
	return nil, fmt.Errorf("[hostmonitor] gossip_key must decode to 16, 24 or 32 bytes, not %d", len(key))
}
