//go:build libvirt

package instance

// A test against a real libvirtd (Debian 12: libvirt-daemon-system,
// qemu-system-x86), run with `go test -tags libvirt ./monitors/instance`.
// It is behind a build tag because `make test`'s services script does not
// install libvirt. The test runs its own libvirtd with its own socket
// directory, inside a network namespace it creates, so it neither uses nor
// disturbs a system libvirtd, and any libvirt network it might start lives
// and dies with that namespace. The domain has no disk and no NIC and runs
// under TCG.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/monitors/event"
	"github.com/lazarus-ha/lazarus/monitors/publish"
)

type libvirtLab struct {
	t       *testing.T
	dir     string
	ns      string
	uri     string
	conf    string
	daemon  *exec.Cmd
	dDone   chan struct{}
	virtlog *exec.Cmd
}

func startLibvirtLab(t *testing.T) *libvirtLab {
	for _, bin := range []string{"libvirtd", "virtlogd", "virsh", "qemu-system-x86_64", "ip"} {
		_, err := exec.LookPath(bin)
		require.NoError(t, err, "%s is required (apt-get install libvirt-daemon-system libvirt-clients qemu-system-x86)", bin)
	}
	require.Equal(t, 0, os.Geteuid(), "the libvirt test needs root")
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	// A short directory: unix socket paths are limited to 108 bytes.
	dir, err := os.MkdirTemp("", "lzlv-")
	require.NoError(t, err)
	l := &libvirtLab{t: t, dir: dir, ns: "lzt" + id + "lv"}
	t.Cleanup(l.cleanup)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "sock"), 0o700))
	l.conf = filepath.Join(dir, "libvirtd.conf")
	require.NoError(t, os.WriteFile(l.conf, []byte(fmt.Sprintf(`unix_sock_dir = %q
unix_sock_ro_perms = "0700"
unix_sock_rw_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:file:%s/libvirtd.log"
`, filepath.Join(dir, "sock"), dir)), 0o600))
	l.uri = "qemu+unix:///system?socket=" + filepath.Join(dir, "sock", "libvirt-sock")
	out, err := exec.Command("ip", "netns", "add", l.ns).CombinedOutput()
	require.NoError(t, err, "%s", out)

	// qemu domains log through virtlogd; start one unless one answers.
	if c, err := net.Dial("unix", "/run/libvirt/virtlogd-sock"); err == nil {
		c.Close()
	} else {
		l.virtlog = exec.Command("virtlogd")
		l.virtlog.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		require.NoError(t, l.virtlog.Start())
		go func(c *exec.Cmd) { _ = c.Wait() }(l.virtlog)
	}
	l.startDaemon()
	return l
}

func (l *libvirtLab) startDaemon() {
	l.daemon = exec.Command("ip", "netns", "exec", l.ns, "libvirtd", "--config", l.conf, "--pid-file", filepath.Join(l.dir, "libvirtd.pid"))
	l.daemon.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(l.t, l.daemon.Start())
	l.dDone = make(chan struct{})
	go func(c *exec.Cmd, done chan struct{}) { _ = c.Wait(); close(done) }(l.daemon, l.dDone)
	deadline := time.Now().Add(30 * time.Second)
	for exec.Command("virsh", "-c", l.uri, "uri").Run() != nil {
		require.True(l.t, time.Now().Before(deadline), "libvirtd did not answer; see %s/libvirtd.log", l.dir)
		time.Sleep(100 * time.Millisecond)
	}
}

func (l *libvirtLab) stopDaemon() {
	if l.daemon == nil {
		return
	}
	_ = syscall.Kill(-l.daemon.Process.Pid, syscall.SIGTERM)
	select {
	case <-l.dDone:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-l.daemon.Process.Pid, syscall.SIGKILL)
		<-l.dDone
	}
	l.daemon = nil
}

func (l *libvirtLab) virsh(args ...string) string {
	l.t.Helper()
	out, err := exec.Command("virsh", append([]string{"-c", l.uri}, args...)...).CombinedOutput()
	require.NoError(l.t, err, "virsh %s: %s", strings.Join(args, " "), out)
	return string(out)
}

