package wiretest

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"
)

// echo serves a line echo on a free loopback port.
func echo(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c); c.Close() }()
		}
	}()
	return ln.Addr().String()
}

// roundTrip sends a line through addr and reports whether it came back.
func roundTrip(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && line == "ping\n"
}

func TestProxyCutRestoreKill(t *testing.T) {
	p := NewProxy(t, echo(t))
	if !roundTrip(p.Addr()) {
		t.Fatal("no round trip through a fresh proxy")
	}
	held, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if _, err := held.Write([]byte("a\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if _, err := io.ReadFull(held, buf); err != nil {
		t.Fatal(err)
	}

	p.Cut()
	_ = held.SetReadDeadline(time.Now().Add(2 * time.Second))
	if n, err := held.Read(buf); err == nil {
		t.Fatalf("a connection forwarded before Cut still reads (%d bytes)", n)
	}
	if roundTrip(p.Addr()) {
		t.Fatal("a round trip while cut")
	}
	p.Restore()
	if !roundTrip(p.Addr()) {
		t.Fatal("no round trip after Restore")
	}
	p.Kill()
	if _, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		t.Fatal("killed proxy still accepts")
	}
}
