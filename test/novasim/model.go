package novasim

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"time"
)

// Power states as Nova reports them in OS-EXT-STS:power_state.
const (
	powerRunning  = 1
	powerShutdown = 4
)

// service is a Nova service row. Compute services are embedded in a host.
type service struct {
	id             int    // before microversion 2.53
	uuid           string // from 2.53
	binary         string
	host           string
	zone           string
	disabled       bool
	disabledReason string
	forcedDown     bool
	alive          bool      // the process heartbeats
	diedAt         time.Time // when it stopped heartbeating
	updatedAt      time.Time
}

// state is Nova's servicegroup verdict: down when forced down or when the
// last heartbeat is older than service_down_time.
func (v *service) state(now time.Time, downTime time.Duration) string {
	switch {
	case v.forcedDown:
		return "down"
	case v.alive:
		return "up"
	case now.Sub(v.diedAt) >= downTime:
		return "down"
	default:
		return "up"
	}
}

func (v *service) status() string {
	if v.disabled {
		return "disabled"
	}
	return "enabled"
}

// host is a compute host: its nova-compute service and its hypervisor.
type host struct {
	service
	hypUUID string
	node    string // hypervisor_hostname
	vcpus   int
	ramMB   int
	diskGB  int
	// used* count the servers on the host plus evacuations claimed onto it.
	usedVCPUs, usedRAM, usedDisk int
	servers                      []*server // sorted by seq
	// inv tunes the host's Placement inventory (reserved amounts, ratios).
	inv Inventory
	// rpGeneration is its resource provider's generation.
	rpGeneration int
}

// capacity is what Placement lets be allocated of a class:
// (total - reserved) * allocation_ratio.
func capacity(total, reserved int, ratio float64) int {
	if ratio <= 0 {
		ratio = 1
	}
	return int(float64(total-reserved) * ratio)
}

// fits is Placement's check: every class's usage plus the flavor within
// its capacity.
func (h *host) fits(f Flavor) bool {
	return h.usedVCPUs+f.VCPUs <= capacity(h.vcpus, h.inv.ReservedVCPUs, h.inv.CPUAllocationRatio) &&
		h.usedRAM+f.RAMMB <= capacity(h.ramMB, h.inv.ReservedMemoryMB, h.inv.RAMAllocationRatio) &&
		h.usedDisk+f.DiskGB <= capacity(h.diskGB, h.inv.ReservedDiskGB, h.inv.DiskAllocationRatio)
}

func (h *host) claim(f Flavor, sign int) {
	h.usedVCPUs += sign * f.VCPUs
	h.usedRAM += sign * f.RAMMB
	h.usedDisk += sign * f.DiskGB
}

func (h *host) addServer(v *server) {
	i := sort.Search(len(h.servers), func(i int) bool { return h.servers[i].seq >= v.seq })
	h.servers = slices.Insert(h.servers, i, v)
	h.claim(v.flavor, 1)
}

func (h *host) removeServer(v *server) {
	i := sort.Search(len(h.servers), func(i int) bool { return h.servers[i].seq >= v.seq })
	if i < len(h.servers) && h.servers[i] == v {
		h.servers = slices.Delete(h.servers, i, i+1)
		h.claim(v.flavor, -1)
	}
}

// server is an instance.
type server struct {
	seq        int
	id         string
	name       string
	tenant     string
	user       string
	host       *host
	vmState    string
	taskState  string
	powerState int
	locked     bool
	// lockedReason is the lock's locked_reason (microversion >= 2.73).
	lockedReason string
	// evacDest is the target of an evacuation in flight (nil otherwise).
	evacDest *host
	metadata map[string]string
	flavor   Flavor
	created  time.Time
	updated  time.Time
}

// status is Nova's API status derived from vm_state and task_state
// (nova/api/openstack/common.py _STATE_MAP, the subset that can occur here).
func (v *server) status() string {
	if v.taskState == "rebuilding" || v.taskState == "rebuild_spawning" {
		return "REBUILD"
	}
	switch v.vmState {
	case "active":
		return "ACTIVE"
	case "stopped":
		return "SHUTOFF"
	case "error":
		return "ERROR"
	case "building":
		return "BUILD"
	case "paused":
		return "PAUSED"
	case "suspended":
		return "SUSPENDED"
	case "rescued":
		return "RESCUE"
	case "resized":
		return "VERIFY_RESIZE"
	case "shelved_offloaded":
		return "SHELVED_OFFLOADED"
	default:
		return "UNKNOWN"
	}
}

// migration is an os-migrations row.
type migration struct {
	id         int
	uuid       string
	instance   string
	source     string
	sourceNode string
	dest       string
	destNode   string
	typ        string
	status     string
	created    time.Time
	updated    time.Time
}

// aggregate is a host aggregate.
type aggregate struct {
	id       int
	uuid     string
	name     string
	zone     string
	hosts    []string
	metadata map[string]string
	created  time.Time
}

// token is an issued Keystone token.
type token struct {
	projectID string
	issued    time.Time
	expires   time.Time
}

// newUUID returns a random version-4 UUID string.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("read random bytes: %v", err)) // crypto/rand never fails on Linux
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// newToken returns a random opaque token.
func newToken() string {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("read random bytes: %v", err))
	}
	return "gAAAA" + hex.EncodeToString(b[:])
}

// novaTime formats t as Nova's timestamps (no zone, microseconds).
func novaTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000")
}

// isoTime formats t as the servers API's created/updated fields.
func isoTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05Z")
}
