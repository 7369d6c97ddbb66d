package event

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func validHeartbeat() Heartbeat {
	return Heartbeat{Version: HeartbeatVersion, Observer: "compute-2", Monitor: MonitorHost,
		SentAt: time.Date(2026, 11, 22, 6, 0, 1, 0, time.UTC), PeersAlive: map[string]int{"mgmt": 39, "storage": 38}}
}

func TestHeartbeatRoundTrip(t *testing.T) {
	t.Parallel()
	h := validHeartbeat()
	data, err := h.Encode()
	require.NoError(t, err)
	got, err := DecodeHeartbeat(data)
	require.NoError(t, err)
	require.Equal(t, h, *got)
}

func TestHeartbeatValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		edit  func(h *Heartbeat)
		field string // "" = valid
	}{
		{"valid", func(h *Heartbeat) {}, ""},
		{"no networks yet is still a heartbeat: the monitor is alive", func(h *Heartbeat) { h.PeersAlive = nil }, ""},
		{"newer schema is refused, not half-read", func(h *Heartbeat) { h.Version = 2 }, "version"},
		{"the observer names the row it updates", func(h *Heartbeat) { h.Observer = "" }, "observer"},
		{"observer with a slash", func(h *Heartbeat) { h.Observer = "a/b" }, "observer"},
		{"unknown monitor", func(h *Heartbeat) { h.Monitor = "pacemaker" }, "monitor"},
		{"sent_at is required", func(h *Heartbeat) { h.SentAt = time.Time{} }, "sent_at"},
		{"negative count is nonsense", func(h *Heartbeat) { h.PeersAlive["mgmt"] = -1 }, "peers_alive.mgmt"},
		{"bad network name", func(h *Heartbeat) { h.PeersAlive["a b"] = 1 }, "peers_alive"},
		{"too many networks bounds the jsonb row", func(h *Heartbeat) {
			for i := range 20 {
				h.PeersAlive[strings.Repeat("n", i+1)] = 1
			}
		}, "peers_alive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := validHeartbeat()
			tc.edit(&h)
			err := h.Validate()
			if tc.field == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			require.True(t, strings.HasPrefix(err.Error(), tc.field+":"), "want error on %s, got %v", tc.field, err)
		})
	}
}

func TestDecodeHeartbeatRejects(t *testing.T) {
	t.Parallel()
	h := validHeartbeat()
	data, err := h.Encode()
	require.NoError(t, err)
	_, err = DecodeHeartbeat(append(data[:len(data)-1:len(data)-1], []byte(`,"x":1}`)...))
	require.Error(t, err, "unknown field")
	_, err = DecodeHeartbeat(append(data, []byte(` {}`)...))
	require.Error(t, err, "trailing data")
	_, err = DecodeHeartbeat(make([]byte, MaxHeartbeatSize+1))
	require.Error(t, err, "oversized")
	// An event is not a heartbeat.
	e := valid()
	ev, err := e.Encode()
	require.NoError(t, err)
	_, err = DecodeHeartbeat(ev)
	require.Error(t, err)
}

func FuzzDecodeHeartbeat(f *testing.F) {
	h := validHeartbeat()
	data, _ := h.Encode()
	f.Add(data)
	f.Add([]byte(`{"version":1,"observer":"a","monitor":"hostmonitor","sent_at":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := DecodeHeartbeat(data)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode and decode to the same heartbeat.
		out, err := h.Encode()
		if err != nil {
			t.Fatalf("decoded heartbeat does not re-encode: %v", err)
		}
		again, err := DecodeHeartbeat(out)
		if err != nil {
			t.Fatalf("re-encoded heartbeat does not decode: %v", err)
		}
		if again.Observer != h.Observer || len(again.PeersAlive) != len(h.PeersAlive) {
			t.Fatalf("round trip changed the heartbeat: %+v vs %+v", h, again)
		}
	})
}
