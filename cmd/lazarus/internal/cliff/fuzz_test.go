package cliff

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to Decode: it must never panic, must
// agree with encoding/json on what is valid JSON, and whatever it accepts
// must print in every format and re-read as the same value from its JSON
// rendering.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"a": 1, "b": [1.0, 2.5e-7, null, true], "c": {"d": "é'\"\n"}}`,
		`[]`, `{}`, `"x"`, `12345678901234567890`, `-0.0`, `1e400`, `{"a":1,"a":2}`, `[{"": ""}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Decode(data)
		if (err == nil) != json.Valid(data) {
			t.Fatalf("Decode error %v, json.Valid %v for %q", err, json.Valid(data), data)
		}
		if err != nil {
			return
		}
		_ = Repr(v)
		_ = YAML(v)
		row := []any{v, "x"}
		for _, f := range ListFormats {
			if err := EmitList(io.Discard, []string{"a", "b"}, [][]any{row}, Options{Format: f}); err != nil {
				t.Fatal(err)
			}
		}
		for _, f := range ShowFormats {
			if err := EmitOne(io.Discard, []string{"a", "b"}, row, Options{Format: f, MaxWidth: 30}); err != nil {
				t.Fatal(err)
			}
		}
		out := JSON(v, true)
		if strings.Contains(out, "Infinity") || strings.Contains(out, "NaN") {
			// Python prints an out-of-range float as Infinity, which is not
			// JSON; the openstack CLI does the same.
			return
		}
		again, err := Decode([]byte(out))
		if err != nil {
			t.Fatalf("re-read %q: %v", JSON(v, true), err)
		}
		if JSON(again, false) != JSON(v, false) {
			t.Fatalf("round trip changed %q into %q", JSON(v, false), JSON(again, false))
		}
	})
}
