package instance

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lazarus-ha/lazarus/monitors/event"
	"github.com/lazarus-ha/lazarus/monitors/publish"
)

// Publisher is what the monitor needs to send an event.
type Publisher interface {
	Publish(ctx context.Context, e *event.Event) error
}

// Config configures a Monitor.
type Config struct {
	// Host is this node's name as Nova knows it.
	Host string
	// URI is the libvirt connection URI. Default qemu:///system.
	URI string
	// Virsh is the virsh binary. Default "virsh".
	Virsh string
	// ReconnectInterval is the wait before restarting the stream. Default 3s.
	ReconnectInterval time.Duration
	// WatchdogInterval is how often libvirtd is probed. Default 30s.
	WatchdogInterval time.Duration
	// CommandTimeout bounds one short virsh call (probe, domuuid). Default 10s.
	CommandTimeout time.Duration
}

// Monitor streams libvirt events and publishes VM notifications.
type Monitor struct {
	cfg Config
	pub Publisher
	log *slog.Logger

	mu      sync.Mutex
	uuids   map[string]string // domain name → UUID
	pending []pendingEvent    // forwarded events waiting for their UUID

	mStreams   prometheus.Counter
	mLines     *prometheus.CounterVec
	mProbeFail prometheus.Counter
	mEvents    *prometheus.CounterVec
}

// New returns a Monitor. reg may be nil.
func New(cfg Config, pub Publisher, log *slog.Logger, reg prometheus.Registerer) *Monitor {
	if cfg.URI == "" {
		cfg.URI = "qemu:///system"
	}
	if cfg.Virsh == "" {
		cfg.Virsh = "virsh"
	}
	if cfg.ReconnectInterval <= 0 {
		cfg.ReconnectInterval = 3 * time.Second
	}
	if cfg.WatchdogInterval <= 0 {
		cfg.WatchdogInterval = 30 * time.Second
	}
	if cfg.CommandTimeout <= 0 {
		cfg.CommandTimeout = 10 * time.Second
	}
	m := &Monitor{
		cfg: cfg, pub: pub, log: log.With("component", "instancemonitor", "uri", cfg.URI),
		uuids: map[string]string{},
		mStreams: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lazarus_instancemonitor_streams_started_total", Help: "Times the virsh event stream was (re)started."}),
		mLines: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lazarus_instancemonitor_lines_total", Help: "virsh output lines, by result (event, other, parse_error)."}, []string{"result"}),
		mProbeFail: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lazarus_instancemonitor_watchdog_failures_total", Help: "Failed or hung libvirtd probes."}),
		mEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lazarus_instancemonitor_notifications_total", Help: "VM notifications published, by event."}, []string{"event"}),
	}
	if reg != nil {
		reg.MustRegister(m.mStreams, m.mLines, m.mProbeFail, m.mEvents)
	}
	return m
}

// Run supervises the event stream until ctx ends.
func (m *Monitor) Run(ctx context.Context) error {
	for {
		reason := m.stream(ctx)
		if ctx.Err() != nil {
			return nil
		}
		m.log.Warn("event stream ended, restarting", "reason", reason, "retry_in", m.cfg.ReconnectInterval)
		t := time.NewTimer(m.cfg.ReconnectInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

var disconnectedRe = regexp.MustCompile(`Disconnected from .* due to|failed to connect to the hypervisor|End of file while reading data`)

// stream runs one `virsh event --all --loop` and returns why it ended.
// Whatever ends it (virsh reporting a lost connection, the watchdog,
// shutdown) kills virsh and then reads its output to the end, so events
// virsh printed before it died are still published.
func (m *Monitor) stream(ctx context.Context) string {
	cmd := exec.Command(m.cfg.Virsh, "-r", "-c", m.cfg.URI, "event", "--all", "--loop")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err.Error()
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err.Error()
	}
	if err := cmd.Start(); err != nil {
		return fmt.Sprintf("start %s: %v", m.cfg.Virsh, err)
	}
	m.mStreams.Inc()
	m.log.Info("event stream started", "pid", cmd.Process.Pid)

	var once sync.Once
	reason := "virsh closed its output"
	stop := func(why string) {
		once.Do(func() {
			reason = why
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		})
	}
	wctx, wcancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			m.log.Warn("virsh said", "line", line)
			if disconnectedRe.MatchString(line) {
				stop("virsh lost its libvirt connection: " + line)
			}
		}
	}()
	go func() { defer wg.Done(); m.watchdog(wctx, stop) }()
	go func() {
		defer wg.Done()
		<-wctx.Done()
		if ctx.Err() != nil {
			stop("shutting down")
		}
	}()
	m.refreshUUIDs(ctx)
	m.retryPending(ctx)
	m.readEvents(ctx, stdout)
	stop("virsh closed its output")
	wcancel()
	_ = cmd.Wait()
	wg.Wait()
	return reason
}

