package novasim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// knownActions are the server actions the simulator implements.
var knownActions = map[string]bool{
	"evacuate": true, "os-start": true, "os-stop": true, "os-resetState": true, "lock": true, "unlock": true,
}

// serverAction is POST /servers/{id}/action.
func (s *Sim) serverAction(w http.ResponseWriter, r *http.Request, c *call) {
	var body map[string]json.RawMessage
	if err := json.Unmarshal(c.body, &body); err != nil || len(body) != 1 {
		novaError(w, http.StatusBadRequest, "Malformed request body: exactly one action expected.")
		return
	}
	name := actionName(c.body)
	if !knownActions[name] {
		novaError(w, http.StatusBadRequest, fmt.Sprintf("There is no such action: %s", name))
		return
	}
	v, ok := s.servers[r.PathValue("id")]
	if !ok {
		// Nova validates the body's schema before looking the server up.
		if arg, isEvac := body["evacuate"]; isEvac {
			if _, _, msg := parseEvacuate(arg, c.mv); msg != "" {
				novaError(w, http.StatusBadRequest, msg)
				return
			}
		}
		msg := "Instance %s could not be found."
		if name == "os-start" || name == "os-stop" {
			msg = "Instance %s has no mapping to a cell." // sic, Nova Zed
		}
		novaError(w, http.StatusNotFound, fmt.Sprintf(msg, r.PathValue("id")))
		return
	}
	for action, arg := range body {
		switch action {
		case "evacuate":
			s.evacuate(w, v, arg, c)
		case "os-start":
			s.power(w, v, "start")
		case "os-stop":
			s.power(w, v, "stop")
		case "os-resetState":
			s.resetState(w, v, arg)
		case "lock":
			reason := ""
			if c.mv >= 73 && string(arg) != "null" {
				var opts map[string]json.RawMessage
				if json.Unmarshal(arg, &opts) != nil {
					novaError(w, http.StatusBadRequest, "Invalid input for field/attribute lock. Value: "+string(arg)+". It is not of type 'object'")
					return
				}
				for k, raw := range opts {
					if k != "locked_reason" {
						novaError(w, http.StatusBadRequest, fmt.Sprintf("Invalid input for field/attribute lock. Value: %s. Additional properties are not allowed ('%s' was unexpected)", arg, k))
						return
					}
					if json.Unmarshal(raw, &reason) != nil || len(reason) > 255 {
						novaError(w, http.StatusBadRequest, "Invalid input for field/attribute locked_reason. Value: "+string(raw)+".")
						return
					}
				}
			}
			// An admin locking a locked server replaces the reason (Nova
			// keeps an owner's re-lock as it was; the simulator's one user
			// is an admin).
			v.locked, v.lockedReason = true, reason
			v.updated = time.Now()
			w.WriteHeader(http.StatusAccepted)
		case "unlock":
			v.locked, v.lockedReason = false, ""
			v.updated = time.Now()
			w.WriteHeader(http.StatusAccepted)
		}
	}
}

// invalidState is Nova's InstanceInvalidState (409).
func invalidState(w http.ResponseWriter, v *server, method string) {
	attr, state := "vm_state", v.vmState
	if v.taskState != "" {
		attr, state = "task_state", v.taskState
	}
	novaError(w, http.StatusConflict, fmt.Sprintf("Cannot '%s' instance %s while it is in %s %s", method, v.id, attr, state))
}

