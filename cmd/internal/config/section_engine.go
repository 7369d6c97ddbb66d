package config

import "time"

// Fencing is the [fencing] section.
type Fencing struct {
	RequireFencing    bool          `ini:"require_fencing" default:"true" help:"Evacuate a failed host's instances only after it is proven off (BMC read back off, a fence agent succeeded, or an operator confirmed). false is Masakari's trust-the-monitor behaviour, for sites that fence elsewhere."`
	SecretKeyFile     string        `ini:"secret_key_file" default:"/etc/lazarus/fence.key" help:"File holding the 32-byte key (raw or base64) that encrypts fence device passwords at rest (AES-256-GCM)."`
	PowerOffTimeout   time.Duration `ini:"power_off_timeout" default:"20s" min:"1" help:"How long a device may take to read back power off after the off command."`
	PollInterval      time.Duration `ini:"poll_interval" default:"1s" min:"0" help:"Interval between power status reads while waiting for off."`
	IPMITimeout       time.Duration `ini:"ipmi_timeout" default:"2s" min:"0" help:"Timeout of one IPMI exchange."`
	IPMIRetries       int           `ini:"ipmi_retries" default:"2" min:"0" help:"Extra attempts of an IPMI exchange that timed out."`
	AgentTimeout      time.Duration `ini:"agent_timeout" default:"60s" min:"1" help:"How long one fence agent run may take."`
	ReadinessInterval time.Duration `ini:"readiness_interval" default:"300s" min:"0" help:"How often every fence device is checked (reachable, credentials accepted, status readable). 0 disables the check."`
}

// Engine is the [engine] section: the durable workflow runtime.
type Engine struct {
	LeaseTTL                 time.Duration `ini:"lease_ttl" default:"15s" min:"1" help:"How long an engine owns a recovery without renewing its lease; a dead engine's recoveries are resumed by another after this."`
	PollInterval             time.Duration `ini:"poll_interval" default:"1s" min:"0" help:"How often an engine looks for claimable recoveries when no wake-up arrives."`
	Workers                  int           `ini:"workers" default:"32" min:"1" help:"How many recoveries one engine runs at the same time."`
	Prefetch                 int           `ini:"prefetch" default:"64" min:"1" help:"AMQP prefetch of the intake consumer."`
	MetricsListen            string        `ini:"metrics_listen" default:"127.0.0.1:15869" help:"Address of the engine's Prometheus /metrics endpoint. Empty disables it."`
	ClearMaintenance         bool          `ini:"clear_maintenance" default:"true" help:"Clear on_maintenance, which Lazarus itself set, once the host's nova-compute is up again (not forced down) and its recovery finished."`
	ClearMaintenanceInterval time.Duration `ini:"clear_maintenance_interval" default:"60s" min:"1" help:"How often the leader engine looks for hosts whose maintenance it may clear."`
	HoldRecheckInterval      time.Duration `ini:"hold_recheck_interval" default:"10s" min:"0" help:"How often a held recovery (fencing failed, storm brake) is re-evaluated: an operator's fence confirmation or a lifted brake lets it proceed."`
	VerdictTimeout           time.Duration `ini:"verdict_timeout" default:"90s" min:"0" help:"How long a reported host that still has BMC power on and a live nova-compute heartbeat is watched for Nova to see it down; after that it is judged alive and not evacuated."`
	LeaderLeaseTTL           time.Duration `ini:"leader_lease_ttl" default:"15s" min:"1" help:"Lease of the leader engine, which alone runs the periodic tasks (retry, expiry, clearing maintenance)."`
	MonitorKnownWindow       time.Duration `ini:"monitor_known_window" default:"1h" min:"1" help:"Self-check: a host monitor whose heartbeat arrived within this window counts as deployed. When none is known (no heartbeats at all: monitors post through the API, or none are deployed) the check does not block."`
	MonitorStaleAfter        time.Duration `ini:"monitor_stale_after" default:"30s" min:"1" help:"Self-check: a known host monitor not heard from for this long counts as silent (3 x [hostmonitor] heartbeat_interval by default)."`
	MonitorMaxSilentRatio    float64       `ini:"monitor_max_silent_ratio" default:"0.5" min:"0" max:"1" help:"Self-check: when more than this share of the known host monitors are silent at once, this engine may be the isolated one and fences nothing automatically (recoveries hold with the reason until heartbeats return)."`
	MaxEvacuationsInFlight   int           `ini:"max_evacuations_in_flight" default:"64" min:"1" help:"At most this many instances worked on at once in this engine, across all its recoveries (read from Nova, locked, evacuated, confirmed ACTIVE elsewhere), so at most this many evacuations in flight. It protects Nova's API, conductor and scheduler, which handle every evacuation, from a storm of failed hosts. 64: in make bench (20 failed hosts, 1,000 instances, 200 ms per evacuation in the simulator, 2 shared cores) all were ACTIVE after 26.8 s with 16, 20.3 s with 32, 10.9 s with 64, 11.3 s with 128 and 11.8 s with 256: beyond 64 the engine itself is the bottleneck. The simulator does not model Nova's own capacity: lower it if your control plane cannot take that many rebuilds at once."`
	EngineID                 string        `ini:"engine_id" default:"" help:"Name of this engine in leases and journals. Empty means hostname-pid."`
}

