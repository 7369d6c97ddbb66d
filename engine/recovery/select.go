package recovery

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// SelectOptions are the [host_failure] options that choose instances.
type SelectOptions struct {
	HAKey                string
	EvacuateAll          bool
	IgnoreErrorInstances bool
	PriorityKey          string
}

// truthy is oslo's bool_from_string for metadata values.
func truthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "t", "true", "on", "y", "yes":
		return true
	}
	return false
}

// Selected is one instance to evacuate.
type Selected struct {
	Server   Server
	HA       bool
	Priority int
}

// Select picks the instances of a failed host to evacuate, in order:
// HA-enabled first, then by priority (higher first), then by name, so the
// order is stable across resumes. Instances in ERROR are left when
// IgnoreErrorInstances; non-HA instances only with EvacuateAll.
func Select(servers []Server, o SelectOptions) []Selected {
	var out []Selected
	for _, s := range servers {
		if o.IgnoreErrorInstances && s.VMState == "error" {
			continue
		}
		ha := truthy(s.Metadata[o.HAKey])
		if !ha && !o.EvacuateAll {
			continue
		}
		p := 0
		if o.PriorityKey != "" {
			if v, err := strconv.Atoi(strings.TrimSpace(s.Metadata[o.PriorityKey])); err == nil {
				p = v
			}
		}
		out = append(out, Selected{Server: s, HA: ha, Priority: p})
	}
	slices.SortStableFunc(out, func(a, b Selected) int {
		if a.HA != b.HA {
			if a.HA {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(b.Priority, a.Priority); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.Server.Name, b.Server.Name), cmp.Compare(a.Server.ID, b.Server.ID))
	})
	return out
}