func (m *Monitor) readEvents(ctx context.Context, r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		l, err := ParseLine(line)
		if err != nil {
			m.mLines.WithLabelValues("parse_error").Inc()
			m.log.Error("unparsable virsh output", "err", err)
			continue
		}
		if l.Kind != KindEvent {
			m.mLines.WithLabelValues("other").Inc()
			continue
		}
		m.mLines.WithLabelValues("event").Inc()
		n, forward, err := Map(l)
		if err != nil {
			m.mLines.WithLabelValues("parse_error").Inc()
			m.log.Error("unexpected virsh event", "domain", l.Domain, "err", err)
			continue
		}
		m.log.Debug("libvirt event", "domain", l.Domain, "type", l.Type, "detail", l.Detail, "forward", forward)
		if !forward {
			// Learn the UUID of a new domain now (Defined, Started, …),
			// while libvirtd certainly answers, rather than at its crash.
			_, _ = m.uuidOf(ctx, l.Domain)
			continue
		}
		m.publish(ctx, pendingEvent{line: l, n: n})
	}
}

// pendingEvent is a forwarded event whose domain UUID is not known yet.
type pendingEvent struct {
	line Line
	n    Notification
}

// maxPending bounds the events kept for a UUID lookup after reconnecting.
const maxPending = 1000

func (m *Monitor) publish(ctx context.Context, p pendingEvent) {
	l, n := p.line, p.n
	uuid, err := m.uuidOf(ctx, l.Domain)
	if err != nil {
		m.mu.Lock()
		if len(m.pending) < maxPending {
			m.pending = append(m.pending, p)
		}
		m.mu.Unlock()
		m.log.Error("cannot find the domain's UUID yet; event kept for after reconnecting", "domain", l.Domain,
			"event", n.Event, "vir_domain_event", n.VirDomainEvent, "err", err)
		return
	}
	e := publish.NewEvent(event.MonitorInstance, m.cfg.Host, event.Notification{
		Type: event.TypeVM, Hostname: m.cfg.Host,
		Payload: map[string]string{"event": n.Event, "instance_uuid": uuid, "vir_domain_event": n.VirDomainEvent},
	})
	e.Evidence = &event.Evidence{Detail: fmt.Sprintf("libvirt %s event for domain %s: %s", l.Type, l.Domain, l.Detail)}
	// Publish only spools; it does not wait for the broker.
	if err := m.pub.Publish(context.WithoutCancel(ctx), e); err != nil {
		m.log.Error("publish VM event", "domain", l.Domain, "err", err)
		return
	}
	m.mEvents.WithLabelValues(n.Event).Inc()
	m.log.Info("VM event published", "domain", l.Domain, "instance_uuid", uuid, "event", n.Event,
		"vir_domain_event", n.VirDomainEvent, "event_id", e.ID)
}

// retryPending publishes events whose UUID lookup failed before; one whose
// domain still cannot be found (it no longer exists) is dropped.
func (m *Monitor) retryPending(ctx context.Context) {
	m.mu.Lock()
	pending := m.pending
	m.pending = nil
	m.mu.Unlock()
	for _, p := range pending {
		if _, err := m.uuidOf(ctx, p.line.Domain); err != nil {
			m.log.Error("domain UUID still unknown; event dropped", "domain", p.line.Domain,
				"event", p.n.Event, "vir_domain_event", p.n.VirDomainEvent, "err", err)
			continue
		}
		m.publish(ctx, p)
	}
}

// watchdog probes libvirtd. A failed or hung probe means the stream may be
// on a dead connection: once libvirtd answers again the stream is
// restarted so that its callbacks are registered on a live connection.
func (m *Monitor) watchdog(ctx context.Context, stop func(string)) {
	t := time.NewTicker(m.cfg.WatchdogInterval)
	defer t.Stop()
	failed := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_, err := m.virsh(ctx, "uri")
		if ctx.Err() != nil {
			return
		}
		switch {
		case err != nil:
			m.mProbeFail.Inc()
			if !failed {
				m.log.Warn("libvirtd probe failed; the event stream will be restarted when it answers", "err", err)
			}
			failed = true
		case failed:
			stop("libvirtd answers again after a failed probe")
			return
		}
	}
}

func (m *Monitor) virsh(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.CommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, m.cfg.Virsh, append([]string{"-r", "-c", m.cfg.URI}, args...)...)
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("virsh %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("virsh %s: %w", strings.Join(args, " "), err)
	}
	return string(out), nil
}

var uuidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func (m *Monitor) uuidOf(ctx context.Context, name string) (string, error) {
	m.mu.Lock()
	u, ok := m.uuids[name]
	m.mu.Unlock()
	if ok {
		return u, nil
	}
	out, err := m.virsh(ctx, "domuuid", name)
	if err != nil {
		return "", err
	}
	u = strings.TrimSpace(out)
	if !uuidRe.MatchString(u) {
		return "", fmt.Errorf("virsh domuuid %s printed %q, not a UUID", name, truncate(u, 80))
	}
	m.mu.Lock()
	m.uuids[name] = u
	m.mu.Unlock()
	return u, nil
}

// refreshUUIDs learns the UUIDs of all defined domains, so that an event
// for a domain that is undefined right after (a transient domain) can still
// be attributed.
func (m *Monitor) refreshUUIDs(ctx context.Context) {
	out, err := m.virsh(ctx, "list", "--all", "--name")
	if err != nil {
		m.log.Warn("list domains", "err", err)
		return
	}
	for _, name := range strings.Split(out, "\n") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if _, err := m.uuidOf(ctx, name); err != nil {
			m.log.Warn("look up domain UUID", "domain", name, "err", err)
		}
	}
}