// HostFailure is the [host_failure] section.
type HostFailure struct {
	EvacuateAllInstances         bool          `ini:"evacuate_all_instances" default:"true" help:"Evacuate instances without HA metadata too (after the HA-enabled ones), as Masakari's default."`
	HAEnabledInstanceMetadataKey string        `ini:"ha_enabled_instance_metadata_key" default:"HA_Enabled" help:"Server metadata key that marks an instance for HA (true/1/yes/on)."`
	IgnoreInstancesInErrorState  bool          `ini:"ignore_instances_in_error_state" default:"false" help:"Leave instances in ERROR on the failed host."`
	AddReservedHostToAggregate   bool          `ini:"add_reserved_host_to_aggregate" default:"false" help:"Add a reserved host to the failed host's aggregates before evacuating to it."`
	ServiceDisableReason         string        `ini:"service_disable_reason" default:"Masakari detected host failed." help:"Reason recorded on the failed host's nova-compute service."`
	PriorityMetadataKey          string        `ini:"priority_metadata_key" default:"" help:"Server metadata key holding an integer evacuation priority (higher first). Empty disables."`
	MaxFailedHostRatio           float64       `ini:"max_failed_host_ratio" default:"0.5" min:"0" max:"1" help:"Storm brake: if more than this share of a segment's hosts are down or in recovery within failure_window, nothing more is fenced automatically."`
	FailureWindow                time.Duration `ini:"failure_window" default:"600s" min:"1" help:"Window of the storm brake's ratio and of the fence rate limit."`
	MaxFencesPerWindow           int           `ini:"max_fences_per_window" default:"5" min:"1" help:"At most this many automatic fences per segment within failure_window."`
	CPUAllocationRatio           float64       `ini:"cpu_allocation_ratio" default:"4.0" min:"0" help:"vCPU overcommit assumed when checking a target's room from its hypervisor figures (Nova's initial_cpu_allocation_ratio): only when Placement cannot be read and Nova is older than microversion 2.88; Placement's own allocation_ratio is used otherwise. Nova's scheduler still has the last word; a refused target is retried elsewhere."`
	RAMAllocationRatio           float64       `ini:"ram_allocation_ratio" default:"1.0" min:"0" help:"RAM overcommit assumed when checking a target's room from its hypervisor figures (Nova's initial_ram_allocation_ratio); see cpu_allocation_ratio."`
	DiskAllocationRatio          float64       `ini:"disk_allocation_ratio" default:"1.0" min:"0" help:"Disk overcommit assumed when checking a target's room from its hypervisor figures (Nova's initial_disk_allocation_ratio); see cpu_allocation_ratio."`
	EvacuateAttempts             int           `ini:"evacuate_attempts" default:"2" min:"1" help:"How many targets one instance is tried on: after an evacuation fails while the instance is still on the failed host, another target is tried, up to this many in all."`
	MaxEvacuationsPerTarget      int           `ini:"max_evacuations_per_target" default:"4" min:"1" help:"At most this many evacuations in flight to any one target host, across every recovery of this engine. It protects the target's nova-compute, which rebuilds each evacuated instance (image download, disk, ports, volumes) while it keeps serving its own instances; a target at its limit is skipped for the next least-loaded one, or waited for. 4: two targets already take the 6 HA instances of the test cloud at once (the Nova floor of make e2e), and the load of 20 failed hosts spreads over the segment instead of piling onto the emptiest host."`
	MinHostsForRatio             int           `ini:"min_hosts_for_ratio" default:"4" min:"1" help:"Segments smaller than this skip the ratio brake (one failure in a 2-host segment is 50%) and rely on the rate limit."`
}

// InstanceFailure is the [instance_failure] section.
type InstanceFailure struct {
	ProcessAllInstances          bool   `ini:"process_all_instances" default:"false" help:"Recover every failed instance, not only HA-enabled ones."`
	HAEnabledInstanceMetadataKey string `ini:"ha_enabled_instance_metadata_key" default:"HA_Enabled" help:"Server metadata key that marks an instance for HA."`
}

// ProcessFailure is the [process_failure] section.
type ProcessFailure struct {
	ServiceDisableReason string `ini:"service_disable_reason" default:"Masakari detected process failed." help:"Reason recorded when nova-compute died and its service is disabled."`
}
