// Command lazarus-api serves the Masakari-compatible REST API (segments,
// hosts, notifications, vmoves) on PostgreSQL.
//
//	lazarus-api --config /etc/lazarus/lazarus.conf
//
// It refuses to start when [database] connection is unset or the schema
// is not at the version this binary knows (run `lazarus-manage db sync`).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/lazarus-ha/lazarus/api"
	"github.com/lazarus-ha/lazarus/cmd/internal/config"
	"github.com/lazarus-ha/lazarus/cmd/internal/daemon"
	"github.com/lazarus-ha/lazarus/fencing/secret"
	"github.com/lazarus-ha/lazarus/migrations"
	"github.com/lazarus-ha/lazarus/openstack/keystone"
	"github.com/lazarus-ha/lazarus/openstack/nova"
	"github.com/lazarus-ha/lazarus/store"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	fs := flag.NewFlagSet("lazarus-api", flag.ContinueOnError)
	path := fs.String("config", config.DefaultPath, "configuration file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c, err := config.Load(*path, "database.connection")
	if err != nil {
		fmt.Fprintln(os.Stderr, "lazarus-api:", err)
		return 1
	}
	log := daemon.NewLogger(c, "lazarus-api")
	ctx, stop := daemon.SignalContext()
	defer stop()
	if err := serve(ctx, log, c, *path, nil); err != nil {
		log.Error("lazarus-api stopped", "err", err)
		return 1
	}
	return 0
}

// serve runs the API until ctx ends. ready, when not nil, receives the
// bound address (tests listen on port 0).
func serve(ctx context.Context, log *slog.Logger, c *config.Config, path string, ready chan<- string) error {
	// A database port that accepts connections and never answers would
	// hang the start forever: bound it, and say what we wait for.
	log.Info("connecting to database", "timeout", c.Database.ConnectTimeout)
	octx, ocancel := context.WithTimeoutCause(ctx, c.Database.ConnectTimeout,
		fmt.Errorf("the database did not answer within [database] connect_timeout (%s)", c.Database.ConnectTimeout))
	st, err := store.Open(octx, c.Database.Connection, c.Database.MaxConns)
	if err == nil {
		err = checkSchema(octx, st, path)
		if err != nil {
			st.Close()
		}
	}
	if err != nil && octx.Err() != nil && ctx.Err() == nil {
		err = fmt.Errorf("%w: %w", context.Cause(octx), err)
	}
	ocancel()
	if err != nil {
		return err
	}
	defer st.Close()

	var auth api.Authenticator
	switch c.Default.AuthStrategy {
	case "noauth2":
		auth = api.NoAuth{}
		log.Warn("AUTHENTICATION IS OFF: auth_strategy = noauth2 makes every request an admin; use it for development only")
	default:
		if c.KeystoneAuthtoken.AuthURL == "" {
			return &config.Error{File: path, Section: "keystone_authtoken", Key: "auth_url", Reason: "required with auth_strategy = keystone"}
		}
		k := c.KeystoneAuthtoken
		auth = &api.KeystoneAuth{AuthURL: k.AuthURL, Validator: &lazyKeystone{cfg: keystone.Config{
			AuthURL: k.AuthURL, Username: k.Username, Password: k.Password, ProjectName: k.ProjectName,
			UserDomainName: k.UserDomainName, ProjectDomainName: k.ProjectDomainName,
			CacheTTL: k.CacheTTL, Insecure: k.Insecure, CAFile: k.CAFile,
		}}}
	}
	policy, err := api.NewPolicy(c.API.PolicyFile)
	if err != nil {
		return err
	}
	var compute api.ComputeChecker
	if c.API.ValidateComputeHosts {
		n := c.Nova
		compute = &lazyNova{log: log, cfg: nova.Config{
			AuthURL: n.AuthURL, Username: n.Username, Password: n.Password, ProjectName: n.ProjectName,
			UserDomainName: n.UserDomainName, ProjectDomainName: n.ProjectDomainName, RegionName: n.RegionName,
			Interface: n.Interface, Endpoint: n.Endpoint, Timeout: n.Timeout, Insecure: n.Insecure, CAFile: n.CAFile,
		}}
	} else {
		log.Info("host names are not checked against Nova ([api] validate_compute_hosts = false)")
	}
	// Fence device passwords are sealed with [fencing] secret_key_file;
	// without the file the API refuses to store passwords (503) but runs.
	var box *secret.Box
	if kf := c.Fencing.SecretKeyFile; kf != "" {
		switch _, statErr := os.Stat(kf); {
		case errors.Is(statErr, os.ErrNotExist):
			log.Warn("no fence secret key file: fence device passwords cannot be stored (lazarus-manage fence genkey creates one)", "file", kf)
		default:
			if box, err = secret.LoadFile(kf); err != nil {
				return err
			}
		}
	}
	reg := daemon.NewRegistry()
	handler := api.NewRouter(api.Deps{
		Store: st, Log: log, Auth: auth, Policy: policy, Compute: compute, Workflow: st, Registry: reg,
		MaxLimit: c.Default.OsapiMaxLimit, DuplicateWindow: c.Default.DuplicateNotificationDetectionInterval,
		MaxBodySize: int64(c.API.MaxRequestBodySize), LinkPrefix: c.API.LinkPrefix,
		FenceSecrets: box, RequestTimeout: c.API.RequestTimeout,
	})
	// /metrics has its own listener ([api] metrics_listen, loopback by
	// default), not the public API port.
	mctx, mcancel := context.WithCancel(ctx)
	defer mcancel()
	if err := daemon.ServeMetrics(mctx, log, c.API.MetricsListen, reg); err != nil {
		return fmt.Errorf("serve metrics on %s: %w", c.API.MetricsListen, err)
	}

	ln, err := net.Listen("tcp", c.API.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.API.Listen, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: c.API.ReadHeaderTimeout,
		ReadTimeout:       c.API.ReadTimeout,
		IdleTimeout:       2 * time.Minute,
		// Handlers log their own errors; the server's own lines (TLS
		// noise, panics) go to the structured log too.
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("lazarus-api listening", "addr", ln.Addr().String(), "auth_strategy", c.Default.AuthStrategy)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	log.Info("lazarus-api stopped")
	return nil
}

// checkSchema refuses a database whose schema is not the one this binary
// was built for.
func checkSchema(ctx context.Context, st *store.Store, path string) error {
	conn, err := st.Pool().Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect to database: %w", err)
	}
	defer conn.Release()
	current, latest, err := migrations.Status(ctx, conn.Conn())
	if err != nil {
		return err
	}
	switch {
	case current > latest:
		return &migrations.ErrSchemaTooNew{Database: current, Binary: latest}
	case current < latest:
		return fmt.Errorf("database schema is at version %d, this lazarus-api needs %d: run `lazarus-manage --config %s db sync` first", current, latest, path)
	}
	return nil
}

