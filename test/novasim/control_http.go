package novasim

import "net/http"

// ControlHandler serves the control API over HTTP for processes that
// cannot call the Go methods (the demo, scripts). It is unauthenticated:
// serve it on loopback only. Routes:
//
//	POST /sim/hosts/{host}/kill      KillHost
//	POST /sim/hosts/{host}/down      MarkServiceDown
//	POST /sim/hosts/{host}/revive    ReviveHost
//	GET  /sim/hosts/{host}           Service and ServersOnHost
//	GET  /sim/evacuations            EvacuateCalls
//	POST /sim/finish                 FinishPending
func (s *Sim) ControlHandler() http.Handler {
	m := http.NewServeMux()
	hostOp := func(op func(string) error) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if err := op(r.PathValue("host")); err != nil {
				http.Error(w, err.Error(), http.StatusNotFound)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}
	}
	m.HandleFunc("POST /sim/hosts/{host}/kill", hostOp(s.KillHost))
	m.HandleFunc("POST /sim/hosts/{host}/down", hostOp(s.MarkServiceDown))
	m.HandleFunc("POST /sim/hosts/{host}/revive", hostOp(s.ReviveHost))
	m.HandleFunc("GET /sim/hosts/{host}", func(w http.ResponseWriter, r *http.Request) {
		svc, ok := s.Service(r.PathValue("host"))
		if !ok {
			http.Error(w, "unknown host", http.StatusNotFound)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"service": svc, "servers": s.ServersOnHost(svc.Host)})
	})
	m.HandleFunc("GET /sim/evacuations", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"evacuations": s.EvacuateCalls()})
	})
	m.HandleFunc("POST /sim/finish", func(w http.ResponseWriter, _ *http.Request) {
		s.FinishPending()
		w.WriteHeader(http.StatusNoContent)
	})
	return m
}
