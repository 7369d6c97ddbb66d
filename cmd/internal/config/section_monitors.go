package config

import "time"

// Monitors is the [monitors] section, shared by the three monitors.
type Monitors struct {
	Transport         string        `ini:"transport" default:"amqp" choices:"amqp,api" help:"amqp publishes events to RabbitMQ ([DEFAULT] transport_url); api POSTs them to a Masakari-compatible /v1/notifications (also a real Masakari)."`
	SpoolDir          string        `ini:"spool_dir" default:"/var/lib/lazarus/spool" help:"Directory of the on-disk spool that keeps events the broker has not confirmed."`
	SpoolMaxEvents    int           `ini:"spool_max_events" default:"10000" min:"1" help:"Most events kept in the spool; past it the oldest are dropped (and counted)."`
	APIEndpoint       string        `ini:"api_endpoint" default:"" help:"With transport = api: the notifications endpoint base, e.g. http://controller:15868/v1. Empty means the instance-ha endpoint from the catalog."`
	APIRetryInterval  time.Duration `ini:"api_retry_interval" default:"10s" min:"0" help:"With transport = api: wait between retries."`
	APIRetryMax       int           `ini:"api_retry_max" default:"12" min:"0" help:"With transport = api: retries before the event is kept in the spool."`
	AuthURL           string        `ini:"auth_url" default:"" help:"With transport = api and keystone auth: Keystone v3 URL."`
	Username          string        `ini:"username" default:"" help:"With transport = api: user (admin role) the monitors post as."`
	Password          string        `ini:"password" default:"" secret:"true" help:"That user's password."`
	ProjectName       string        `ini:"project_name" default:"service" help:"That user's project."`
	UserDomainName    string        `ini:"user_domain_name" default:"Default" help:"That user's domain."`
	ProjectDomainName string        `ini:"project_domain_name" default:"Default" help:"That project's domain."`
	RegionName        string        `ini:"region_name" default:"" help:"Region of the instance-ha endpoint."`
	MetricsListen     string        `ini:"metrics_listen" default:"" help:"Address of this monitor's Prometheus /metrics endpoint. Empty disables it."`
}

// HostMonitor is the [hostmonitor] section.
type HostMonitor struct {
	Networks           []string      `ini:"networks" default:"" help:"Comma list of NETWORK=IP:PORT this host binds, one per network (e.g. mgmt=10.0.0.11:7946,storage=10.1.0.11:7946)."`
	Peers              []string      `ini:"peers" default:"" help:"Comma list of NETWORK=IP:PORT of other hosts to join; any subset of the segment suffices."`
	IsolationAddresses []string      `ini:"isolation_addresses" default:"" help:"Comma list of addresses this host checks when it loses every peer on every network: host:port is tried with a TCP connect (a refused connection counts as an answer), a bare IP or name with an ICMP echo. If none answers (or the list is empty) this host is the isolated one: it accuses nobody and reports itself."`
	IsolationTimeout   time.Duration `ini:"isolation_timeout" default:"30s" min:"0" help:"How long a host stays isolated before isolation_action runs."`
	IsolationAction    string        `ini:"isolation_action" default:"none" help:"none, or a command run (without a shell) once isolation_timeout has passed, e.g. one that stops the local VMs."`
	ProbeInterval      time.Duration `ini:"probe_interval" default:"500ms" min:"0" help:"SWIM probe interval on each network."`
	ProbeTimeout       time.Duration `ini:"probe_timeout" default:"300ms" min:"0" help:"SWIM probe timeout."`
	SuspicionMult      int           `ini:"suspicion_mult" default:"3" min:"1" help:"SWIM suspicion multiplier; with probe_interval it sets the detection time (a few seconds by default)."`
	HeartbeatInterval  time.Duration `ini:"heartbeat_interval" default:"10s" min:"0" help:"How often this monitor publishes a heartbeat (with how many peers it sees alive per network) to the queue <notification_queue>.heartbeats, so the engine can tell all quiet from hearing nobody ([engine] monitor_stale_after). Heartbeats are not spooled; a lost one is replaced by the next. Only with [monitors] transport = amqp. 0 disables them."`
	GossipKey          string        `ini:"gossip_key" default:"" secret:"true" help:"Base64 AES key (16, 24 or 32 bytes, e.g. from openssl rand -base64 32) that encrypts and authenticates the memberlist traffic; the same on every host of the segment. Empty sends it in plain text, which lets anyone on these networks forge a host's death: use it only on trusted networks."`
}

// ProcessMonitor is the [processmonitor] section.
type ProcessMonitor struct {
	ProcessListPath string        `ini:"process_list_path" default:"/etc/lazarus/process_list.yaml" help:"Masakari-format process list."`
	CheckInterval   time.Duration `ini:"check_interval" default:"5s" min:"0" help:"How often processes are checked."`
	RestartRetries  int           `ini:"restart_retries" default:"3" min:"0" help:"Restart attempts before PROCESS STOPPED is sent."`
	RestartInterval time.Duration `ini:"restart_interval" default:"5s" min:"0" help:"Wait between restart attempts."`
}

// InstanceMonitor is the [instancemonitor] section.
type InstanceMonitor struct {
	ConnectionURI     string        `ini:"connection_uri" default:"qemu:///system" help:"libvirt URI watched for domain events."`
	VirshPath         string        `ini:"virsh_path" default:"virsh" help:"virsh binary used for event streaming."`
	ReconnectInterval time.Duration `ini:"reconnect_interval" default:"3s" min:"0" help:"Wait before restarting the event stream after libvirtd went away."`
	WatchdogInterval  time.Duration `ini:"watchdog_interval" default:"30s" min:"0" help:"The monitor checks its own event stream this often and restarts it if it is wedged."`
}
