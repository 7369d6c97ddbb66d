// Command lazarus-engine consumes monitor events, runs the host, instance
// and process recoveries, and the leader's periodic tasks.
//
//	lazarus-engine --config /etc/lazarus/lazarus.conf
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/lazarus-ha/lazarus/cmd/internal/config"
	"github.com/lazarus-ha/lazarus/cmd/internal/daemon"
	"github.com/lazarus-ha/lazarus/cmd/internal/fencewire"
	"github.com/lazarus-ha/lazarus/engine/brake"
	"github.com/lazarus-ha/lazarus/engine/heartbeat"
	"github.com/lazarus-ha/lazarus/engine/intake"
	"github.com/lazarus-ha/lazarus/engine/leader"
	"github.com/lazarus-ha/lazarus/engine/metrics"
	"github.com/lazarus-ha/lazarus/engine/recovery"
	"github.com/lazarus-ha/lazarus/engine/workflow"
	"github.com/lazarus-ha/lazarus/fencing/secret"
	"github.com/lazarus-ha/lazarus/openstack/nova"
	"github.com/lazarus-ha/lazarus/store"
)

func main() { os.Exit(run()) }

func run() int {
	path := flag.String("config", config.DefaultPath, "configuration file")
	flag.Parse()
	cfg, err := config.Load(*path, "database.connection", "DEFAULT.transport_url", "nova.auth_url")
	if err != nil {
		fmt.Fprintln(os.Stderr, "lazarus-engine:", err)
		return 2
	}
	log := daemon.NewLogger(cfg, "lazarus-engine")
	ctx, stop := daemon.SignalContext()
	defer stop()
	if err := serve(ctx, cfg); err != nil {
		log.Error("lazarus-engine stopped", "err", err)
		return 1
	}
	return 0
}

// EngineID names this engine in leases and journals.
func engineID(cfg *config.Config) string {
	if cfg.Engine.EngineID != "" {
		return cfg.Engine.EngineID
	}
	h, _ := os.Hostname()
	return fmt.Sprintf("%s-%d", h, os.Getpid())
}

// FlowsConfig maps the configuration onto the flows' options.
func flowsConfig(cfg *config.Config) recovery.Config {
	d, hf := cfg.Default, cfg.HostFailure
	return recovery.Config{
		Select: recovery.SelectOptions{HAKey: hf.HAEnabledInstanceMetadataKey, EvacuateAll: hf.EvacuateAllInstances,
			IgnoreErrorInstances: hf.IgnoreInstancesInErrorState, PriorityKey: hf.PriorityMetadataKey},
		AddReservedHostToAggregate: hf.AddReservedHostToAggregate,
		HostDisableReason:          hf.ServiceDisableReason,
		EvacuateAttempts:           hf.EvacuateAttempts,
		Threads:                    d.HostFailureRecoveryThreads,
		MaxEvacuationsPerTarget:    hf.MaxEvacuationsPerTarget,
		MaxEvacuationsInFlight:     cfg.Engine.MaxEvacuationsInFlight,
		Ratios:                     recovery.Ratios{CPU: hf.CPUAllocationRatio, RAM: hf.RAMAllocationRatio, Disk: hf.DiskAllocationRatio},
		RequireFencing:             cfg.Fencing.RequireFencing,
		Brake: brake.Limits{MaxFailedHostRatio: hf.MaxFailedHostRatio, MinHostsForRatio: hf.MinHostsForRatio,
			MaxFencesPerWindow: hf.MaxFencesPerWindow, Window: hf.FailureWindow},
		InstanceProcessAll:     cfg.InstanceFailure.ProcessAllInstances,
		InstanceHAKey:          cfg.InstanceFailure.HAEnabledInstanceMetadataKey,
		ProcessDisableReason:   cfg.ProcessFailure.ServiceDisableReason,
		VerifyInterval:         d.VerifyInterval,
		WaitAfterEvacuation:    d.WaitPeriodAfterEvacuation,
		WaitAfterPowerOff:      d.WaitPeriodAfterPowerOff,
		WaitAfterPowerOn:       d.WaitPeriodAfterPowerOn,
		WaitAfterServiceUpdate: d.WaitPeriodAfterServiceUpdate,
		HoldRecheck:            cfg.Engine.HoldRecheckInterval,
		VerdictTimeout:         cfg.Engine.VerdictTimeout,
		CallTimeout:            cfg.Fencing.PowerOffTimeout*4 + cfg.Fencing.AgentTimeout,
	}
}

