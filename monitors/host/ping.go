package host

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"net"
	"os"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
)

// ping sends one ICMP echo request to host (an IPv4 address or name) and
// reports whether the matching reply arrived before ctx ends.
func ping(ctx context.Context, host string) bool {
	dst, err := net.ResolveIPAddr("ip4", host)
	if err != nil {
		return false
	}
	c, err := icmp.ListenPacket("ip4:icmp", "0.0.0.0")
	if err != nil {
		return false
	}
	defer c.Close()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(time.Second)
	}
	if err := c.SetDeadline(deadline); err != nil {
		return false
	}
	var rnd [2]byte
	_, _ = rand.Read(rnd[:])
	id, seq := os.Getpid()&0xffff, int(binary.BigEndian.Uint16(rnd[:]))
	req := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: id, Seq: seq, Data: []byte("lazarus-isolation")}}
	b, err := req.Marshal(nil)
	if err != nil {
		return false
	}
	if _, err := c.WriteTo(b, dst); err != nil {
		return false
	}
	buf := make([]byte, 1500)
	for {
		n, peer, err := c.ReadFrom(buf)
		if err != nil {
			return false
		}
		msg, err := icmp.ParseMessage(1, buf[:n]) // 1 = ICMP for IPv4
		if err != nil || msg.Type != ipv4.ICMPTypeEchoReply {
			continue
		}
		echo, ok := msg.Body.(*icmp.Echo)
		if ok && echo.ID == id && echo.Seq == seq && peer.String() == dst.String() {
			return true
		}
	}
}
