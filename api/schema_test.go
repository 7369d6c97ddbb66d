package api

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSchemaMessagesMatchMasakari replays bodies whose messages were
// produced by Masakari's own validator stack (testdata/gen_schema_cases.py,
// run with Debian 12's python3-jsonschema 4.10): every detail must match
// byte for byte, valid bodies must pass.
func TestSchemaMessagesMatchMasakari(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/schema_cases.json")
	require.NoError(t, err)
	var cases []struct {
		Schema string  `json:"schema"`
		Body   string  `json:"body"`
		Detail *string `json:"detail"`
	}
	require.NoError(t, json.Unmarshal(data, &cases))
	require.NotEmpty(t, cases)
	schemas := map[string]schema{
		"segment_create": segmentCreate, "segment_create_v12": segmentCreateV12,
		"segment_update": segmentUpdate, "segment_update_v12": segmentUpdateV12,
		"host_create": hostCreate, "host_update": hostUpdate,
		"notification_create": notificationCreate, "compute_host_payload": computeHostPayload,
		"process_payload": processPayload, "vm_payload": vmPayload,
	}
	for _, tc := range cases {
		s, ok := schemas[tc.Schema]
		require.True(t, ok, tc.Schema)
		body, err := DecodeBody([]byte(tc.Body))
		require.NoError(t, err, tc.Body)
		verr := s.validate(body)
		if tc.Detail == nil {
			require.Nil(t, verr, "%s %s: want valid, got %v", tc.Schema, tc.Body, verr)
			continue
		}
		require.NotNil(t, verr, "%s %s: want %q", tc.Schema, tc.Body, *tc.Detail)
		require.Equal(t, *tc.Detail, verr.detail(), "%s %s", tc.Schema, tc.Body)
	}
}

func TestPyFloatRepr(t *testing.T) {
	t.Parallel()
	for in, want := range map[float64]string{
		1: "1.0", 100: "100.0", 1e16: "1e+16", 1.5e-5: "1.5e-05", 0.0001: "0.0001",
		-2.5: "-2.5", 1e15: "1000000000000000.0", 123.456: "123.456", 0: "0.0",
	} {
		require.Equal(t, want, pyFloatRepr(in), "%v", in)
	}
}

func TestParseISOTime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string // RFC 3339 in UTC, "" for invalid
	}{
		{"2017-04-24 08:34:46", "2017-04-24T08:34:46Z"},
		{"2017-04-24T08:34:46Z", "2017-04-24T08:34:46Z"},
		{"2017-04-24T08:34:46.1234567+02:00", "2017-04-24T06:34:46.123456Z"}, // fraction truncated to µs
		{"2017-04-24", "2017-04-24T00:00:00Z"},
		{"2017", "2017-01-01T00:00:00Z"},
		{"20170424T083446,5-0130", "2017-04-24T10:04:46.5Z"},
		{"2017-04-24T08:34:46+05:", "2017-04-24T03:34:46Z"}, // the library accepts a dangling colon
		{"201704", ""},                    // YYYYMM is refused
		{"2017-04", ""},                   // a month needs a day
		{"2017-02-30", ""},                // no such day
		{"2017-04-24T24:00:00", ""},       // hour 24
		{"2017-04-24T08:34:46+24:00", ""}, // offset must be under a day
		{"yesterday", ""},
		{"", ""},
	} {
		got, err := parseISOTime(tc.in)
		if tc.want == "" {
			require.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got.Format(time.RFC3339Nano), tc.in)
	}
}
