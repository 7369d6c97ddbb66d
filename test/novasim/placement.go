package novasim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// placementRoot is where the Placement API is mounted.
const placementRoot = "/placement"

// The resource classes of a compute node's provider.
const (
	classVCPU   = "VCPU"
	classMemory = "MEMORY_MB"
	classDisk   = "DISK_GB"
)

func (s *Sim) placementRoutes(m *http.ServeMux) {
	m.HandleFunc("GET "+placementRoot+"/{$}", s.placementVersions)
	m.HandleFunc("GET "+placementRoot, s.placementVersions)
	m.HandleFunc("GET "+placementRoot+"/resource_providers", s.placementAPI(s.listProviders))
	m.HandleFunc("GET "+placementRoot+"/resource_providers/{uuid}/inventories", s.placementAPI(s.getInventories))
	m.HandleFunc("PUT "+placementRoot+"/resource_providers/{uuid}/inventories", s.placementAPI(s.putInventories))
	m.HandleFunc("GET "+placementRoot+"/resource_providers/{uuid}/usages", s.placementAPI(s.getUsages))
}

// placementError writes Placement's error body.
func placementError(w http.ResponseWriter, code int, title, detail string) {
	writeJSON(w, code, map[string]any{"errors": []any{map[string]any{"status": code, "title": title, "detail": detail, "request_id": "req-" + newUUID()}}})
}

// placementAPI wraps a Placement handler: token check; it runs with s.mu held.
func (s *Sim) placementAPI(fn func(w http.ResponseWriter, r *http.Request, body []byte)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			placementError(w, http.StatusBadRequest, "Bad Request", "Cannot read the request body.")
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		tok, ok := s.tokens[r.Header.Get("X-Auth-Token")]
		if !ok || time.Now().After(tok.expires) {
			placementError(w, http.StatusUnauthorized, "Unauthorized", "The request you have made requires authentication.")
			return
		}
		if f := s.matchFault(r.Method, r.URL.Path, body); f != nil {
			placementError(w, f.Status, http.StatusText(f.Status), f.Message)
			return
		}
		w.Header().Set("OpenStack-API-Version", "placement 1.0")
		fn(w, r, body)
	}
}

// placementVersions is GET /placement/: the version document.
func (s *Sim) placementVersions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"versions": []any{map[string]any{
		"id": "v1.0", "max_version": "1.39", "min_version": "1.0", "status": "CURRENT",
		"links": []any{map[string]string{"rel": "self", "href": baseURL(r) + placementRoot + "/"}},
	}}})
}

// providerOf returns the compute node provider (its UUID is the
// hypervisor's, as in Nova), or writes a 404. Callers hold s.mu.
func (s *Sim) providerOf(w http.ResponseWriter, r *http.Request) *host {
	id := r.PathValue("uuid")
	for _, h := range s.hostOrder {
		if h.hypUUID == id {
			return h
		}
	}
	placementError(w, http.StatusNotFound, "Not Found", fmt.Sprintf("No resource provider with uuid %s found", id))
	return nil
}

// listProviders is GET /resource_providers (?name=).
func (s *Sim) listProviders(w http.ResponseWriter, r *http.Request, _ []byte) {
	name := r.URL.Query().Get("name")
	out := []any{}
	for _, h := range s.hostOrder {
		if name != "" && h.node != name {
			continue
		}
		out = append(out, map[string]any{
			"uuid": h.hypUUID, "name": h.node, "generation": h.rpGeneration,
			"parent_provider_uuid": nil, "root_provider_uuid": h.hypUUID, "links": []any{},
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"resource_providers": out})
}

type inventoryJSON struct {
	Total           int     `json:"total"`
	Reserved        int     `json:"reserved"`
	MinUnit         int     `json:"min_unit"`
	MaxUnit         int     `json:"max_unit"`
	StepSize        int     `json:"step_size"`
	AllocationRatio float64 `json:"allocation_ratio"`
}

func ratioOr1(r float64) float64 {
	if r <= 0 {
		return 1
	}
	return r
}

func (h *host) inventories() map[string]inventoryJSON {
	return map[string]inventoryJSON{
		classVCPU:   {Total: h.vcpus, Reserved: h.inv.ReservedVCPUs, MinUnit: 1, MaxUnit: h.vcpus, StepSize: 1, AllocationRatio: ratioOr1(h.inv.CPUAllocationRatio)},
		classMemory: {Total: h.ramMB, Reserved: h.inv.ReservedMemoryMB, MinUnit: 1, MaxUnit: h.ramMB, StepSize: 1, AllocationRatio: ratioOr1(h.inv.RAMAllocationRatio)},
		classDisk:   {Total: h.diskGB, Reserved: h.inv.ReservedDiskGB, MinUnit: 1, MaxUnit: h.diskGB, StepSize: 1, AllocationRatio: ratioOr1(h.inv.DiskAllocationRatio)},
	}
}

// getInventories is GET /resource_providers/{uuid}/inventories.
func (s *Sim) getInventories(w http.ResponseWriter, r *http.Request, _ []byte) {
	if h := s.providerOf(w, r); h != nil {
		writeJSON(w, http.StatusOK, map[string]any{"resource_provider_generation": h.rpGeneration, "inventories": h.inventories()})
	}
}

// putInventories is PUT /resource_providers/{uuid}/inventories: only
// reserved and allocation_ratio of the three classes can change here
// (the totals are the hypervisor's).
func (s *Sim) putInventories(w http.ResponseWriter, r *http.Request, body []byte) {
	h := s.providerOf(w, r)
	if h == nil {
		return
	}
	var req struct {
		Generation  *int                     `json:"resource_provider_generation"`
		Inventories map[string]inventoryJSON `json:"inventories"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Generation == nil || req.Inventories == nil {
		placementError(w, http.StatusBadRequest, "Bad Request", "JSON does not validate: 'resource_provider_generation' and 'inventories' are required")
		return
	}
	if *req.Generation != h.rpGeneration {
		placementError(w, http.StatusConflict, "Conflict", "resource provider generation conflict")
		return
	}
	inv := Inventory{}
	for class, v := range req.Inventories {
		switch class {
		case classVCPU:
			inv.ReservedVCPUs, inv.CPUAllocationRatio = v.Reserved, v.AllocationRatio
		case classMemory:
			inv.ReservedMemoryMB, inv.RAMAllocationRatio = v.Reserved, v.AllocationRatio
		case classDisk:
			inv.ReservedDiskGB, inv.DiskAllocationRatio = v.Reserved, v.AllocationRatio
		default:
			placementError(w, http.StatusBadRequest, "Bad Request", "Unknown resource class "+class)
			return
		}
	}
	h.inv = inv
	h.rpGeneration++
	writeJSON(w, http.StatusOK, map[string]any{"resource_provider_generation": h.rpGeneration, "inventories": h.inventories()})
}

// getUsages is GET /resource_providers/{uuid}/usages: the servers on the
// host plus the evacuations claimed onto it.
func (s *Sim) getUsages(w http.ResponseWriter, r *http.Request, _ []byte) {
	if h := s.providerOf(w, r); h != nil {
		writeJSON(w, http.StatusOK, map[string]any{"resource_provider_generation": h.rpGeneration,
			"usages": map[string]int{classVCPU: h.usedVCPUs, classMemory: h.usedRAM, classDisk: h.usedDisk}})
	}
}
