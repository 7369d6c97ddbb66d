package novasim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// serviceJSON renders a service at microversion mv.
func (s *Sim) serviceJSON(v *service, mv int, now time.Time) map[string]any {
	m := map[string]any{
		"binary": v.binary, "host": v.host, "zone": v.zone, "status": v.status(),
		"state": v.state(now, s.opts.ServiceDownTime), "updated_at": novaTime(v.updatedAt), "disabled_reason": nil,
	}
	if v.disabledReason != "" {
		m["disabled_reason"] = v.disabledReason
	}
	if mv >= 53 {
		m["id"] = v.uuid
	} else {
		m["id"] = v.id
	}
	if mv >= 11 {
		m["forced_down"] = v.forcedDown
	}
	return m
}

// listServices is GET /os-services?binary=&host=.
func (s *Sim) listServices(w http.ResponseWriter, r *http.Request, c *call) {
	q := r.URL.Query()
	binary, hostName := q.Get("binary"), q.Get("host")
	now := time.Now()
	out := []any{}
	add := func(v *service) {
		if (binary == "" || v.binary == binary) && (hostName == "" || v.host == hostName) {
			out = append(out, s.serviceJSON(v, c.mv, now))
		}
	}
	for _, v := range s.control {
		add(v)
	}
	if hostName != "" {
		if h, ok := s.hosts[hostName]; ok {
			add(&h.service)
		}
	} else {
		for _, h := range s.hostOrder {
			add(&h.service)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"services": out})
}

// updateService is PUT /os-services/{uuid} (microversion >= 2.53), with
// the rules of nova/api/openstack/compute/services.py.
func (s *Sim) updateService(w http.ResponseWriter, r *http.Request, c *call) {
	if c.mv < 53 {
		// Before 2.53 the path segment is an action name (enable, disable,
		// force-down ...), which the simulator does not implement.
		novaError(w, http.StatusNotFound, "Unknown action; use microversion 2.53 or later.")
		return
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(c.body, &body); err != nil {
		novaError(w, http.StatusBadRequest, "Malformed request body.")
		return
	}
	for k := range body {
		if k != "status" && k != "disabled_reason" && k != "forced_down" {
			novaError(w, http.StatusBadRequest, fmt.Sprintf("Additional properties are not allowed ('%s' was unexpected)", k))
			return
		}
	}
	var status, reason string
	var forced *bool
	if raw, ok := body["status"]; ok {
		if json.Unmarshal(raw, &status) != nil || (status != "enabled" && status != "disabled") {
			novaError(w, http.StatusBadRequest, "Invalid input for field/attribute status. Value: "+string(raw)+". It must be one of enabled, disabled.")
			return
		}
	}
	if raw, ok := body["disabled_reason"]; ok {
		if json.Unmarshal(raw, &reason) != nil || len(reason) < 1 || len(reason) > 255 {
			novaError(w, http.StatusBadRequest, "Invalid input for field/attribute disabled_reason. Value: "+string(raw)+".")
			return
		}
	}
	if raw, ok := body["forced_down"]; ok {
		b, ok := parseNovaBool(raw)
		if !ok {
			novaError(w, http.StatusBadRequest, "Invalid input for field/attribute forced_down. Value: "+string(raw)+". It is not a boolean.")
			return
		}
		forced = &b
	}
	id := r.PathValue("id")
	var v *service
	if h, ok := s.hostsByUUID[id]; ok {
		v = &h.service
	}
	for _, cs := range s.control {
		if cs.uuid == id {
			v = cs
		}
	}
	if v == nil {
		novaError(w, http.StatusNotFound, fmt.Sprintf("Service %s could not be found.", id))
		return
	}
	if v.binary != "nova-compute" {
		novaError(w, http.StatusBadRequest, fmt.Sprintf("Updating a %s service is not supported. Only nova-compute services can be updated.", v.binary))
		return
	}
	// Messages and their order as Nova Zed answers them.
	if status == "" && forced == nil {
		novaError(w, http.StatusBadRequest, "No updates were requested. Fields 'status' or 'forced_down' should be specified.")
		return
	}
	if _, hasReason := body["disabled_reason"]; hasReason && status == "enabled" {
		novaError(w, http.StatusBadRequest, "Specifying 'disabled_reason' with status 'enabled' is invalid.")
		return
	}
	if forced != nil && !*forced && v.forcedDown {
		for _, m := range s.migrations {
			if m.typ == "evacuation" && m.source == v.host && m.status == "done" {
				novaError(w, http.StatusBadRequest, fmt.Sprintf("Cannot unset forced_down on %s: evacuations from it are not completed yet; restart its nova-compute service first.", v.host))
				return
			}
		}
	}
	switch status {
	case "disabled":
		v.disabled, v.disabledReason = true, reason
	case "enabled":
		v.disabled, v.disabledReason = false, ""
	}
	if forced != nil {
		v.forcedDown = *forced
	}
	v.updatedAt = time.Now()
	writeJSON(w, http.StatusOK, map[string]any{"service": s.serviceJSON(v, c.mv, time.Now())})
}

// parseNovaBool accepts what Nova's parameter_types.boolean accepts.
func parseNovaBool(raw json.RawMessage) (bool, bool) {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, true
	}
	var str string
	if json.Unmarshal(raw, &str) != nil {
		return false, false
	}
	return parseBoolString(str)
}

