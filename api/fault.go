package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
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

func writeBody(w http.ResponseWriter, code int, body any) {
	data, err := pyJSON(body)
	if err != nil {
		code = http.StatusInternalServerError
		data = []byte(`{"masakariFault": {"code": 500, "message": "Unexpected API Error."}}`)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(code)
	_, _ = w.Write(data)
}

// pyJSON encodes v like Python's json.dumps: ", " and ": " separators and
// every non-ASCII character escaped as \uXXXX.
func pyJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode response: %w", err)
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
