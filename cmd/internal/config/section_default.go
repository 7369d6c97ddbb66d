package config

import "time"

// Default is the [DEFAULT] section: options every binary reads, and the
// Masakari engine options kept under their Masakari names.
type Default struct {
	Host              string `ini:"host" default:"" help:"This node's name as Nova knows its nova-compute service (monitors). Empty means the system hostname."`
	AuthStrategy      string `ini:"auth_strategy" default:"keystone" choices:"keystone,noauth2" help:"How the API authenticates requests. noauth2 treats every request as admin and is for development only."`
	TransportURL      string `ini:"transport_url" default:"" secret:"true" format:"transport_url" help:"RabbitMQ URL used by the engine and the monitors, as oslo.messaging writes it: rabbit://user:pass@host:5672/vhost, or several hosts for failover, rabbit://user:pass@host1:5672,user:pass@host2:5672/vhost (tried in turn; a connection that is lost moves to the next host). amqp:// and amqps:// (or ?ssl=1) are accepted too. Contains the broker password, so it is never logged."`
	NotificationQueue string `ini:"notification_queue" default:"lazarus.notifications" help:"Durable quorum queue (default exchange, routing key = queue name) the monitors publish events to and the engine consumes. Invalid events go to <queue>.dead."`
	Debug             bool   `ini:"debug" default:"false" help:"Log at debug level."`
	LogFormat         string `ini:"log_format" default:"json" choices:"json,text" help:"Log line format on standard error."`
	OsapiMaxLimit     int    `ini:"osapi_max_limit" default:"1000" min:"1" help:"Maximum number of items a list request returns (and the default limit), as in Masakari."`

	DuplicateNotificationDetectionInterval time.Duration `ini:"duplicate_notification_detection_interval" default:"180s" min:"0" help:"A notification with the same type, host and payload generated within this interval of an existing one is a duplicate (409)."`
	ProcessUnfinishedNotificationsInterval time.Duration `ini:"process_unfinished_notifications_interval" default:"120s" min:"1" help:"How often the leader engine retries notifications in error (once) and picks up stale new ones."`
	RetryNotificationNewStatusInterval     time.Duration `ini:"retry_notification_new_status_interval" default:"60s" min:"0" help:"Age after which a notification still new is picked up by the retry task."`
	CheckExpiredNotificationsInterval      time.Duration `ini:"check_expired_notifications_interval" default:"600s" min:"1" help:"How often the leader engine expires stale notifications."`
	NotificationsExpiredInterval           time.Duration `ini:"notifications_expired_interval" default:"86400s" min:"1" help:"Notifications new, running or in error for longer than this become failed."`
	WaitPeriodAfterEvacuation              time.Duration `ini:"wait_period_after_evacuation" default:"90s" min:"1" help:"How long one instance may take to become ACTIVE elsewhere after its evacuate call."`
	VerifyInterval                         time.Duration `ini:"verify_interval" default:"1s" min:"0" help:"Polling interval of every confirm loop (evacuation, stop, start, service disabled)."`
	WaitPeriodAfterPowerOff                time.Duration `ini:"wait_period_after_power_off" default:"180s" min:"1" help:"How long an instance may take to stop (instance failure flow)."`
	WaitPeriodAfterPowerOn                 time.Duration `ini:"wait_period_after_power_on" default:"60s" min:"1" help:"How long an instance may take to become ACTIVE after start (instance failure flow)."`
	WaitPeriodAfterServiceUpdate           time.Duration `ini:"wait_period_after_service_update" default:"180s" min:"1" help:"How long the process flow waits for nova-compute to read back disabled. Unlike Masakari, the host flow never sleeps this long: it forces the service down instead."`
	HostFailureRecoveryThreads             int           `ini:"host_failure_recovery_threads" default:"" min:"1" help:"Masakari's option, kept with its meaning when set: how many instances of one failed host are evacuated at the same time (Masakari's default 3 evacuates in waves of 3). Unset (the default), a recovery is bounded only by [host_failure] max_evacuations_per_target and [engine] max_evacuations_in_flight, which also apply when this is set."`
}

// Database is the [database] section.
type Database struct {
	Connection string `ini:"connection" default:"" secret:"true" help:"PostgreSQL URL, e.g. postgres://lazarus:secret@127.0.0.1:5432/lazarus?sslmode=disable. Required by lazarus-api, lazarus-engine and lazarus-manage db."`
	MaxConns   int    `ini:"max_conns" default:"10" min:"1" help:"Size of each process's connection pool."`

	ConnectTimeout time.Duration `ini:"connect_timeout" default:"10s" min:"1" help:"How long lazarus-api waits for the database at startup (connect and schema check) before it logs the error and exits, so a silent database port does not hang it."`
}

