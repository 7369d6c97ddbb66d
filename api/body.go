package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Object is a decoded JSON object that remembers its key order, because
// Masakari's validation messages print objects (and pick the first error)
// in the order the client sent the keys.
type Object struct {
	Keys   []string
	Values map[string]any
}

// Get returns the value of key and whether it is present.
func (o *Object) Get(key string) (any, bool) {
	v, ok := o.Values[key]
	return v, ok
}

// Number is a JSON number kept as its source text, so an integer and a
// float print as Python prints them ("1" vs "1.0").
type Number string

// IsInteger reports whether the number was written without a fraction or
// exponent (Python's json decodes it to int).
func (n Number) IsInteger() bool {
	return !bytes.ContainsAny([]byte(n), ".eE")
}

// errMalformed is DecodeBody's error for anything that is not one JSON
// value in UTF-8.
var errMalformed = errors.New("malformed request body")

// DecodeBody decodes a request body into nil, bool, string, Number,
// []any or *Object, the shapes Python's json.loads gives Masakari. Anything
// else (bad UTF-8, bad JSON, trailing data) is an error: the caller
// answers 400 "Malformed request body". Valid JSON holding a NUL in a
// string or a lone UTF-16 surrogate escape gives a *BodyError, whose
// message the caller answers with instead.
func DecodeBody(data []byte) (any, error) {
	if !utf8.Valid(data) {
		return nil, errMalformed
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return nil, errMalformed
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errMalformed
	}
	// Valid JSON that is not storable text: a *BodyError with its message.
	if err := checkSurrogates(data); err != nil {
		return nil, err
	}
	if err := checkStrings(v, ""); err != nil {
		return nil, err
	}
	return v, nil
}

// maxDepth bounds nesting (Python's recursion limit is about 1000).
const maxDepth = 512

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &Object{Values: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key is %T", kt)
				}
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				// Python keeps a repeated key at its first position
				// with the last value.
				if _, seen := o.Values[k]; !seen {
					o.Keys = append(o.Keys, k)
				}
				o.Values[k] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return o, nil
		case '[':
			a := []any{}
			for dec.More() {
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return a, nil
		}
		return nil, fmt.Errorf("unexpected delimiter %v", t)
	case json.Number:
		return Number(t), nil
	case string, bool, nil:
		return t, nil
	}
	return nil, fmt.Errorf("unexpected token %T", tok)
}
