// Command lazarus-novasim serves the Nova and Keystone simulator of
// test/novasim for the demo and benchmarks, populated with compute hosts
// and servers, and prints its endpoints.
//
// The Keystone password is read from NOVASIM_PASSWORD (default "secret"),
// never from the command line.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/lazarus-ha/lazarus/test/novasim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, nil))
}

// run serves until ctx ends. ready, when not nil, receives the base URL
// once the simulator listens.
func run(ctx context.Context, args []string, stdout io.Writer, ready chan<- string) int {
	fs := flag.NewFlagSet("lazarus-novasim", flag.ContinueOnError)
	var (
		listen          = fs.String("listen", "127.0.0.1:8774", "address to listen on (port 0 picks a free one)")
		hosts           = fs.Int("hosts", 10, "number of compute hosts (compute-0001 …)")
		perHost         = fs.Int("servers-per-host", 10, "servers on each host")
		haShare         = fs.Float64("ha-share", 0.5, "fraction of servers with metadata HA_Enabled=True")
		evacuateDelay   = fs.Duration("evacuate-delay", 2*time.Second, "time from an accepted evacuation to ACTIVE on the target")
		powerDelay      = fs.Duration("power-delay", time.Second, "time an os-start or os-stop takes")
		apiLatency      = fs.Duration("api-latency", 0, "delay added to every compute answer")
		serviceDownTime = fs.Duration("service-down-time", novasim.DefaultServiceDownTime, "Nova's service_down_time")
		maxLimit        = fs.Int("max-limit", novasim.DefaultMaxLimit, "Nova's [api] max_limit (page size)")
		username        = fs.String("username", novasim.DefaultUsername, "Keystone user accepted")
		project         = fs.String("project", novasim.DefaultProjectName, "Keystone project of that user")
	)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	password := os.Getenv("NOVASIM_PASSWORD")
	if password == "" {
		password = novasim.DefaultPassword
	}
	sim := novasim.New(novasim.Options{
		Username: *username, Password: password, ProjectName: *project, EvacuateDelay: *evacuateDelay,
		PowerDelay: *powerDelay, APILatency: *apiLatency, ServiceDownTime: *serviceDownTime, MaxLimit: *maxLimit,
	})
	defer sim.Close()
	start := time.Now()
	if err := sim.Populate(*hosts, *perHost, *haShare); err != nil {
		log.Error("populate the simulator", "err", err)
		return 1
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Error("listen", "addr", *listen, "err", err)
		return 1
	}
	base := "http://" + ln.Addr().String()
	mux := http.NewServeMux()
	mux.Handle("/sim/", sim.ControlHandler())
	mux.Handle("/", sim)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	fmt.Fprintf(stdout, `lazarus-novasim: %d hosts, %d servers (%.0f%% HA_Enabled), populated in %s
  auth_url  = %s/v3
  compute   = %s/compute/v2.1
  control   = %s/sim/  (POST hosts/{host}/kill|down|revive, GET hosts/{host}, GET evacuations, POST finish)

[nova]
auth_url = %s/v3
username = %s
project_name = %s
user_domain_name = Default
project_domain_name = Default
region_name = %s
interface = public
# password = the value of NOVASIM_PASSWORD (novasim.DefaultPassword when unset)
`, *hosts, *hosts**perHost, *haShare*100, time.Since(start).Round(time.Millisecond),
		base, base, base, base, *username, *project, novasim.DefaultRegion)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready <- base
	}
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			log.Error("serve", "err", err)
			return 1
		}
		return 0
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Error("shut down", "err", err)
		return 1
	}
	return 0
}