func (l *libvirtLab) cleanup() {
	if l.daemon != nil {
		out, _ := exec.Command("virsh", "-c", l.uri, "list", "--all", "--name").Output()
		for _, name := range strings.Fields(string(out)) {
			if strings.HasPrefix(name, "lazarus-test-") {
				_ = exec.Command("virsh", "-c", l.uri, "destroy", name).Run()
				_ = exec.Command("virsh", "-c", l.uri, "undefine", name).Run()
			}
		}
	}
	l.stopDaemon()
	if l.virtlog != nil {
		_ = syscall.Kill(-l.virtlog.Process.Pid, syscall.SIGTERM)
	}
	_ = exec.Command("ip", "netns", "del", l.ns).Run()
	if l.t.Failed() {
		if log, err := os.ReadFile(filepath.Join(l.dir, "libvirtd.log")); err == nil {
			l.t.Logf("libvirtd.log (tail):\n%s", tail(string(log), 4000))
		}
	}
	os.RemoveAll(l.dir)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// defineAndStart defines a disk-less TCG domain and starts it.
func (l *libvirtLab) defineAndStart(name, uuid string) {
	xml := fmt.Sprintf(`<domain type='qemu'>
  <name>%s</name>
  <uuid>%s</uuid>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <memballoon model='none'/>
  </devices>
  <seclabel type='none'/>
</domain>`, name, uuid)
	path := filepath.Join(l.dir, name+".xml")
	require.NoError(l.t, os.WriteFile(path, []byte(xml), 0o600))
	l.virsh("define", path)
	l.start(name)
}

func (l *libvirtLab) start(name string) {
	l.virsh("start", name)
}

// killQemu kills the domain's qemu with SIGKILL: the domain crashes.
func (l *libvirtLab) killQemu(name string) {
	data, err := os.ReadFile(filepath.Join("/run/libvirt/qemu", name+".pid"))
	require.NoError(l.t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	require.NoError(l.t, err)
	require.NoError(l.t, syscall.Kill(pid, syscall.SIGKILL))
}

// A domain whose qemu is killed produces LIFECYCLE/STOPPED_FAILED on the
// broker; after libvirtd restarts the monitor reconnects and catches the
// next crash too.
func TestRealLibvirtdDomainKilled(t *testing.T) {
	url := os.Getenv("TEST_RABBITMQ_URL")
	if url == "" {
		url = "amqp://guest:guest@127.0.0.1:5672/"
	}
	conn, err := amqp.Dial(url)
	require.NoError(t, err, "RabbitMQ is required")
	defer conn.Close()
	queue := "lazarus.test.libvirt." + hex.EncodeToString([]byte(t.Name()))[:8] + strconv.Itoa(os.Getpid())
	t.Cleanup(func() {
		if ch, err := conn.Channel(); err == nil {
			_, _ = ch.QueueDelete(queue, false, false, false)
		}
	})

	l := startLibvirtLab(t)
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	spool, err := publish.OpenSpool(t.TempDir(), 100, log)
	require.NoError(t, err)
	sender, err := publish.NewAMQPSender(publish.AMQPConfig{URL: url, Queue: queue}, log)
	require.NoError(t, err)
	pub := publish.New(publish.Config{}, spool, sender, log, nil)
	mon := New(Config{Host: "compute-1", URI: l.uri, ReconnectInterval: 200 * time.Millisecond, WatchdogInterval: time.Second}, pub, log, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { _ = pub.Run(ctx); done <- struct{}{} }()
	go func() { _ = mon.Run(ctx); done <- struct{}{} }()
	defer func() { cancel(); <-done; <-done }()

	ch, err := conn.Channel()
	require.NoError(t, err)
	waitVM := func(uuid, vde string) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			d, ok, err := ch.Get(queue, true)
			if err == nil && ok {
				e, err := event.Decode(d.Body)
				require.NoError(t, err)
				t.Logf("received %s %v", e.Notification.Type, e.Notification.Payload)
				if e.Notification.Type == event.TypeVM && e.Notification.Payload["instance_uuid"] == uuid &&
					e.Notification.Payload["vir_domain_event"] == vde {
					require.Equal(t, "LIFECYCLE", e.Notification.Payload["event"])
					return
				}
				continue
			}
			require.True(t, time.Now().Before(deadline), "no VM %s event for %s", vde, uuid)
			time.Sleep(100 * time.Millisecond)
		}
	}

	name, uuid := "lazarus-test-"+hex.EncodeToString([]byte{byte(os.Getpid())}), "6f1c2a8e-2222-4000-8000-00000000000a"
	// The queue exists once the publisher has sent something; declare it
	// here so Get works before that.
	_, err = ch.QueueDeclare(queue, true, false, false, false, amqp.Table{"x-queue-type": "quorum"})
	require.NoError(t, err)
	time.Sleep(time.Second) // let the stream register before the first event
	l.defineAndStart(name, uuid)
	time.Sleep(time.Second)
	l.killQemu(name)
	waitVM(uuid, "STOPPED_FAILED")

	// libvirtd restarts: the stream must follow.
	l.stopDaemon()
	l.startDaemon()
	time.Sleep(3 * time.Second) // reconnect interval plus stream start
	l.start(name)
	time.Sleep(time.Second)
	l.killQemu(name)
	waitVM(uuid, "STOPPED_FAILED")
}
