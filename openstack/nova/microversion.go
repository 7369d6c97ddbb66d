package nova

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/utils"
)

// Microversion limits: Lazarus needs MinMinor (2.53: PUT /os-services/{uuid}
// with forced_down and disabled_reason, UUID service and hypervisor IDs)
// and uses at most MaxMinor, the newest compute microversion whose
// changes it knows. Against a Nova newer than that it keeps using MaxMinor,
// which every later Nova still serves.
const (
	MinMinor = 53
	MaxMinor = 96
)

// Microversion is the oldest compute microversion Lazarus works with; it
// is also what a client speaks when Nova's version document cannot be read.
const Microversion = "2.53"

// Features is everything in Lazarus that depends on the compute
// microversion in use, decided in this one place from the negotiated
// minor version (FeaturesAt). Callers branch on these fields, never on
// the number.
type Features struct {
	// Microversion is the negotiated version, e.g. "2.93".
	Microversion string
	// Minor is its minor part.
	Minor int
	// EvacuateStopsInstance: from 2.95 Nova leaves every evacuated
	// instance stopped at its destination; the caller starts those that
	// were running before the failure.
	EvacuateStopsInstance bool
	// LockReason: from 2.73 a lock carries locked_reason, and servers show it.
	LockReason bool
	// HypervisorCapacity: below 2.88 os-hypervisors still reports vcpus,
	// memory_mb and local_gb with their usage; from 2.88 capacity comes
	// only from Placement.
	HypervisorCapacity bool
	// ServerGroupsInServer: from 2.71 a server shows the IDs of its server
	// groups.
	ServerGroupsInServer bool
	// ServerGroupPolicy: from 2.64 a server group has one "policy" (and
	// "rules"); before, a "policies" list.
	ServerGroupPolicy bool
	// PinnedAvailabilityZone: from 2.96 a server shows the availability
	// zone it was booted into (pinned_availability_zone); before, only
	// the zone of its current host is known.
	PinnedAvailabilityZone bool
	// EvacuateSharedStorage: below 2.14 evacuate requires onSharedStorage
	// (and answers adminPass). Never true from MinMinor on: Lazarus sends
	// only "host", which every version from 2.14 accepts, and lets Nova
	// decide the storage (shared, boot from volume or local).
	EvacuateSharedStorage bool
	// EvacuateForce: 2.29 to 2.67 accept evacuate "force" (skip the
	// scheduler). Lazarus never sends it: the scheduler then checks the
	// chosen target against the instance's server groups and Placement.
	EvacuateForce bool
}

// FeaturesAt returns the behaviour of compute microversion 2.minor.
func FeaturesAt(minor int) Features {
	return Features{
		Microversion:           "2." + strconv.Itoa(minor),
		Minor:                  minor,
		EvacuateStopsInstance:  minor >= 95,
		LockReason:             minor >= 73,
		HypervisorCapacity:     minor < 88,
		ServerGroupsInServer:   minor >= 71,
		ServerGroupPolicy:      minor >= 64,
		PinnedAvailabilityZone: minor >= 96,
		EvacuateSharedStorage:  minor < 14,
		EvacuateForce:          minor >= 29 && minor < 68,
	}
}

// Negotiate picks the microversion to use from the range a Nova announces
// in its version document: the highest both know, at least MinMinor. It
// fails when Nova's range lies entirely outside Lazarus's.
func Negotiate(v utils.SupportedMicroversions) (int, error) {
	if v.MaxMajor != 2 || v.MaxMinor < MinMinor {
		return 0, fmt.Errorf("nova supports compute microversions %d.%d to %d.%d; lazarus needs 2.%d (Pike) or newer",
			v.MinMajor, v.MinMinor, v.MaxMajor, v.MaxMinor, MinMinor)
	}
	if v.MinMajor > 2 || (v.MinMajor == 2 && v.MinMinor > MaxMinor) {
		return 0, fmt.Errorf("nova supports compute microversions %d.%d to %d.%d; lazarus knows 2.%d to 2.%d",
			v.MinMajor, v.MinMinor, v.MaxMajor, v.MaxMinor, MinMinor, MaxMinor)
	}
	return min(v.MaxMinor, MaxMinor), nil
}

// negotiate reads Nova's version document and returns the minor version to
// use. An endpoint without a readable document (some catalogs carry a
// project ID after /v2.1) falls back to MinMinor with a warning: Nova then
// answers 406 to the first call if it really is too old.
func negotiate(ctx context.Context, sc *gophercloud.ServiceClient, log *slog.Logger) (int, error) {
	supported, err := utils.GetSupportedMicroversions(ctx, sc)
	if err != nil {
		log.WarnContext(ctx, "cannot read nova's supported microversions; using "+Microversion,
			"endpoint", sc.Endpoint, "err", err)
		return MinMinor, nil
	}
	minor, err := Negotiate(supported)
	if err != nil {
		return 0, fmt.Errorf("nova at %s: %w", sc.Endpoint, err)
	}
	log.InfoContext(ctx, "negotiated compute microversion", "endpoint", sc.Endpoint,
		"nova_min", fmt.Sprintf("%d.%d", supported.MinMajor, supported.MinMinor),
		"nova_max", fmt.Sprintf("%d.%d", supported.MaxMajor, supported.MaxMinor),
		"lazarus_max", "2."+strconv.Itoa(MaxMinor), "using", "2."+strconv.Itoa(minor))
	return minor, nil
}

// Features is the behaviour of the microversion this client negotiated.
func (c *Client) Features() Features { return c.feat }