// evacuate follows nova/api/openstack/compute/evacuate.py and
// compute/api.py evacuate at microversion c.mv.
func (s *Sim) evacuate(w http.ResponseWriter, v *server, arg json.RawMessage, c *call) {
	now := time.Now()
	rec := EvacuateCall{ServerID: v.id, SourceHost: v.host.host, At: now}
	refuse := func(code int, msg string) {
		rec.Code, rec.Message = code, msg
		s.recordEvacuate(rec)
		novaError(w, code, msg)
	}
	target, force, msg := parseEvacuate(arg, c.mv)
	if msg != "" {
		refuse(http.StatusBadRequest, msg)
		return
	}
	rec.RequestedHost = target
	var dest *host
	if target != "" {
		dest = s.hosts[target]
		if dest == nil {
			refuse(http.StatusNotFound, fmt.Sprintf("Compute host %s not found.", target))
			return
		}
		if dest == v.host {
			refuse(http.StatusBadRequest, "The target host can't be the same one.")
			return
		}
	}
	if v.taskState != "" || !slices.Contains([]string{"active", "stopped", "error"}, v.vmState) {
		rec.Code = http.StatusConflict
		s.recordEvacuate(rec)
		invalidState(w, v, "evacuate")
		return
	}
	if v.host.state(now, s.opts.ServiceDownTime) == "up" {
		refuse(http.StatusBadRequest, fmt.Sprintf("Compute service of %s is still in use.", v.host.host))
		return
	}
	if dest != nil && !force && !s.eligible(dest, v, now) {
		if s.opts.RefuseInvalidTargets {
			refuse(http.StatusBadRequest, fmt.Sprintf("No valid host was found. Host %s is down, disabled or lacks resources for instance %s.", dest.host, v.id))
			return
		}
		// Nova's scheduler rejects it later: NoValidHost, asynchronously.
		dest = nil
	} else if dest == nil {
		dest = s.schedule(v, now) // nil: NoValidHost, asynchronously as in Nova
	}

	rec.Code = http.StatusOK
	if dest != nil {
		rec.TargetHost = dest.host
		dest.claim(v.flavor, 1)
		v.evacDest = dest
	}
	idx := s.recordEvacuate(rec)
	s.nextMigID++
	m := &migration{
		id: s.nextMigID, uuid: newUUID(), instance: v.id, source: v.host.host, sourceNode: v.host.node,
		typ: "evacuation", status: "accepted", created: now, updated: now,
	}
	if dest != nil {
		m.dest, m.destNode = dest.host, dest.node
	}
	s.migrations = append(s.migrations, m)
	s.migByInst[v.id] = append(s.migByInst[v.id], m)
	v.taskState = "rebuilding"
	v.updated = now
	origState := v.vmState
	fail := s.failEvac[v.id]
	stopAtDest := c.mv >= 95
	finish := func() {
		done := time.Now()
		m.updated = done
		s.evacCalls[idx].DoneAt = done
		v.taskState = ""
		v.evacDest = nil
		v.updated = done
		switch {
		case dest == nil:
			m.status = "error"
			v.vmState = "error"
			s.evacCalls[idx].Result = "error"
		case fail:
			dest.claim(v.flavor, -1)
			m.status = "failed"
			v.vmState = "error"
			s.evacCalls[idx].Result = "failed"
		default:
			m.status = "done"
			// Nova rebuilds an ERROR instance to ACTIVE; before 2.95 a
			// stopped one stays stopped and an active one runs, from 2.95
			// every evacuated instance is stopped at the destination.
			v.vmState, v.powerState = "active", powerRunning
			if origState == "stopped" || stopAtDest {
				v.vmState, v.powerState = "stopped", powerShutdown
			}
			s.evacCalls[idx].Result = "done"
		}
	}
	if dest == nil || fail {
		s.after(s.opts.EvacuateDelay, finish)
	} else {
		// Halfway the server is already on its target but still
		// rebuilding (task_state rebuild_spawning), as in Nova: a host
		// that changed is not yet a finished evacuation.
		half := s.opts.EvacuateDelay / 2
		rest := s.opts.EvacuateDelay - half
		s.after(half, func() {
			dest.claim(v.flavor, -1)
			v.host.removeServer(v)
			v.host = dest
			dest.addServer(v)
			v.taskState = "rebuild_spawning"
			v.updated = time.Now()
			s.after(rest, finish)
		})
	}
	if c.mv < 14 {
		writeJSON(w, http.StatusOK, map[string]string{"adminPass": "simulated"})
		return
	}
	w.WriteHeader(http.StatusOK)
}

