package api

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

// pyJSONByteWise is pyJSON as it was first written, one byte at a time:
// the reference the run-copying version must match.
func pyJSONByteWise(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	in := bytes.TrimRight(buf.Bytes(), "\n")
	out := make([]byte, 0, len(in)+len(in)/8)
	const hex = "0123456789abcdef"
	inString, escaped := false, false
	for i := 0; i < len(in); {
		c := in[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(in[i:])
			for _, u := range utf16.Encode([]rune{r}) {
				out = append(out, '\\', 'u', hex[u>>12&0xf], hex[u>>8&0xf], hex[u>>4&0xf], hex[u&0xf])
			}
			i += size
			continue
		}
		i++
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ',' || c == ':':
			out = append(out, c, ' ')
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

func TestPyJSON(t *testing.T) {
	t.Parallel()
	for _, v := range []any{
		map[string]any{"segments": []any{map[string]any{"name": "a,b:c", "description": `quote " and \ backslash`, "n": 1.5, "ok": true, "none": nil}}},
		map[string]string{"é": "naïve ☃ 😀", "tab\t": "line\nbreak", "ctl": "\x01", "html": "<&>"},
		[]any{"", ",", ":", `\`, `\"`, `"`, "\u2028", "\xff (invalid UTF-8)"},
		map[string]any{},
		[]int{1, 2, 3},
	} {
		want, err := pyJSONByteWise(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pyJSON(v)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("pyJSON(%#v)\n got %s\nwant %s", v, got, want)
		}
	}
	got, _ := pyJSON(map[string]any{"a": []any{"é", 1}})
	if want := `{"a": ["\u00e9", 1]}`; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func FuzzPyJSON(f *testing.F) {
	for _, s := range []string{"", "a,b", `"\`, "😀:é", "\xff"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, k, v string) {
		in := map[string]any{k: []any{v, k + v, 1}}
		want, err := pyJSONByteWise(in)
		if err != nil {
			t.Skip()
		}
		got, err := pyJSON(in)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("got %s, want %s", got, want)
		}
	})
}

// BenchmarkPyJSON encodes a GET /v1/segments-sized body (100 segments).
func BenchmarkPyJSON(b *testing.B) {
	var segs []any
	for i := range 100 {
		segs = append(segs, map[string]any{"id": i, "uuid": "5b3b1ea5-0a3e-4c1e-8e1f-2d3c4b5a6978", "name": "segment-042",
			"service_type": "COMPUTE", "recovery_method": "auto", "description": nil, "enabled": true,
			"created_at": "2026-01-01T00:00:00.000000", "updated_at": nil, "deleted": false, "deleted_at": nil})
	}
	v := map[string]any{"segments": segs}
	for _, f := range []struct {
		name string
		fn   func(any) ([]byte, error)
	}{{"runs", pyJSON}, {"bytewise", pyJSONByteWise}} {
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.fn(v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
