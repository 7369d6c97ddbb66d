package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Text the API stores must be text PostgreSQL can hold and that reads back
// as it was sent: valid UTF-8 without NUL characters. Query parameters and
// body strings that are not answer 400 here, not 500 from the database, and
// a lone UTF-16 surrogate in a JSON escape (\ud800) is refused rather than
// silently rewritten to U+FFFD by the JSON decoder.

// badText reports why s cannot be stored as text, or "".
func badText(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "holds a NUL character"
	}
	return ""
}

// checkQuery answers 400 for a query parameter (name or value) or a path
// that is not storable text.
func (a *API) checkQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if why := badText(r.URL.Path); why != "" {
			WriteFault(w, nil, http.StatusBadRequest, "Invalid input received: the request path "+why+".")
			return
		}
		for k, vs := range r.URL.Query() {
			if why := badText(k); why != "" {
				WriteFault(w, nil, http.StatusBadRequest, fmt.Sprintf("Invalid input received: query parameter name %s %s.", strconv.QuoteToASCII(k), why))
				return
			}
			for _, v := range vs {
				if why := badText(v); why != "" {
					WriteFault(w, nil, http.StatusBadRequest, fmt.Sprintf("Invalid input received: query parameter %s %s.", strconv.QuoteToASCII(k), why))
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// BodyError is a DecodeBody error with its own Masakari message (400)
// instead of "Malformed request body".
type BodyError struct{ Message string }

func (e *BodyError) Error() string { return e.Message }

// checkSurrogates refuses a JSON text with a \uXXXX escape of a lone
// UTF-16 surrogate: a high one not followed by an escaped low one, or a
// low one alone. encoding/json would turn it into U+FFFD.
func checkSurrogates(data []byte) error {
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if !inString {
			if c == '"' {
				inString = true
			}
			continue
		}
		switch c {
		case '"':
			inString = false
		case '\\':
			if i+1 >= len(data) {
				return nil // malformed; the decoder says so
			}
			if data[i+1] != 'u' {
				i++ // a one-character escape, \\ included
				continue
			}
			u, ok := hex4(data, i+2)
			if !ok {
				return nil
			}
			i += 5
			switch {
			case u >= 0xdc00 && u <= 0xdfff:
				return loneSurrogate(u)
			case u >= 0xd800 && u <= 0xdbff:
				if i+6 < len(data) && data[i+1] == '\\' && data[i+2] == 'u' {
					if lo, ok := hex4(data, i+3); ok && lo >= 0xdc00 && lo <= 0xdfff {
						i += 6
						continue
					}
				}
				return loneSurrogate(u)
			}
		}
	}
	return nil
}

func loneSurrogate(u uint16) error {
	return &BodyError{Message: fmt.Sprintf("Invalid input received: the request body holds a lone UTF-16 surrogate (\\u%04x), which is not a character.", u)}
}

func hex4(data []byte, at int) (uint16, bool) {
	if at+4 > len(data) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(data[at:at+4]), 16, 16)
	return uint16(n), err == nil
}

// checkStrings refuses a decoded body holding a NUL in any string, key or
// value; the message names where.
func checkStrings(v any, path string) error {
	switch t := v.(type) {
	case string:
		if strings.IndexByte(t, 0) >= 0 {
			return nulIn(path)
		}
	case *Object:
		for _, k := range t.Keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if strings.IndexByte(k, 0) >= 0 {
				return nulIn(strings.ReplaceAll(p, "\x00", `\u0000`))
			}
			if err := checkStrings(t.Values[k], p); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range t {
			if err := checkStrings(e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func nulIn(path string) error {
	if path == "" {
		return &BodyError{Message: "Invalid input received: the request body holds a NUL character."}
	}
	return &BodyError{Message: fmt.Sprintf("Invalid input for field/attribute %s. Value must not hold a NUL character.", path)}
}

// bodyFault is the 400 message for a DecodeBody error.
func bodyFault(err error) string {
	var be *BodyError
	if errors.As(err, &be) {
		return be.Message
	}
	return "Malformed request body"
}