// parseBoolString is oslo's strict bool_from_string.
func parseBoolString(str string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(str)) {
	case "1", "t", "true", "on", "y", "yes":
		return true, true
	case "0", "f", "false", "off", "n", "no":
		return false, true
	}
	return false, false
}

// pageParams reads limit and marker as Nova's common.get_limit_and_marker.
// badLimit is Nova's 400 message for a limit that is not a natural number.
type badLimit string

func (e badLimit) Error() string { return string(e) }

func (s *Sim) pageParams(q url.Values) (limit int, marker string, err error) {
	limit = s.opts.MaxLimit
	if v := q.Get("limit"); v != "" {
		n, convErr := strconv.Atoi(v)
		if convErr != nil || n < 0 || strings.HasPrefix(v, "+") {
			return 0, "", badLimit(fmt.Sprintf("Invalid input for query parameters limit. Value: %s. '%s' does not match '^[0-9]*$'", v, v))
		}
		if n > 0 && n < limit {
			limit = n
		}
	}
	return limit, q.Get("marker"), nil
}

// nextLink is the "next" link Nova adds when a page is full.
func nextLink(r *http.Request, marker string) []any {
	q := r.URL.Query()
	q.Set("marker", marker)
	return []any{map[string]string{"rel": "next", "href": baseURL(r) + r.URL.Path + "?" + q.Encode()}}
}

// listServers is GET /servers/detail. Servers are returned in creation
// order; a marker resumes after the marker server's position even if it
// moved host meanwhile, as Nova's sort-key markers do.
func (s *Sim) listServers(w http.ResponseWriter, r *http.Request, c *call) {
	q := r.URL.Query()
	limit, marker, err := s.pageParams(q)
	if err != nil {
		novaError(w, http.StatusBadRequest, err.Error())
		return
	}
	allTenants := false
	if v, ok := q["all_tenants"]; ok {
		// Nova treats a present all_tenants with an empty value as true.
		allTenants = true
		if v[0] != "" {
			b, ok := parseBoolString(v[0])
			if !ok {
				novaError(w, http.StatusBadRequest, "Invalid input for query parameters all_tenants.")
				return
			}
			allTenants = b
		}
	}
	tenant := c.project
	if t := q.Get("tenant_id"); t != "" && allTenants {
		tenant = t
	} else if allTenants {
		tenant = ""
	}
	// changes-since keeps the servers updated at or after it (Nova also
	// lists deleted ones; the simulator forgets a deleted server).
	var since time.Time
	if v := q.Get("changes-since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			novaError(w, http.StatusBadRequest, fmt.Sprintf("Invalid input for query parameters changes-since. Value: %s. '%s' is not a 'date-time'", v, v))
			return
		}
		since = t
	}
	list := s.serverSeq
	if hn, ok := q["host"]; ok {
		list = nil
		if h := s.hosts[hn[0]]; h != nil {
			list = h.servers
		}
	}
	start := 0
	if marker != "" {
		mv, ok := s.servers[marker]
		if !ok {
			novaError(w, http.StatusBadRequest, fmt.Sprintf("marker [%s] not found", marker))
			return
		}
		start = sort.Search(len(list), func(i int) bool { return list[i].seq > mv.seq })
	}
	out := make([]*serverJSON, 0, min(limit, len(list)-start))
	for _, v := range list[start:] {
		if len(out) == limit {
			break
		}
		if (tenant != "" && v.tenant != tenant) || v.updated.Before(since) {
			continue
		}
		out = append(out, s.renderServer(r, v, c.mv))
	}
	resp := map[string]any{"servers": out}
	if len(out) > 0 && len(out) == limit {
		resp["servers_links"] = nextLink(r, out[len(out)-1].ID)
	}
	writeJSON(w, http.StatusOK, resp)
}

