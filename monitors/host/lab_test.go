package host

// The lab: compute hosts as real lazarus-hostmonitor processes, each in a
// network namespace of its own, wired to two bridges ("mgmt" and
// "storage") inside a switch namespace. A link is cut by setting the
// host's veth end in the switch namespace down, which is what pulling a
// cable looks like to the host. Addresses are 10.231.0.0/24 (mgmt) and
// 10.231.1.0/24 (storage); they exist only inside namespaces the test owns
// and removes, so they cannot collide with anything on the machine.
//
// The monitors reach the shared RabbitMQ through a small proxy: the test
// opens a listener on 127.0.0.1:5672 inside each host namespace (from a
// thread switched into it with setns) and forwards to 127.0.0.1:5672 in
// the root namespace. The proxy is outside the lab's links, so cutting
// a host's links does not cut its broker connection; that lets the test
// see what an isolated host reports.

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/lazarus-ha/lazarus/monitors/event"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// hostmonitorBinary builds cmd/lazarus-hostmonitor once per test binary.
func hostmonitorBinary(t testing.TB) string {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lazarus-hostmonitor-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "lazarus-hostmonitor")
		out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/lazarus-hostmonitor").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v: %s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

func rabbitURL(t testing.TB) string {
	u := os.Getenv("TEST_RABBITMQ_URL")
	if u == "" {
		u = "amqp://guest:guest@127.0.0.1:5672/"
	}
	conn, err := amqp.Dial(u)
	require.NoError(t, err, "RabbitMQ at %s is required (make services starts it)", u)
	conn.Close()
	return u
}

type lab struct {
	t       testing.TB
	id      string
	sw      string
	hosts   []*labHost
	queue   string
	url     string
	dir     string
	mu      sync.Mutex
	events  []*event.Event
	arrived []time.Time
	newEv   chan struct{}
}

type labHost struct {
	name string
	ns   string
	idx  int
	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	logs []map[string]any
	raw  []string
}

func ipCmd(t testing.TB, args ...string) {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	require.NoError(t, err, "ip %s: %s", strings.Join(args, " "), out)
}

type labOptions struct {
	hosts int
	// isolation is the isolation_addresses value; default the switch's
	// address on each bridge, port 9 (TCP; refused = answered).
	isolation     string
	probeInterval string
	extra         string
}

func newLab(t testing.TB, o labOptions) *lab {
	t.Helper()
	require.Equal(t, 0, os.Geteuid(), "the host-monitor lab needs root for network namespaces")
	_, err := exec.LookPath("ip")
	require.NoError(t, err, "iproute2 (ip) is required")
	url := rabbitURL(t)
	bin := hostmonitorBinary(t)
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	l := &lab{t: t, id: hex.EncodeToString(b), url: url, dir: t.TempDir(), newEv: make(chan struct{}, 1)}
	l.queue = "lazarus.test.hostlab." + l.id
	l.sw = "lzt" + l.id + "sw"
	t.Cleanup(l.cleanup)
	ipCmd(t, "netns", "add", l.sw)
	for _, c := range [][]string{
		{"-n", l.sw, "link", "set", "lo", "up"},
		{"-n", l.sw, "link", "add", "br0", "type", "bridge"},
		{"-n", l.sw, "link", "add", "br1", "type", "bridge"},
		{"-n", l.sw, "link", "set", "br0", "up"},
		{"-n", l.sw, "link", "set", "br1", "up"},
		{"-n", l.sw, "addr", "add", "10.231.0.254/24", "dev", "br0"},
		{"-n", l.sw, "addr", "add", "10.231.1.254/24", "dev", "br1"},
	} {
		ipCmd(t, c...)
	}
	for i := 1; i <= o.hosts; i++ {
		h := &labHost{name: fmt.Sprintf("compute-%d", i), ns: fmt.Sprintf("lzt%sh%d", l.id, i), idx: i}
		l.hosts = append(l.hosts, h)
		ipCmd(t, "netns", "add", h.ns)
		ipCmd(t, "-n", h.ns, "link", "set", "lo", "up")
		for nic, br := range []string{"br0", "br1"} {
			sw := fmt.Sprintf("h%d%c", i, 'a'+nic)
			eth := fmt.Sprintf("eth%d", nic)
			ipCmd(t, "-n", l.sw, "link", "add", sw, "type", "veth", "peer", "name", eth, "netns", h.ns)
			ipCmd(t, "-n", l.sw, "link", "set", sw, "master", br, "up")
			ipCmd(t, "-n", h.ns, "addr", "add", fmt.Sprintf("10.231.%d.%d/24", nic, i), "dev", eth)
			ipCmd(t, "-n", h.ns, "link", "set", eth, "up")
		}
		l.proxyBroker(h.ns)
	}
	l.consume()
	for _, h := range l.hosts {
		l.start(h, bin, o)
	}
	return l
}

