package process

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
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
	// ListPath is the process_list.yaml file.
	ListPath string
	// CheckInterval is how often processes are looked for. Default 5s.
	CheckInterval time.Duration
	// RestartRetries is how many restarts follow the first one before
	// STOPPED is sent. Default 3 (Masakari's restart_retries).
	RestartRetries int
	// RestartInterval is the wait after each restart before looking
	// again. Default 5s.
	RestartInterval time.Duration
	// CommandTimeout bounds one command. Default 2m.
	CommandTimeout time.Duration
	// ProcRoot is /proc unless a test says otherwise.
	ProcRoot string
}

// Monitor keeps the listed processes running.
type Monitor struct {
	cfg   Config
	pub   Publisher
	log   *slog.Logger
	file  listFile
	state map[string]*procState
	self  int

	mRestarts *prometheus.CounterVec
	mDown     *prometheus.GaugeVec
	mRejected prometheus.Counter
}

type procState struct {
	reported bool // STOPPED sent, not yet seen running again
}

// New loads the process list (which must be valid) and returns a Monitor.
func New(cfg Config, pub Publisher, log *slog.Logger, reg prometheus.Registerer) (*Monitor, error) {
	if cfg.CheckInterval <= 0 {
		cfg.CheckInterval = 5 * time.Second
	}
	if cfg.RestartRetries < 0 {
		cfg.RestartRetries = 0
	}
	if cfg.RestartInterval < 0 {
		cfg.RestartInterval = 0
	}
	if cfg.CommandTimeout <= 0 {
		cfg.CommandTimeout = 2 * time.Minute
	}
	if cfg.ProcRoot == "" {
		cfg.ProcRoot = "/proc"
	}
	m := &Monitor{
		cfg: cfg, pub: pub, log: log.With("component", "processmonitor"),
		file: listFile{path: cfg.ListPath}, state: map[string]*procState{}, self: os.Getpid(),
		mRestarts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lazarus_processmonitor_restarts_total", Help: "Restart attempts, by process and result."}, []string{"process", "result"}),
		mDown: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "lazarus_processmonitor_process_down", Help: "1 while a process is reported STOPPED."}, []string{"process"}),
		mRejected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lazarus_processmonitor_list_rejected_total", Help: "Times a changed process list was rejected."}),
	}
	if reg != nil {
		reg.MustRegister(m.mRestarts, m.mDown, m.mRejected)
	}
	if _, err := m.file.reload(); err != nil {
		return nil, fmt.Errorf("load %s: %w", cfg.ListPath, err)
	}
	return m, nil
}

// Run starts missing processes once, then checks until ctx ends.
func (m *Monitor) Run(ctx context.Context) error {
	m.log.Info("process list loaded", "path", m.cfg.ListPath, "processes", len(m.file.list))
	m.startMissing(ctx)
	t := time.NewTicker(m.cfg.CheckInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if err := m.runOnce(ctx); err != nil {
			m.log.Error("check processes", "err", err)
		}
	}
}

func (m *Monitor) running(name string) (bool, error) {
	procs, err := scanProc(m.cfg.ProcRoot)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", m.cfg.ProcRoot, err)
	}
	return len(findProcess(procs, name, m.self)) > 0, nil
}

func (m *Monitor) startMissing(ctx context.Context) {
	for _, p := range m.file.list {
		up, err := m.running(p.ProcessName)
		if err != nil || up {
			continue
		}
		m.log.Info("process not running at start, starting it", "process", p.ProcessName)
		m.runSequence(ctx, p, p.PreStartCommand, p.StartCommand, p.PostStartCommand)
	}
}