// parseEvacuate checks an evacuate body against Nova's schema at
// microversion mv; msg is the 400 message of an invalid body.
func parseEvacuate(arg json.RawMessage, mv int) (target string, force bool, msg string) {
	var opts map[string]json.RawMessage
	if err := json.Unmarshal(arg, &opts); err != nil || opts == nil {
		return "", false, "Invalid input for field/attribute evacuate. Value: " + string(arg) + ". It is not of type 'object'"
	}
	allowed := map[string]bool{"host": true, "adminPass": true}
	if mv < 14 {
		allowed["onSharedStorage"] = true
	}
	if mv >= 29 && mv < 68 {
		allowed["force"] = true
	}
	for k := range opts {
		if !allowed[k] {
			return "", false, fmt.Sprintf("Invalid input for field/attribute evacuate. Value: %s. Additional properties are not allowed ('%s' was unexpected)", arg, k)
		}
	}
	if _, ok := opts["onSharedStorage"]; mv < 14 && !ok {
		return "", false, "Invalid input for field/attribute evacuate. 'onSharedStorage' is a required property"
	}
	if raw, ok := opts["host"]; ok {
		if json.Unmarshal(raw, &target) != nil || target == "" {
			return "", false, "Invalid input for field/attribute host. Value: " + string(raw) + "."
		}
	}
	if raw, ok := opts["force"]; ok {
		b, okb := parseNovaBool(raw)
		if !okb {
			return "", false, "Invalid input for field/attribute force. Value: " + string(raw) + "."
		}
		force = b
	}
	return target, force, ""
}

func (s *Sim) recordEvacuate(rec EvacuateCall) int {
	s.evacCalls = append(s.evacCalls, rec)
	i := len(s.evacCalls) - 1
	s.evacByInst[rec.ServerID] = append(s.evacByInst[rec.ServerID], i)
	return i
}

// eligible is whether the scheduler would accept h for v: up, enabled,
// not forced down, not v's host, and room for v's flavor.
func (s *Sim) eligible(h *host, v *server, now time.Time) bool {
	return h != v.host && !h.disabled && !h.forcedDown && h.state(now, s.opts.ServiceDownTime) == "up" && h.fits(v.flavor) &&
		s.groupsAllow(h, v)
}

// schedule picks the eligible host with the most free RAM (Nova's default
// RAM weigher spreads load the same way), ties broken by name.
func (s *Sim) schedule(v *server, now time.Time) *host {
	var best *host
	for _, h := range s.hostOrder {
		if !s.eligible(h, v, now) {
			continue
		}
		if best == nil || h.ramMB-h.usedRAM > best.ramMB-best.usedRAM {
			best = h
		}
	}
	return best
}

// power is os-start / os-stop. Both need the server's compute service up
// (Nova's check_instance_host(check_is_up=True)).
func (s *Sim) power(w http.ResponseWriter, v *server, op string) {
	now := time.Now()
	from, task, to, ps := []string{"active", "error"}, "powering-off", "stopped", powerShutdown
	if op == "start" {
		from, task, to, ps = []string{"stopped"}, "powering-on", "active", powerRunning
	}
	if v.taskState != "" || !slices.Contains(from, v.vmState) {
		invalidState(w, v, op)
		return
	}
	if v.host.state(now, s.opts.ServiceDownTime) != "up" {
		novaError(w, http.StatusConflict, "Service is unavailable at this time.")
		return
	}
	v.taskState = task
	v.updated = now
	s.after(s.opts.PowerDelay, func() {
		v.taskState = ""
		v.vmState, v.powerState = to, ps
		v.updated = time.Now()
	})
	w.WriteHeader(http.StatusAccepted)
}

// resetState is os-resetState {"state": "active"|"error"}.
func (s *Sim) resetState(w http.ResponseWriter, v *server, arg json.RawMessage) {
	var body struct {
		State string `json:"state"`
	}
	if err := json.Unmarshal(arg, &body); err != nil || (body.State != "active" && body.State != "error") {
		novaError(w, http.StatusBadRequest, "Invalid input for field/attribute state. Value: "+string(arg)+". It must be one of active, error.")
		return
	}
	v.vmState = body.State
	v.taskState = ""
	v.updated = time.Now()
	w.WriteHeader(http.StatusAccepted)
}