// labGossipKey encrypts the lab's memberlist traffic, as production should.
const labGossipKey = "bGF6YXJ1cy1sYWItZ29zc2lwLWtleS0zMi1ieXRlcyE="

func (l *lab) cleanup() {
	for _, h := range l.hosts {
		l.kill(h)
	}
	for _, h := range l.hosts {
		_ = exec.Command("ip", "netns", "del", h.ns).Run()
	}
	_ = exec.Command("ip", "netns", "del", l.sw).Run()
	if conn, err := amqp.Dial(l.url); err == nil {
		if ch, err := conn.Channel(); err == nil {
			_, _ = ch.QueueDelete(l.queue, false, false, false)
		}
		conn.Close()
	}
	if l.t.Failed() {
		for _, h := range l.hosts {
			h.mu.Lock()
			for _, line := range h.raw {
				if !strings.Contains(line, `"level":"DEBUG"`) {
					l.t.Logf("%s: %s", h.name, line)
				}
			}
			h.mu.Unlock()
		}
	}
}

// listenInNetns opens a TCP listener inside the named network namespace.
// The goroutine locks its thread, switches it into the namespace and exits
// without unlocking, so the runtime throws the thread away afterwards.
func listenInNetns(ns, addr string) (net.Listener, error) {
	type result struct {
		l   net.Listener
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open("/run/netns/" + ns)
		if err != nil {
			ch <- result{err: err}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{err: fmt.Errorf("setns: %w", err)}
			return
		}
		l, err := net.Listen("tcp", addr)
		ch <- result{l, err}
	}()
	r := <-ch
	return r.l, r.err
}

func (l *lab) proxyBroker(ns string) {
	ln, err := listenInNetns(ns, "127.0.0.1:5672")
	require.NoError(l.t, err)
	l.t.Cleanup(func() { ln.Close() })
	u, err := amqp.ParseURI(l.url)
	require.NoError(l.t, err)
	target := net.JoinHostPort(u.Host, strconv.Itoa(u.Port))
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer up.Close()
				go func() { _, _ = io.Copy(up, c); up.Close() }()
				_, _ = io.Copy(c, up)
			}()
		}
	}()
}

// nsURL is the broker URL as seen from inside a host namespace: the same
// credentials and vhost, through the proxy on 127.0.0.1:5672.
func (l *lab) nsURL() string {
	u, err := amqp.ParseURI(l.url)
	require.NoError(l.t, err)
	u.Host, u.Port = "127.0.0.1", 5672
	return u.String()
}

func (l *lab) start(h *labHost, bin string, o labOptions) {
	var nets, peers []string
	for nic, name := range []string{"mgmt", "storage"} {
		nets = append(nets, fmt.Sprintf("%s=10.231.%d.%d:7946", name, nic, h.idx))
		for _, p := range l.hosts {
			if p != h {
				peers = append(peers, fmt.Sprintf("%s=10.231.%d.%d:7946", name, nic, p.idx))
			}
		}
	}
	if o.probeInterval == "" {
		o.probeInterval = "500ms"
	}
	if o.isolation == "" {
		o.isolation = "10.231.0.254:9,10.231.1.254:9"
	}
	conf := fmt.Sprintf(`[DEFAULT]
host = %s
transport_url = %s
notification_queue = %s
debug = true

[monitors]
spool_dir = %s

[hostmonitor]
networks = %s
peers = %s
isolation_addresses = %s
isolation_timeout = 2s
isolation_action = touch %s
probe_interval = %s
gossip_key = %s
%s`, h.name, l.nsURL(), l.queue, filepath.Join(l.dir, h.name, "spool"), strings.Join(nets, ","), strings.Join(peers, ","),
		o.isolation, l.isolationMarker(h), o.probeInterval, labGossipKey, o.extra)
	path := filepath.Join(l.dir, h.name+".conf")
	require.NoError(l.t, os.MkdirAll(filepath.Join(l.dir, h.name), 0o700))
	require.NoError(l.t, os.WriteFile(path, []byte(conf), 0o600))
	h.cmd = exec.Command("ip", "netns", "exec", h.ns, bin, "-config", path)
	h.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := h.cmd.StderrPipe()
	require.NoError(l.t, err)
	require.NoError(l.t, h.cmd.Start())
	h.done = make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var m map[string]any
			_ = json.Unmarshal(sc.Bytes(), &m)
			h.mu.Lock()
			h.raw = append(h.raw, sc.Text())
			if m != nil {
				h.logs = append(h.logs, m)
			}
			h.mu.Unlock()
		}
		_ = h.cmd.Wait()
		close(h.done)
	}()
}