func (m *Monitor) runOnce(ctx context.Context) error {
	changed, err := m.file.reload()
	switch {
	case err != nil:
		m.mRejected.Inc()
		m.log.Error("process list rejected, keeping the last good one", "path", m.cfg.ListPath, "err", err)
	case changed:
		m.log.Info("process list reloaded", "path", m.cfg.ListPath, "processes", len(m.file.list))
	}
	procs, err := scanProc(m.cfg.ProcRoot)
	if err != nil {
		return fmt.Errorf("read %s: %w", m.cfg.ProcRoot, err)
	}
	for _, p := range m.file.list {
		if ctx.Err() != nil {
			return nil
		}
		st := m.state[p.ProcessName]
		if st == nil {
			st = &procState{}
			m.state[p.ProcessName] = st
		}
		if len(findProcess(procs, p.ProcessName, m.self)) > 0 {
			if st.reported && m.notify(ctx, p, event.EventStarted) {
				st.reported = false
				m.mDown.WithLabelValues(p.ReportedName()).Set(0)
			}
			continue
		}
		if st.reported {
			continue // given up; waiting for it to be seen running
		}
		if m.restart(ctx, p) {
			continue
		}
		if ctx.Err() != nil {
			return nil
		}
		if m.notify(ctx, p, event.EventStopped) {
			st.reported = true
			m.mDown.WithLabelValues(p.ReportedName()).Set(1)
		}
	}
	return nil
}

// restart tries 1+RestartRetries times and reports whether the process
// runs again.
func (m *Monitor) restart(ctx context.Context, p Process) bool {
	for attempt := 1; attempt <= 1+m.cfg.RestartRetries; attempt++ {
		m.log.Warn("process not running, restarting", "process", p.ProcessName, "attempt", attempt)
		m.runSequence(ctx, p, p.PreRestartCommand, p.RestartCommand, p.PostRestartCommand)
		t := time.NewTimer(m.cfg.RestartInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		up, err := m.running(p.ProcessName)
		if err != nil {
			m.log.Error("check restarted process", "process", p.ProcessName, "err", err)
		}
		if up {
			m.mRestarts.WithLabelValues(p.ReportedName(), "ok").Inc()
			m.log.Info("process restarted", "process", p.ProcessName, "attempt", attempt)
			return true
		}
		m.mRestarts.WithLabelValues(p.ReportedName(), "failed").Inc()
	}
	m.log.Error("process could not be restarted", "process", p.ProcessName, "attempts", 1+m.cfg.RestartRetries)
	return false
}

// runSequence runs pre, main and post; a failing pre or main command stops
// the sequence.
func (m *Monitor) runSequence(ctx context.Context, p Process, pre, main, post string) {
	for _, c := range []string{pre, main, post} {
		if strings.TrimSpace(c) == "" {
			continue
		}
		if err := m.command(ctx, c, p.RunAsRoot); err != nil {
			m.log.Error("command failed", "process", p.ProcessName, "command", c, "err", err)
			if c != post {
				return
			}
		}
	}
}

func (m *Monitor) command(ctx context.Context, line string, asRoot bool) error {
	args := strings.Fields(line)
	if asRoot && os.Geteuid() != 0 {
		args = append([]string{"sudo", "-n"}, args...)
	}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.CommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// A start command that daemonizes leaves a child holding our pipes;
	// do not wait for it to close them.
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if errors.Is(err, exec.ErrWaitDelay) {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(limit(out.String(), 512)))
	}
	m.log.Debug("command done", "command", line, "output", limit(out.String(), 512))
	return nil
}

func limit(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (m *Monitor) notify(ctx context.Context, p Process, ev string) bool {
	e := publish.NewEvent(event.MonitorProcess, m.cfg.Host, event.Notification{
		Type: event.TypeProcess, Hostname: m.cfg.Host,
		Payload: map[string]string{"event": ev, "process_name": p.ReportedName()},
	})
	if ev == event.EventStopped {
		e.Evidence = &event.Evidence{Detail: fmt.Sprintf("%q not found in /proc after %d restart attempts", p.ProcessName, 1+m.cfg.RestartRetries)}
	}
	if err := m.pub.Publish(ctx, e); err != nil {
		m.log.Error("publish process event", "process", p.ProcessName, "event", ev, "err", err)
		return false
	}
	m.log.Info("process event published", "process", p.ProcessName, "event", ev, "event_id", e.ID)
	return true
}