// getServer is GET /servers/{id}.
func (s *Sim) getServer(w http.ResponseWriter, r *http.Request, c *call) {
	v, ok := s.servers[r.PathValue("id")]
	if !ok {
		novaError(w, http.StatusNotFound, fmt.Sprintf("Instance %s could not be found.", r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"server": s.renderServer(r, v, c.mv)})
}

// serverJSON is a server as GET /servers/detail renders it at 2.53.
type serverJSON struct {
	ID             string              `json:"id"`
	Name           string              `json:"name"`
	Status         string              `json:"status"`
	TenantID       string              `json:"tenant_id"`
	UserID         string              `json:"user_id"`
	Metadata       map[string]string   `json:"metadata"`
	HostID         string              `json:"hostId"`
	Image          string              `json:"image"`
	Flavor         map[string]any      `json:"flavor"`
	Created        string              `json:"created"`
	Updated        string              `json:"updated"`
	Addresses      map[string]any      `json:"addresses"`
	AccessIPv4     string              `json:"accessIPv4"`
	AccessIPv6     string              `json:"accessIPv6"`
	Links          []map[string]string `json:"links"`
	DiskConfig     string              `json:"OS-DCF:diskConfig"`
	Progress       int                 `json:"progress"`
	AZ             string              `json:"OS-EXT-AZ:availability_zone"`
	ConfigDrive    string              `json:"config_drive"`
	KeyName        *string             `json:"key_name"`
	LaunchedAt     string              `json:"OS-SRV-USG:launched_at"`
	TerminatedAt   *string             `json:"OS-SRV-USG:terminated_at"`
	Host           string              `json:"OS-EXT-SRV-ATTR:host"`
	InstanceName   string              `json:"OS-EXT-SRV-ATTR:instance_name"`
	Node           string              `json:"OS-EXT-SRV-ATTR:hypervisor_hostname"`
	TaskState      *string             `json:"OS-EXT-STS:task_state"`
	VMState        string              `json:"OS-EXT-STS:vm_state"`
	PowerState     int                 `json:"OS-EXT-STS:power_state"`
	Volumes        []any               `json:"os-extended-volumes:volumes_attached"`
	Locked         bool                `json:"locked"`
	Description    *string             `json:"description"`
	Tags           []string            `json:"tags"`
	SecurityGroups []map[string]string `json:"security_groups"`
	// From 2.3.
	Hostname       string  `json:"OS-EXT-SRV-ATTR:hostname"`
	KernelID       string  `json:"OS-EXT-SRV-ATTR:kernel_id"`
	RAMDiskID      string  `json:"OS-EXT-SRV-ATTR:ramdisk_id"`
	LaunchIndex    int     `json:"OS-EXT-SRV-ATTR:launch_index"`
	ReservationID  string  `json:"OS-EXT-SRV-ATTR:reservation_id"`
	RootDeviceName string  `json:"OS-EXT-SRV-ATTR:root_device_name"`
	UserData       *string `json:"OS-EXT-SRV-ATTR:user_data"`
	// From 2.16.
	HostStatus string `json:"host_status,omitempty"`
	// From 2.71 (always a list then).
	ServerGroups *[]string `json:"server_groups,omitempty"`
	// From 2.73 (null when none); rendered through lockedReasonJSON.
	LockedReason *lockedReasonJSON `json:"locked_reason,omitempty"`
}

// lockedReasonJSON renders locked_reason: a string, or null.
type lockedReasonJSON struct{ v string }

// MarshalJSON implements json.Marshaler.
func (l *lockedReasonJSON) MarshalJSON() ([]byte, error) {
	if l.v == "" {
		return []byte("null"), nil
	}
	return json.Marshal(l.v)
}

func (s *Sim) renderServer(r *http.Request, v *server, mv int) *serverJSON {
	self := baseURL(r) + computeRoot + "/servers/" + v.id
	out := &serverJSON{
		ID: v.id, Name: v.name, Status: v.status(), TenantID: v.tenant, UserID: v.user,
		Metadata: v.metadata, HostID: "hostid-" + v.host.host, Image: "",
		Created: isoTime(v.created), Updated: isoTime(v.updated),
		Addresses: map[string]any{}, Links: []map[string]string{{"rel": "self", "href": self}},
		DiskConfig: "MANUAL", AZ: v.host.zone, LaunchedAt: novaTime(v.created),
		Host: v.host.host, InstanceName: fmt.Sprintf("instance-%08x", v.seq+1), Node: v.host.node,
		VMState: v.vmState, PowerState: v.powerState, Volumes: []any{}, Locked: v.locked,
		Tags: []string{}, SecurityGroups: []map[string]string{{"name": "default"}},
	}
	if v.taskState != "" {
		ts := v.taskState
		out.TaskState = &ts
	}
	if mv >= 3 {
		out.Hostname, out.ReservationID, out.RootDeviceName = v.name, fmt.Sprintf("r-%08x", v.seq+1), "/dev/vda"
	}
	if mv >= 16 {
		// Nova's get_instance_host_status, simplified: forced down or
		// down is DOWN, disabled is MAINTENANCE, otherwise UP.
		switch {
		case v.host.forcedDown || v.host.state(time.Now(), s.opts.ServiceDownTime) == "down":
			out.HostStatus = "DOWN"
		case v.host.disabled:
			out.HostStatus = "MAINTENANCE"
		default:
			out.HostStatus = "UP"
		}
	}
	if mv >= 71 {
		groups := s.groupsOf(v.id)
		out.ServerGroups = &groups
	}
	if mv >= 73 {
		out.LockedReason = &lockedReasonJSON{v.lockedReason}
	}
	if mv >= 47 {
		out.Flavor = map[string]any{
			"original_name": v.flavor.Name, "vcpus": v.flavor.VCPUs, "ram": v.flavor.RAMMB, "disk": v.flavor.DiskGB,
			"ephemeral": 0, "swap": 0, "extra_specs": map[string]string{},
		}
	} else {
		out.Flavor = map[string]any{"id": v.flavor.Name, "links": []any{}}
	}
	return out
}

// listMigrations is GET /os-migrations, newest first, with Nova's filters.
func (s *Sim) listMigrations(w http.ResponseWriter, r *http.Request, c *call) {
	q := r.URL.Query()
	var list []*migration
	if inst := q.Get("instance_uuid"); inst != "" {
		list = s.migByInst[inst]
	} else {
		list = s.migrations
	}
	out := []any{}
	for i := len(list) - 1; i >= 0; i-- {
		m := list[i]
		if h := q.Get("host"); h != "" && m.source != h && m.dest != h {
			continue
		}
		if v := q.Get("source_compute"); v != "" && m.source != v {
			continue
		}
		if v := q.Get("status"); v != "" && m.status != v {
			continue
		}
		if v := q.Get("migration_type"); v != "" && m.typ != v {
			continue
		}
		item := map[string]any{
			"id": m.id, "instance_uuid": m.instance, "source_compute": m.source, "source_node": m.sourceNode,
			"dest_compute": nullable(m.dest), "dest_node": nullable(m.destNode), "dest_host": nil,
			"status": m.status, "created_at": novaTime(m.created), "updated_at": novaTime(m.updated),
			"old_instance_type_id": 1, "new_instance_type_id": 1,
		}
		if c.mv >= 23 {
			item["migration_type"] = m.typ
		}
		if c.mv >= 59 {
			item["uuid"] = m.uuid
		}
		out = append(out, item)
	}
	writeJSON(w, http.StatusOK, map[string]any{"migrations": out})
}

func nullable(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// listHypervisors is GET /os-hypervisors/detail, with capacity derived from
// each host and the servers on it (plus evacuations claimed onto it). From
// 2.88 the capacity fields are gone, as in Nova.
func (s *Sim) listHypervisors(w http.ResponseWriter, r *http.Request, c *call) {
	q := r.URL.Query()
	limit, marker, err := s.pageParams(q)
	if err != nil {
		novaError(w, http.StatusBadRequest, err.Error())
		return
	}
	start := 0
	if marker != "" {
		start = -1
		for i, h := range s.hostOrder {
			if h.hypUUID == marker {
				start = i + 1
			}
		}
		if start < 0 {
			novaError(w, http.StatusBadRequest, fmt.Sprintf("marker [%s] not found", marker))
			return
		}
	}
	now := time.Now()
	out := []any{}
	var last string
	for _, h := range s.hostOrder[start:] {
		if len(out) == limit {
			break
		}
		if p := q.Get("hypervisor_hostname_pattern"); p != "" && !strings.Contains(h.node, p) {
			continue
		}
		item := map[string]any{
			"id": h.hypUUID, "hypervisor_hostname": h.node, "state": h.state(now, s.opts.ServiceDownTime),
			"status": h.status(), "host_ip": "192.0.2.1", "hypervisor_type": "fake", "hypervisor_version": 1000,
			"service": map[string]any{"host": h.host, "id": h.uuid, "disabled_reason": nullable(h.disabledReason)},
		}
		if c.mv < 53 {
			item["id"] = h.id
			item["service"].(map[string]any)["id"] = h.id
		}
		if c.mv < 88 {
			item["vcpus"], item["vcpus_used"] = h.vcpus, h.usedVCPUs
			item["memory_mb"], item["memory_mb_used"], item["free_ram_mb"] = h.ramMB, h.usedRAM, h.ramMB-h.usedRAM
			item["local_gb"], item["local_gb_used"], item["free_disk_gb"] = h.diskGB, h.usedDisk, h.diskGB-h.usedDisk
			item["disk_available_least"] = h.diskGB - h.usedDisk
			item["running_vms"], item["current_workload"] = len(h.servers), 0
			item["cpu_info"] = map[string]any{"arch": "x86_64", "model": "fake", "vendor": "fake", "features": []string{}, "topology": map[string]int{"cores": 1, "threads": 1, "sockets": h.vcpus}}
		}
		out = append(out, item)
		last = h.hypUUID
	}
	resp := map[string]any{"hypervisors": out}
	if c.mv >= 33 && len(out) > 0 && len(out) == limit {
		resp["hypervisors_links"] = nextLink(r, last)
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Sim) aggregateJSON(a *aggregate) map[string]any {
	return map[string]any{
		"id": a.id, "uuid": a.uuid, "name": a.name, "availability_zone": nullable(a.zone),
		"hosts": a.hosts, "metadata": a.metadata, "created_at": novaTime(a.created),
		"updated_at": nil, "deleted_at": nil, "deleted": false,
	}
}

// listAggregates is GET /os-aggregates.
func (s *Sim) listAggregates(w http.ResponseWriter, _ *http.Request, _ *call) {
	out := []any{}
	for _, a := range s.aggregates {
		out = append(out, s.aggregateJSON(a))
	}
	writeJSON(w, http.StatusOK, map[string]any{"aggregates": out})
}

func (s *Sim) findAggregate(w http.ResponseWriter, r *http.Request) *aggregate {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err == nil {
		for _, a := range s.aggregates {
			if a.id == id {
				return a
			}
		}
	}
	novaError(w, http.StatusNotFound, fmt.Sprintf("Aggregate %s could not be found.", r.PathValue("id")))
	return nil
}

// getAggregate is GET /os-aggregates/{id}.
func (s *Sim) getAggregate(w http.ResponseWriter, r *http.Request, _ *call) {
	if a := s.findAggregate(w, r); a != nil {
		writeJSON(w, http.StatusOK, map[string]any{"aggregate": s.aggregateJSON(a)})
	}
}

// aggregateAction is POST /os-aggregates/{id}/action: add_host, remove_host.
func (s *Sim) aggregateAction(w http.ResponseWriter, r *http.Request, c *call) {
	a := s.findAggregate(w, r)
	if a == nil {
		return
	}
	var body map[string]struct {
		Host string `json:"host"`
	}
	if err := json.Unmarshal(c.body, &body); err != nil || len(body) != 1 {
		novaError(w, http.StatusBadRequest, "Malformed request body.")
		return
	}
	for action, arg := range body {
		if arg.Host == "" {
			novaError(w, http.StatusBadRequest, "Invalid input for field/attribute host.")
			return
		}
		member := -1
		for i, h := range a.hosts {
			if h == arg.Host {
				member = i
			}
		}
		switch action {
		case "add_host":
			if _, ok := s.hosts[arg.Host]; !ok {
				novaError(w, http.StatusNotFound, fmt.Sprintf("Compute host %s could not be found.", arg.Host))
				return
			}
			if member >= 0 {
				novaError(w, http.StatusConflict, fmt.Sprintf("Aggregate %d already has host %s.", a.id, arg.Host))
				return
			}
			a.hosts = append(a.hosts, arg.Host)
		case "remove_host":
			if member < 0 {
				novaError(w, http.StatusNotFound, fmt.Sprintf("Cannot remove host %s in aggregate %d", arg.Host, a.id))
				return
			}
			a.hosts = append(a.hosts[:member:member], a.hosts[member+1:]...)
		default:
			novaError(w, http.StatusBadRequest, fmt.Sprintf("Invalid request body: unknown action %q.", action))
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"aggregate": s.aggregateJSON(a)})
}
