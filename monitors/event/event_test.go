package event

import (
	"encoding/json"
	"testing"
	"time"
)

func valid() Event {
	return Event{
		Version: Version, ID: "6f1c2d3e-0000-4000-8000-000000000001", Observer: "compute-2",
		Monitor: MonitorHost, SentAt: time.Date(2026, 11, 22, 6, 0, 1, 0, time.UTC),
		Evidence: &Evidence{NetworksLost: []string{"mgmt", "storage"}},
		Notification: Notification{
			Type: TypeComputeHost, Hostname: "compute-1",
			GeneratedTime: time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC),
			Payload:       map[string]string{"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	e := valid()
	data, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != e.ID || got.Notification.Payload["event"] != "STOPPED" || got.Evidence.NetworksLost[1] != "storage" {
		t.Fatalf("round trip lost data: %+v", got)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		edit  func(e *Event)
		field string // "" = valid
	}{
		{"valid host event", func(e *Event) {}, ""},
		{"newer schema is refused, not half-read", func(e *Event) { e.Version = 2 }, "version"},
		{"id is required for idempotency", func(e *Event) { e.ID = "" }, "id"},
		{"unknown monitor", func(e *Event) { e.Monitor = "pacemaker" }, "monitor"},
		{"hostname with a slash", func(e *Event) { e.Notification.Hostname = "a/b" }, "notification.hostname"},
		{"missing generated_time", func(e *Event) { e.Notification.GeneratedTime = time.Time{} }, "notification.generated_time"},
		{"unknown type", func(e *Event) { e.Notification.Type = "HOST" }, "notification.type"},
		{"host event needs event", func(e *Event) { delete(e.Notification.Payload, "event") }, "notification.payload.event"},
		{"lowercase event is rejected as Masakari does", func(e *Event) { e.Notification.Payload["event"] = "stopped" }, "notification.payload.event"},
		{"bad host_status", func(e *Event) { e.Notification.Payload["host_status"] = "DEAD" }, "notification.payload.host_status"},
		{"extra host payload key", func(e *Event) { e.Notification.Payload["x"] = "y" }, "notification.payload"},
		{"process needs process_name", func(e *Event) {
			e.Monitor = MonitorProcess
			e.Notification.Type = TypeProcess
			e.Notification.Payload = map[string]string{"event": "STOPPED"}
		}, "notification.payload.process_name"},
		{"valid process event", func(e *Event) {
			e.Notification.Type = TypeProcess
			e.Notification.Payload = map[string]string{"event": "STOPPED", "process_name": "nova-compute"}
		}, ""},
		{"vm needs a uuid", func(e *Event) {
			e.Notification.Type = TypeVM
			e.Notification.Payload = map[string]string{"event": "LIFECYCLE", "vir_domain_event": "STOPPED_FAILED", "instance_uuid": "nope"}
		}, "notification.payload.instance_uuid"},
		{"valid vm event", func(e *Event) {
			e.Notification.Type = TypeVM
			e.Notification.Payload = map[string]string{"event": "LIFECYCLE", "vir_domain_event": "STOPPED_FAILED", "instance_uuid": "3b9f1a2c-1111-4222-8333-444455556666"}
		}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := valid()
			e.Notification.Payload = map[string]string{"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}
			tc.edit(&e)
			err := e.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want error on %s, got none", tc.field)
			}
			if want := tc.field + ":"; len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
				t.Fatalf("want error on %s, got %v", tc.field, err)
			}
		})
	}
}

func TestDecodeRejectsUnknownFieldsAndTrailingData(t *testing.T) {
	t.Parallel()
	e := valid()
	data, _ := json.Marshal(e)
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	m["surprise"] = 1
	bad, _ := json.Marshal(m)
	if _, err := Decode(bad); err == nil {
		t.Fatal("unknown field accepted")
	}
	if _, err := Decode(append(data, []byte(` {}`)...)); err == nil {
		t.Fatal("trailing data accepted")
	}
}

func FuzzDecode(f *testing.F) {
	e := valid()
	data, _ := e.Encode()
	f.Add(data)
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Decode(data)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode and decode to the same event.
		out, err := e.Encode()
		if err != nil {
			t.Fatalf("decoded event does not re-encode: %v", err)
		}
		if _, err := Decode(out); err != nil {
			t.Fatalf("re-encoded event does not decode: %v", err)
		}
	})
}
