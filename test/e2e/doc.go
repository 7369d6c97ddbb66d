// Package e2e runs Lazarus end to end against the real OpenStack test cloud
// that cloud.sh builds on 127.0.0.1 (Keystone, Glance, Placement, Neutron,
// Nova with fake computes, one ipmi_sim BMC per host). Its tests carry the
// build tag e2e, so plain `go test ./...` skips them; run them with
//
//	go test -tags e2e -count=1 -v -timeout 60m ./test/e2e/
//
// (as root; `make e2e`). See README.md, section "Scenarios".
package e2e
