//go:build pprof

package main

// Built only with -tags pprof (LAZARUS_BENCH_TAGS=pprof in the API
// benchmark): LAZARUS_PPROF=host:port serves net/http/pprof there, with
// mutex and block profiling on, to profile lazarus-api under wrk. A
// normal build has none of it.

import (
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
)

func init() {
	if addr := os.Getenv("LAZARUS_PPROF"); addr != "" {
		runtime.SetMutexProfileFraction(5)
		runtime.SetBlockProfileRate(100000)
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