func (l *lab) kill(h *labHost) {
	if h.cmd == nil || h.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-h.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-h.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-h.cmd.Process.Pid, syscall.SIGKILL)
		<-h.done
	}
}

// crash kills host h's monitor with SIGKILL, as a host that dies does not
// say goodbye either.
func (l *lab) crash(h *labHost) {
	_ = syscall.Kill(-h.cmd.Process.Pid, syscall.SIGKILL)
	<-h.done
}

func (l *lab) isolationMarker(h *labHost) string {
	return filepath.Join(l.dir, h.name, "isolation-action-ran")
}

// link sets host h's cable on network nic (0 mgmt, 1 storage) up or down.
func (l *lab) link(h *labHost, nic int, up bool) {
	state := "down"
	if up {
		state = "up"
	}
	ipCmd(l.t, "-n", l.sw, "link", "set", fmt.Sprintf("h%d%c", h.idx, 'a'+nic), state)
}

func (l *lab) consume() {
	conn, err := amqp.Dial(l.url)
	require.NoError(l.t, err)
	l.t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	require.NoError(l.t, err)
	_, err = ch.QueueDeclare(l.queue, true, false, false, false, amqp.Table{"x-queue-type": "quorum"})
	require.NoError(l.t, err)
	ds, err := ch.Consume(l.queue, "", true, false, false, false, nil)
	require.NoError(l.t, err)
	go func() {
		for d := range ds {
			e, err := event.Decode(d.Body)
			if err != nil {
				continue
			}
			l.mu.Lock()
			l.events = append(l.events, e)
			l.arrived = append(l.arrived, time.Now())
			l.mu.Unlock()
			select {
			case l.newEv <- struct{}{}:
			default:
			}
		}
	}()
}

// eventsWhere returns the events received so far that match.
func (l *lab) eventsWhere(match func(*event.Event) bool) []*event.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*event.Event
	for _, e := range l.events {
		if match(e) {
			out = append(out, e)
		}
	}
	return out
}

// waitEvent waits until an event matching arrives and returns its arrival.
func (l *lab) waitEvent(timeout time.Duration, what string, match func(*event.Event) bool) (*event.Event, time.Time) {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		l.mu.Lock()
		for i, e := range l.events {
			if match(e) {
				at := l.arrived[i]
				l.mu.Unlock()
				return e, at
			}
		}
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			l.t.Fatalf("timed out after %s waiting for %s", timeout, what)
		case <-l.newEv:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitLog waits until host h logged a line that matches.
func (l *lab) waitLog(h *labHost, timeout time.Duration, what string, match func(map[string]any) bool) {
	l.t.Helper()
	l.waitLogAfter(h, 0, timeout, what, match)
}

func (h *labHost) logCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.logs)
}

// waitLogAfter waits until host h logged a matching line after its first
// skip lines.
func (l *lab) waitLogAfter(h *labHost, skip int, timeout time.Duration, what string, match func(map[string]any) bool) {
	l.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		h.mu.Lock()
		for _, m := range h.logs[skip:] {
			if match(m) {
				h.mu.Unlock()
				return
			}
		}
		h.mu.Unlock()
		select {
		case <-h.done:
			l.t.Fatalf("%s exited while waiting for %s", h.name, what)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("timed out after %s waiting for %s on %s", timeout, what, h.name)
		}
	}
}

func statusLog(peer, status string) func(map[string]any) bool {
	return func(m map[string]any) bool {
		return m["msg"] == "peer status changed" && m["peer"] == peer && m["status"] == status
	}
}

func hostEvent(observer, hostname, ev string) func(*event.Event) bool {
	return func(e *event.Event) bool {
		return e.Observer == observer && e.Notification.Hostname == hostname &&
			e.Notification.Type == event.TypeComputeHost && e.Notification.Payload["event"] == ev
	}
}

// waitAllUp waits until every host sees every other host up.
func (l *lab) waitAllUp(timeout time.Duration) {
	for _, h := range l.hosts {
		for _, p := range l.hosts {
			if p != h {
				l.waitLog(h, timeout, p.name+" up", statusLog(p.name, "up"))
			}
		}
	}
}

// lastStatusAfter is the last status h logged for peer after its first
// skip log lines, or "" if none.
func (h *labHost) lastStatusAfter(skip int, peer string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	last := ""
	for _, m := range h.logs[skip:] {
		if m["msg"] == "peer status changed" && m["peer"] == peer {
			last, _ = m["status"].(string)
		}
	}
	return last
}

func (l *lab) waitCond(timeout time.Duration, what string, cond func() bool) {
	l.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			l.t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