func serve(ctx context.Context, cfg *config.Config) error {
	log := daemon.NewLogger(cfg, "lazarus-engine")
	id := engineID(cfg)
	log = log.With("engine_id", id)
	reg := daemon.NewRegistry()
	m := metrics.New(reg)
	if err := daemon.ServeMetrics(ctx, log, cfg.Engine.MetricsListen, reg); err != nil {
		return fmt.Errorf("serve metrics on %s: %w", cfg.Engine.MetricsListen, err)
	}

	st, err := store.Open(ctx, cfg.Database.Connection, cfg.Database.MaxConns+cfg.Engine.Workers)
	if err != nil {
		return err
	}
	defer st.Close()

	// Claims and lease renewals get their own two connections (see
	// workflow.Config.LeaseStore).
	leaseSt, err := store.Open(ctx, cfg.Database.Connection, 2)
	if err != nil {
		return err
	}
	defer leaseSt.Close()

	nc, err := connectNova(ctx, cfg, log)
	if err != nil {
		return err
	}
	compute := novaCompute{nc}

	var box *secret.Box
	if b, err := secret.LoadFile(cfg.Fencing.SecretKeyFile); err == nil {
		box = b
	} else {
		log.Warn("no fence key: fence devices with passwords cannot be used", "file", cfg.Fencing.SecretKeyFile, "err", err)
	}
	fcfg := fencewire.ConfigFrom(cfg.Fencing)
	fencer := hostFencer{fencewire.New(st, box, fcfg, log)}
	readiness := fencewire.NewReadiness(st, box, fcfg, log, reg)
	go func() {
		if err := readiness.Run(ctx); err != nil {
			log.Warn("fence readiness check stopped", "err", err)
		}
	}()

	in := intake.New(intake.Config{URL: cfg.Default.TransportURL, Queue: cfg.Default.NotificationQueue, Prefetch: cfg.Engine.Prefetch,
		DuplicateWindow: cfg.Default.DuplicateNotificationDetectionInterval}, st, log, m)
	self := brake.Checks{brake.SelfCheckFunc(func(ctx context.Context) error {
		if err := st.Ping(ctx); err != nil {
			return fmt.Errorf("database unreachable: %w", err)
		}
		return nil
	}), in, heartbeat.NewCheck(st, heartbeat.CheckConfig{KnownWindow: cfg.Engine.MonitorKnownWindow,
		StaleAfter: cfg.Engine.MonitorStaleAfter, MaxSilentRatio: cfg.Engine.MonitorMaxSilentRatio})}
	beats := heartbeat.NewConsumer(heartbeat.Config{URL: cfg.Default.TransportURL, Queue: cfg.Default.NotificationQueue}, st, log)
	beats.Register(reg)

	flows := recovery.New(flowsConfig(cfg), compute, fencer, st, self, m)
	runner := workflow.New(st, workflow.Config{Owner: id, LeaseTTL: cfg.Engine.LeaseTTL, PollInterval: cfg.Engine.PollInterval,
		Workers: cfg.Engine.Workers, LeaseStore: leaseSt}, flows.Handle, log, m)
	lead := leader.New(st, leader.Config{Owner: id, LeaseTTL: cfg.Engine.LeaderLeaseTTL,
		RetryInterval: cfg.Default.ProcessUnfinishedNotificationsInterval, ExpireInterval: cfg.Default.CheckExpiredNotificationsInterval,
		ExpireAge: cfg.Default.NotificationsExpiredInterval, ClearMaintenance: cfg.Engine.ClearMaintenance,
		ClearInterval: cfg.Engine.ClearMaintenanceInterval, OnRetry: runner.Wake}, compute, log)
	// What the alert rules ask of the whole deployment: leader, recoveries
	// held, monitor heartbeat ages (etc/prometheus/lazarus-rules.yaml).
	reg.MustRegister(metrics.NewState(st, metrics.StateConfig{IsLeader: lead.IsLeader, KnownWindow: cfg.Engine.MonitorKnownWindow}, log))

	if err := runner.Start(ctx); err != nil {
		return err
	}
	defer runner.Stop()
	if err := lead.Start(ctx); err != nil {
		return err
	}
	defer lead.Stop()
	if err := in.Start(ctx); err != nil {
		return err
	}
	defer in.Stop()
	if err := beats.Start(ctx); err != nil {
		return err
	}
	defer beats.Stop()
	log.Info("lazarus-engine started", "queue", cfg.Default.NotificationQueue, "workers", cfg.Engine.Workers, "lease_ttl", cfg.Engine.LeaseTTL)
	<-ctx.Done()
	log.Info("lazarus-engine stopping")
	return nil
}

// connectNova authenticates once and keeps one client (and token) for the
// engine's lifetime, retrying while Keystone or Nova are not up yet.
func connectNova(ctx context.Context, cfg *config.Config, log interface {
	Warn(string, ...any)
}) (*nova.Client, error) {
	n := cfg.Nova
	ncfg := nova.Config{AuthURL: n.AuthURL, Username: n.Username, Password: n.Password, ProjectName: n.ProjectName,
		UserDomainName: n.UserDomainName, ProjectDomainName: n.ProjectDomainName, RegionName: n.RegionName,
		Interface: n.Interface, Endpoint: n.Endpoint, Timeout: n.Timeout, Insecure: n.Insecure, CAFile: n.CAFile}
	delay := 500 * time.Millisecond
	for {
		c, err := nova.New(ctx, ncfg, daemon.NewLogger(cfg, "lazarus-engine"))
		if err == nil {
			return c, nil
		}
		log.Warn("cannot reach nova yet; retrying", "err", err, "backoff", delay)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, errors.Join(ctx.Err(), err)
		case <-t.C:
		}
		delay = min(delay*2, 10*time.Second)
	}
}
