// Package wiretest gives tests a second (and third) "broker node": a TCP
// forwarder on its own loopback port in front of the one real RabbitMQ,
// which a test can kill to see a client fail over through a multi-host
// transport_url, or cut and restore to see it lose a broker for a while.
package wiretest

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Proxy forwards every connection it accepts to Target.
type Proxy struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	conns  []net.Conn
	killed bool
	cut    bool
}

// NewProxy listens on a free 127.0.0.1 port and forwards to target
// (host:port of the real broker). It is killed at the end of the test.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("wiretest: listen: %v", err)
	}
	p := &Proxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(p.Kill)
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

func (p *Proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		cut := p.cut
		p.mu.Unlock()
		if cut {
			c.Close()
			continue
		}
		b, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		if p.killed || p.cut {
			killed := p.killed
			p.mu.Unlock()
			c.Close()
			b.Close()
			if killed {
				return
			}
			continue
		}
		p.conns = append(p.conns, c, b)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(b, c); b.Close() }()
		go func() { _, _ = io.Copy(c, b); c.Close() }()
	}
}

// Kill closes the listening port and every forwarded connection, as a
// broker node that dies does: clients see their connection reset and new
// connections refused.
func (p *Proxy) Kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.killed {
		return
	}
	p.killed = true
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// Cut closes every forwarded connection and closes each new one at once
// until Restore, keeping the port: a network path to the broker that
// fails and comes back.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// Restore forwards new connections again after Cut.
func (p *Proxy) Restore() {
	p.mu.Lock()
	p.cut = false
	p.mu.Unlock()
}

// DeadAddr is a loopback host:port that nothing listens on.
func DeadAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("wiretest: listen: %v", err)
	}
	a := ln.Addr().String()
	ln.Close()
	return a
}