// lazyKeystone authenticates the service user on first use (and again
// after a failure), so lazarus-api starts while Keystone is down.
type lazyKeystone struct {
	cfg keystone.Config
	mu  sync.Mutex
	v   *keystone.Validator
}

func (l *lazyKeystone) ValidateToken(ctx context.Context, token string) (*api.Token, error) {
	l.mu.Lock()
	if l.v == nil {
		v, err := keystone.New(ctx, l.cfg)
		if err != nil {
			l.mu.Unlock()
			return nil, err
		}
		l.v = v
	}
	v := l.v
	l.mu.Unlock()
	info, err := v.Validate(ctx, token)
	if errors.Is(err, keystone.ErrInvalidToken) {
		return nil, api.ErrUnauthorized
	}
	if err != nil {
		return nil, err
	}
	return &api.Token{UserID: info.UserID, ProjectID: info.ProjectID, Roles: info.Roles}, nil
}

// lazyNova checks nova-compute services with a client made on first use.
type lazyNova struct {
	log *slog.Logger
	cfg nova.Config
	mu  sync.Mutex
	c   *nova.Client
}

func (l *lazyNova) ComputeServiceExists(ctx context.Context, host string) (bool, error) {
	l.mu.Lock()
	if l.c == nil {
		c, err := nova.New(ctx, l.cfg, l.log)
		if err != nil {
			l.mu.Unlock()
			return false, err
		}
		l.c = c
	}
	c := l.c
	l.mu.Unlock()
	_, err := c.ComputeService(ctx, host)
	if errors.Is(err, nova.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
