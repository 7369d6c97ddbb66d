package api

import (
	"encoding/json"
	"testing"
)

// FuzzDecodeBody: any input either fails cleanly or decodes to a value
// that every schema can validate without panicking, whose Python repr
// renders, and that agrees with encoding/json on validity.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{
		`{"segment": {"name": "s", "recovery_method": "auto", "service_type": "COMPUTE"}}`,
		`{"notification": {"type": "VM", "hostname": "h", "generated_time": "2017-04-24", "payload": {"a": "b"}}}`,
		`{"a": 1, "a": 2}`, `[1, 2.5e10, null, true]`, `"x"`, `{`, `{"a": "\ud83d\ude00"}`, "\xff", `1e400`,
	} {
		f.Add([]byte(s))
	}
	schemas := []schema{segmentCreate, segmentCreateV12, segmentUpdate, segmentUpdateV12, hostCreate, hostUpdate,
		notificationCreate, computeHostPayload, processPayload, vmPayload}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := DecodeBody(data)
		if err != nil {
			return
		}
		if !json.Valid(data) {
			t.Fatalf("decoded invalid JSON %q", data)
		}
		_ = pyRepr(v)
		for _, s := range schemas {
			if e := s.validate(v); e != nil {
				_ = e.detail()
			}
		}
	})
}
