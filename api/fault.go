package api

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// faultNames are Masakari's Fault names per status (wsgi.py Fault).
var faultNames = map[int]string{
	http.StatusBadRequest:            "badRequest",
	http.StatusUnauthorized:          "unauthorized",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "itemNotFound",
	http.StatusMethodNotAllowed:      "badMethod",
	http.StatusConflict:              "conflictingRequest",
	http.StatusRequestEntityTooLarge: "overLimit",
	http.StatusUnsupportedMediaType:  "badMediaType",
	http.StatusNotImplemented:        "notImplemented",
	http.StatusServiceUnavailable:    "serviceUnavailable",
	http.StatusTooManyRequests:       "overLimit",
}

// FaultName is the key of Masakari's error body for a status
// ("masakariFault" for any status without its own name).
func FaultName(code int) string {
	if n, ok := faultNames[code]; ok {
		return n
	}
	return "masakariFault"
}

// WriteFault writes Masakari's error body {"<faultName>": {"code",
// "message"}} with the microversion headers when a version was
// determined (v may be nil).
func WriteFault(w http.ResponseWriter, v *Version, code int, message string) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=UTF-8")
	if v != nil {
		h.Set(versionHeader, "instance-ha "+v.String())
		h.Add("Vary", versionHeader)
	}
	body := map[string]map[string]any{FaultName(code): {"code": code, "message": message}}
	writeBody(w, code, body)
}

// WriteJSON writes a successful Masakari response: the body as Python's
// json.dumps writes it, and the microversion headers (service token
// "masakari", a Masakari quirk clients ignore).
func WriteJSON(w http.ResponseWriter, v *Version, code int, body any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if v != nil {
		h.Set(versionHeader, "masakari "+v.String())
		h.Add("Vary", versionHeader)
	}
	if body == nil {
		w.WriteHeader(code)
		return
	}
	writeBody(w, code, body)
}

// encodedJSON is a body appendPyJSON has already encoded (a cached
// response); writeBody sends it as it is.
type encodedJSON []byte

func writeBody(w http.ResponseWriter, code int, body any) {
	if data, ok := body.(encodedJSON); ok {
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(code)
		_, _ = w.Write(data)
		return
	}
	out := outBuffers.Get().(*[]byte)
	defer outBuffers.Put(out)
	data, err := appendPyJSON((*out)[:0], body)
	if err != nil {
		code = http.StatusInternalServerError
		data = []byte(`{"masakariFault": {"code": 500, "message": "Unexpected API Error."}}`)
	} else {
		*out = data
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(code)
	_, _ = w.Write(data)
}

// outBuffers keeps response bodies' buffers between responses.
var outBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// pyJSON encodes v like Python's json.dumps; see appendPyJSON.
func pyJSON(v any) ([]byte, error) { return appendPyJSON(nil, v) }

// appendPyJSON appends v encoded like Python's json.dumps to out: ", " and
// ": " separators and every non-ASCII character escaped as \uXXXX. It
// copies encoding/json's output in runs between the bytes it changes (this
// runs on every response: GET /v1/segments with 100 segments is 30 kB).
func appendPyJSON(out []byte, v any) ([]byte, error) {
	buf := encodeBuffers.Get().(*bytes.Buffer)
	defer encodeBuffers.Put(buf)
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode response: %w", err)
	}
	in := bytes.TrimRight(buf.Bytes(), "\n")
	out = slices.Grow(out, len(in)+len(in)/8)
	if !isASCII(in) {
		return appendPyJSONSlow(out, in), nil
	}
	// ASCII only: outside strings, "," and ":" get a space; inside, skip
	// to the closing quote (one not escaped by an odd run of backslashes).
	start := 0 // in[start:i] is still to be copied
	for i := 0; i < len(in); i++ {
		switch in[i] {
		case ',', ':':
			out = append(out, in[start:i+1]...)
			out = append(out, ' ')
			start = i + 1
		case '"':
			for {
				k := bytes.IndexByte(in[i+1:], '"')
				if k < 0 {
					i = len(in)
					break
				}
				i += 1 + k
				bs := 0
				for bs < i && in[i-1-bs] == '\\' {
					bs++
				}
				if bs%2 == 0 {
					break
				}
			}
		}
	}
	return append(out, in[start:]...), nil
}

// isASCII reports whether b has no byte >= 0x80, eight bytes at a time.
func isASCII(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// appendPyJSONSlow is appendPyJSON's pass for output with non-ASCII
// characters, which become \uXXXX (UTF-16 surrogate pairs beyond the BMP).
func appendPyJSONSlow(out, in []byte) []byte {
	const hex = "0123456789abcdef"
	inString := false
	start := 0 // in[start:i] is still to be copied
	for i := 0; i < len(in); {
		c := in[i]
		if inString {
			switch {
			case c == '\\':
				i += 2 // an escape; what follows the backslash is ASCII
			case c == '"':
				inString = false
				i++
			case c >= utf8.RuneSelf:
				out = append(out, in[start:i]...)
				r, size := utf8.DecodeRune(in[i:])
				for _, u := range utf16.Encode([]rune{r}) {
					out = append(out, '\\', 'u', hex[u>>12&0xf], hex[u>>8&0xf], hex[u>>4&0xf], hex[u&0xf])
				}
				i += size
				start = i
			default:
				i++
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case ',', ':':
			out = append(out, in[start:i+1]...)
			out = append(out, ' ')
			start = i + 1
		}
		i++
	}
	return append(out, in[start:]...)
}

// encodeBuffers keeps pyJSON's scratch buffers between responses.
var encodeBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}