// API is the [api] section.
type API struct {
	Listen               string `ini:"listen" default:"0.0.0.0:15868" help:"Address and port lazarus-api listens on (Masakari's port by default)."`
	ValidateComputeHosts bool   `ini:"validate_compute_hosts" default:"true" help:"Check with Nova that a nova-compute service exists when a host is created or renamed, as Masakari does. Needs the [nova] credentials."`
	MaxRequestBodySize   int    `ini:"max_request_body_size" default:"114688" min:"1" help:"Largest request body accepted, in bytes; larger bodies get 413 (oslo.middleware's default)."`
	PolicyFile           string `ini:"policy_file" default:"/etc/lazarus/policy.yaml" help:"YAML policy overrides (rule name: check string). A missing file means the built-in defaults: every route admin-only, as in Masakari."`
	LinkPrefix           string `ini:"link_prefix" default:"" help:"Base URL written into the version documents' links (Masakari's osapi_masakari_link_prefix). Empty means the request's own scheme and host."`
	MetricsListen        string `ini:"metrics_listen" default:"127.0.0.1:15873" help:"Address of lazarus-api's Prometheus /metrics endpoint, kept off the public API port. Empty disables it."`

	RequestTimeout    time.Duration `ini:"request_timeout" default:"15s" min:"0.001" help:"Longest lazarus-api works on one request once its headers are read: its database queries and the wait for a connection, and the Keystone and Nova calls made for it. Past it the request answers 503 with Retry-After, as does a refused database connection; /healthcheck answers 503 while the database does not answer a ping within it."`
	ReadTimeout       time.Duration `ini:"read_timeout" default:"30s" min:"0.001" help:"Longest a client may take to send one whole request, body included; a slower one is disconnected."`
	ReadHeaderTimeout time.Duration `ini:"read_header_timeout" default:"10s" min:"0.001" help:"Longest a client may take to send a request's headers."`
}

// KeystoneAuthtoken is the [keystone_authtoken] section: where tokens are
// validated and the service's own credentials for doing so.
type KeystoneAuthtoken struct {
	AuthURL           string        `ini:"auth_url" default:"" help:"Keystone v3 URL, e.g. http://controller:5000/v3. Required with auth_strategy = keystone."`
	Username          string        `ini:"username" default:"lazarus" help:"Service user that validates tokens."`
	Password          string        `ini:"password" default:"" secret:"true" help:"Service user's password."`
	ProjectName       string        `ini:"project_name" default:"service" help:"Service user's project."`
	UserDomainName    string        `ini:"user_domain_name" default:"Default" help:"Service user's domain."`
	ProjectDomainName string        `ini:"project_domain_name" default:"Default" help:"Service project's domain."`
	RegionName        string        `ini:"region_name" default:"" help:"Region of the identity endpoint, if several."`
	Interface         string        `ini:"interface" default:"internal" choices:"public,internal,admin" help:"Catalog interface used to reach Keystone."`
	CacheTTL          time.Duration `ini:"cache_ttl" default:"60s" min:"0" help:"How long a validated token is trusted without asking Keystone again (never past its expiry), like keystonemiddleware's token_cache_time (300s there). A token revoked in Keystone keeps working here for up to this long; 0 asks Keystone on every request."`
	Insecure          bool          `ini:"insecure" default:"false" help:"Skip TLS verification towards Keystone (testing only)."`
	CAFile            string        `ini:"cafile" default:"" help:"CA bundle for Keystone's TLS certificate."`
}

// Nova is the [nova] section: keystoneauth-style credentials Lazarus uses
// to talk to Nova.
type Nova struct {
	AuthURL           string        `ini:"auth_url" default:"" help:"Keystone v3 URL used to authenticate to Nova."`
	Username          string        `ini:"username" default:"lazarus" help:"User with the admin role that Lazarus acts as towards Nova."`
	Password          string        `ini:"password" default:"" secret:"true" help:"That user's password."`
	ProjectName       string        `ini:"project_name" default:"service" help:"That user's project."`
	UserDomainName    string        `ini:"user_domain_name" default:"Default" help:"That user's domain."`
	ProjectDomainName string        `ini:"project_domain_name" default:"Default" help:"That project's domain."`
	RegionName        string        `ini:"region_name" default:"" help:"Region of the compute endpoint."`
	Interface         string        `ini:"interface" default:"public" choices:"public,internal,admin" help:"Catalog interface of the compute endpoint."`
	Endpoint          string        `ini:"endpoint" default:"" help:"Compute endpoint URL to use instead of the catalog's (tests, simulators)."`
	Timeout           time.Duration `ini:"timeout" default:"30s" min:"1" help:"HTTP timeout of one Nova call (Masakari has none)."`
	Insecure          bool          `ini:"insecure" default:"false" help:"Skip TLS verification towards Nova and Keystone (testing only)."`
	CAFile            string        `ini:"cafile" default:"" help:"CA bundle for Nova's and Keystone's TLS certificates."`
}
