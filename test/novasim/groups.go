package novasim

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
)

// serverGroup is an os-server-groups row.
type serverGroup struct {
	id, name, policy, project string
	members                   []string
}

// Server group policies Nova knows.
var groupPolicies = map[string]bool{"affinity": true, "anti-affinity": true, "soft-affinity": true, "soft-anti-affinity": true}

// AddServerGroup adds a server group with policy (affinity, anti-affinity,
// soft-affinity or soft-anti-affinity) and existing members, and returns
// its ID.
func (s *Sim) AddServerGroup(name, policy string, members []string) (string, error) {
	if !groupPolicies[policy] {
		return "", fmt.Errorf("add server group %s: unknown policy %q", name, policy)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range members {
		if _, ok := s.servers[m]; !ok {
			return "", fmt.Errorf("add server group %s: unknown server %q", name, m)
		}
	}
	g := &serverGroup{id: newUUID(), name: name, policy: policy, project: s.opts.ProjectID, members: slices.Clone(members)}
	s.groups = append(s.groups, g)
	return g.id, nil
}

// groupsOf is the IDs of the server's groups. Callers hold s.mu.
func (s *Sim) groupsOf(id string) []string {
	out := []string{}
	for _, g := range s.groups {
		if slices.Contains(g.members, id) {
			out = append(out, g.id)
		}
	}
	return out
}

// groupsAllow is Nova's ServerGroupAntiAffinityFilter and
// ServerGroupAffinityFilter for v on h: no other member of an
// anti-affinity group on (or evacuating to) h; for affinity, h must be
// where the other members are, when any is on a live host. Callers hold
// s.mu.
func (s *Sim) groupsAllow(h *host, v *server) bool {
	for _, g := range s.groups {
		if !slices.Contains(g.members, v.id) {
			continue
		}
		var others []*host
		for _, m := range g.members {
			if o := s.servers[m]; o != nil && o != v {
				others = append(others, o.host)
				if o.evacDest != nil {
					others = append(others, o.evacDest)
				}
			}
		}
		switch g.policy {
		case "anti-affinity":
			if slices.Contains(others, h) {
				return false
			}
		case "affinity":
			live := false
			for _, o := range others {
				live = live || (o != v.host && !o.forcedDown)
			}
			if live && !slices.Contains(others, h) {
				return false
			}
		}
	}
	return true
}

// listServerGroups is GET /os-server-groups (?all_projects, limit, offset).
func (s *Sim) listServerGroups(w http.ResponseWriter, r *http.Request, c *call) {
	q := r.URL.Query()
	all := false
	if v, ok := q["all_projects"]; ok {
		all = v[0] == ""
		if b, ok := parseBoolString(v[0]); ok {
			all = b
		}
	}
	limit, offset := s.opts.MaxLimit, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			novaError(w, http.StatusBadRequest, "Invalid input for query parameters limit. Value: "+v+".")
			return
		}
		limit = min(n, limit)
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			novaError(w, http.StatusBadRequest, "Invalid input for query parameters offset. Value: "+v+".")
			return
		}
		offset = n
	}
	out := []any{}
	for _, g := range s.groups {
		if !all && g.project != c.project {
			continue
		}
		if offset > 0 {
			offset--
			continue
		}
		if len(out) == limit {
			break
		}
		item := map[string]any{"id": g.id, "name": g.name, "members": g.members, "project_id": g.project, "user_id": "user-of-" + g.project}
		if c.mv >= 64 {
			item["policy"], item["rules"] = g.policy, map[string]any{}
		} else {
			item["policies"], item["metadata"] = []string{g.policy}, map[string]any{}
		}
		out = append(out, item)
	}
	writeJSON(w, http.StatusOK, map[string]any{"server_groups": out})
}
