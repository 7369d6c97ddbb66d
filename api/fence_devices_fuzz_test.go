package api

import (
	"strings"
	"testing"

	"github.com/lazarus-ha/lazarus/store"
)

// FuzzDecodeFenceDevice feeds arbitrary bodies to the fence device decoder
// and validator: no panic, and whatever is accepted is a device the
// drivers can build, with no line break in an agent option.
func FuzzDecodeFenceDevice(f *testing.F) {
	for _, s := range []string{
		`{"fence_device": {"level": 1, "driver": "ipmi", "address": "10.0.0.5", "port": 623, "username": "admin", "password": "x", "options": {"cipher_suite": "3"}}}`,
		`{"fence_device": {"level": 2, "driver": "agent", "agent": "fence_ipmilan", "options": {"ip": "a", "lanplus": 1}}}`,
		`{"fence_device": {"level": 3, "driver": "manual"}}`,
		`{"fence_device": {"level": 1e3}}`,
		`[]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		v, err := DecodeBody([]byte(body))
		if err != nil {
			return
		}
		in, err := decodeFenceDevice(v, "fence_device")
		if err != nil || in.Level == nil || in.Driver == nil {
			return
		}
		d := &store.FenceDevice{Level: *in.Level, Driver: *in.Driver, Options: in.Options}
		setStr(&d.Agent, in.Agent)
		setStr(&d.Address, in.Address)
		if in.Port != nil {
			d.Port = *in.Port
		}
		if checkFenceDevice(d, deref(in.Password)) != nil {
			return
		}
		if d.Level < 1 || d.Level > 100 {
			t.Fatalf("accepted level %d", d.Level)
		}
		for k, v := range d.Options {
			if d.Driver == "agent" && (strings.ContainsAny(k+v, "\n\r") || k == "password" || k == "action") {
				t.Fatalf("accepted agent option %q=%q", k, v)
			}
		}
	})
}
