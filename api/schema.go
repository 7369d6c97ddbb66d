package api

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file is a small JSON Schema (draft 4) validator that reproduces
// what Masakari's jsonschema 4.10 validator reports: keywords are checked
// in the order Masakari's schema dictionaries list them, the first error
// wins, and messages are jsonschema's, with Python reprs of the values.

// validationError is the first schema violation found.
type validationError struct {
	path     []string // from the root to the failing value
	instance any
	message  string
	badName  bool // the "name" format failed: Masakari's InvalidName message
	// opaque: the value is a secret; the message names the field only.
	opaque bool
}

// detail is Masakari's _SchemaValidator.validate wording.
func (e *validationError) detail() string {
	switch {
	case e.badName:
		return "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace."
	case e.opaque && len(e.path) > 0:
		return fmt.Sprintf("Invalid input for field/attribute %s. %s", e.path[len(e.path)-1], e.message)
	case len(e.path) > 0:
		return fmt.Sprintf("Invalid input for field/attribute %s. Value: %s. %s", e.path[len(e.path)-1], pyStr(e.instance), e.message)
	default:
		return e.message
	}
}

// keyword checks one schema keyword against an instance.
type keyword func(v any) *validationError

// schema is an ordered list of keywords.
type schema []keyword

func (s schema) validate(v any) *validationError {
	for _, k := range s {
		if err := k(v); err != nil {
			return err
		}
	}
	return nil
}

func isType(v any, t string) bool {
	switch t {
	case "object":
		_, ok := v.(*Object)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	case "array":
		_, ok := v.([]any)
		return ok
	case "integer":
		n, ok := v.(Number)
		return ok && n.IsInteger()
	case "number":
		_, ok := v.(Number)
		return ok
	}
	return false
}

func kType(types ...string) keyword {
	var reprs []string
	for _, t := range types {
		reprs = append(reprs, pyStrRepr(t))
	}
	msg := strings.Join(reprs, ", ")
	return func(v any) *validationError {
		for _, t := range types {
			if isType(v, t) {
				return nil
			}
		}
		return &validationError{instance: v, message: pyRepr(v) + " is not of type " + msg}
	}
}

// kEnum: values are strings or bools; enumRepr is how Python prints the
// whole list or tuple.
func kEnum(enumRepr string, values ...any) keyword {
	return func(v any) *validationError {
		for _, e := range values {
			switch ev := e.(type) {
			case string:
				if s, ok := v.(string); ok && s == ev {
					return nil
				}
			case bool:
				if b, ok := v.(bool); ok && b == ev {
					return nil
				}
			}
		}
		return &validationError{instance: v, message: pyRepr(v) + " is not one of " + enumRepr}
	}
}

func kMinLength(n int) keyword {
	return func(v any) *validationError {
		if s, ok := v.(string); ok && utf8.RuneCountInString(s) < n {
			return &validationError{instance: v, message: pyRepr(v) + " is too short"}
		}
		return nil
	}
}

func kMaxLength(n int) keyword {
	return func(v any) *validationError {
		if s, ok := v.(string); ok && utf8.RuneCountInString(s) > n {
			return &validationError{instance: v, message: pyRepr(v) + " is too long"}
		}
		return nil
	}
}

// pyPattern is a Python regular expression as Masakari wrote it (source,
// for messages) and an equivalent Go one (match).
type pyPattern struct {
	source string
	match  func(string) bool
}

func kPattern(p pyPattern) keyword {
	return func(v any) *validationError {
		if s, ok := v.(string); ok && !p.match(s) {
			return &validationError{instance: v, message: pyRepr(v) + " does not match " + pyStrRepr(p.source)}
		}
		return nil
	}
}

// formats are Masakari's format checkers.
var formats = map[string]func(any) bool{
	"date-time": func(v any) bool {
		s, ok := v.(string)
		if !ok {
			return false
		}
		_, err := parseISOTime(s)
		return err == nil
	},
	"uuid": func(v any) bool {
		s, ok := v.(string)
		return ok && isUUIDLike(s)
	},
}

func kFormat(name string) keyword {
	if name == "name" {
		return func(v any) *validationError {
			if s, ok := v.(string); ok && validName(s) {
				return nil
			}
			return &validationError{instance: v, badName: true}
		}
	}
	check := formats[name]
	return func(v any) *validationError {
		if !check(v) {
			return &validationError{instance: v, message: pyRepr(v) + " is not a " + pyStrRepr(name)}
		}
		return nil
	}
}

// numberValue is a JSON number's value for minimum and maximum (an
// integer too large for a float64 is ±Inf, which compares as it should
// with any bound a schema here uses).
func numberValue(n Number) float64 {
	f, _ := strconv.ParseFloat(string(n), 64)
	return f
}

func kMinimum(min int) keyword {
	return func(v any) *validationError {
		if n, ok := v.(Number); ok && numberValue(n) < float64(min) {
			return &validationError{instance: v, message: fmt.Sprintf("%s is less than the minimum of %d", pyRepr(v), min)}
		}
		return nil
	}
}

func kMaximum(max int) keyword {
	return func(v any) *validationError {
		if n, ok := v.(Number); ok && numberValue(n) > float64(max) {
			return &validationError{instance: v, message: fmt.Sprintf("%s is greater than the maximum of %d", pyRepr(v), max)}
		}
		return nil
	}
}

// kAdditionalProperties is additionalProperties with a schema, for an
// object schema without properties: every member's value must match.
func kAdditionalProperties(s schema) keyword {
	return func(v any) *validationError {
		obj, ok := v.(*Object)
		if !ok {
			return nil
		}
		for _, k := range obj.Keys {
			if err := s.validate(obj.Values[k]); err != nil {
				err.path = append([]string{k}, err.path...)
				return err
			}
		}
		return nil
	}
}

// secretSchema wraps the schema of a secret field (a password): its errors never
// repeat the value; they say what the field must be (a Lazarus addition:
// Masakari has no secret fields).
func secretSchema(s schema, must string) schema {
	return schema{func(v any) *validationError {
		if err := s.validate(v); err != nil {
			return &validationError{opaque: true, message: must}
		}
		return nil
	}}
}

// redacting wraps an object schema whose members include secrets: an
// error about the object itself (a missing or unexpected member), whose
// message repeats the object, shows only the shown members' values and
// every other member (the secret, or a misspelling of it) as '***'.
func redacting(s schema, shown ...string) schema {
	return schema{func(v any) *validationError {
		err := s.validate(v)
		if err == nil {
			return nil
		}
		if obj, ok := err.instance.(*Object); ok && obj == v {
			c := &Object{Keys: obj.Keys, Values: make(map[string]any, len(obj.Values))}
			for k, val := range obj.Values {
				if !slices.Contains(shown, k) {
					val = "***"
				}
				c.Values[k] = val
			}
			err.instance = c
		}
		return err
	}}
}

type property struct {
	name   string
	schema schema
}

// objectSchema holds the keywords of an object schema that refer to each
// other (additionalProperties looks at properties and patternProperties).
type objectSchema struct {
	properties []property
	patterns   []patternProperty
}

type patternProperty struct {
	pattern pyPattern
	schema  schema
}

func (o *objectSchema) kProperties() keyword {
	return func(v any) *validationError {
		obj, ok := v.(*Object)
		if !ok {
			return nil
		}
		for _, p := range o.properties {
			if pv, ok := obj.Values[p.name]; ok {
				if err := p.schema.validate(pv); err != nil {
					err.path = append([]string{p.name}, err.path...)
					return err
				}
			}
		}
		return nil
	}
}

func (o *objectSchema) kPatternProperties() keyword {
	return func(v any) *validationError {
		obj, ok := v.(*Object)
		if !ok {
			return nil
		}
		for _, pp := range o.patterns {
			for _, k := range obj.Keys {
				if pp.pattern.match(k) {
					if err := pp.schema.validate(obj.Values[k]); err != nil {
						err.path = append([]string{k}, err.path...)
						return err
					}
				}
			}
		}
		return nil
	}
}

func (o *objectSchema) kAdditionalPropertiesFalse() keyword {
	return func(v any) *validationError {
		obj, ok := v.(*Object)
		if !ok {
			return nil
		}
		var extras []string
		for _, k := range obj.Keys {
			if slices.ContainsFunc(o.properties, func(p property) bool { return p.name == k }) {
				continue
			}
			if slices.ContainsFunc(o.patterns, func(p patternProperty) bool { return p.pattern.match(k) }) {
				continue
			}
			extras = append(extras, k)
		}
		if len(extras) == 0 {
			return nil
		}
		sort.Strings(extras)
		var reprs []string
		for _, e := range extras {
			reprs = append(reprs, pyStrRepr(e))
		}
		if len(o.patterns) > 0 {
			verb := "does"
			if len(extras) > 1 {
				verb = "do"
			}
			var pats []string
			for _, p := range o.patterns {
				pats = append(pats, p.pattern.source)
			}
			sort.Strings(pats)
			for i := range pats {
				pats[i] = pyStrRepr(pats[i])
			}
			return &validationError{instance: v, message: fmt.Sprintf("%s %s not match any of the regexes: %s", strings.Join(reprs, ", "), verb, strings.Join(pats, ", "))}
		}
		verb := "was"
		if len(extras) > 1 {
			verb = "were"
		}
		return &validationError{instance: v, message: fmt.Sprintf("Additional properties are not allowed (%s %s unexpected)", strings.Join(reprs, ", "), verb)}
	}
}

func kRequired(names ...string) keyword {
	return func(v any) *validationError {
		obj, ok := v.(*Object)
		if !ok {
			return nil
		}
		for _, n := range names {
			if _, ok := obj.Values[n]; !ok {
				return &validationError{instance: v, message: pyStrRepr(n) + " is a required property"}
			}
		}
		return nil
	}
}

// kAnyOfRequired is anyOf over {"required": [name]} alternatives.
func kAnyOfRequired(names ...string) keyword {
	return func(v any) *validationError {
		obj, ok := v.(*Object)
		if !ok {
			return nil
		}
		for _, n := range names {
			if _, ok := obj.Values[n]; ok {
				return nil
			}
		}
		return &validationError{instance: v, message: pyRepr(v) + " is not valid under any of the given schemas"}
	}
}

// pyAnchored turns a Python pattern of the form ^[class]*$ (or with a
// {m,n} count) into a matcher with Python's "$": end of string or just
// before a final newline.
func pyAnchored(source, goClass string) pyPattern {
	re := regexp.MustCompile(`^` + goClass + `\n?\z`)
	return pyPattern{source: source, match: re.MatchString}
}

// Masakari's character classes (parameter_types.py), built from the
// Unicode tables the way Masakari builds them: every character up to
// U+FFFE that is "printable" (not in a C* category, and not in a Z*
// category other than Zs).
func masakariPrintable(r rune) bool {
	if r > 0xFFFE {
		return false
	}
	if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Cs, unicode.Co) {
		return false
	}
	if unicode.In(r, unicode.Zl, unicode.Zp) {
		return false
	}
	// Unassigned code points (Cn) are in no category table.
	return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Zs)
}

// nameBad is the set Masakari forbids at the start and end of a name:
// characters up to U+FFFE that are not printable, or are spaces (Zs).
func nameBad(r rune) bool {
	if r > 0xFFFE {
		return false
	}
	return !masakariPrintable(r) || unicode.Is(unicode.Zs, r)
}

// validName is Masakari's "name" format:
// ^(?![bad])[printable]*(?<![bad])$ with Python's "$".
func validName(s string) bool {
	body := strings.TrimSuffix(s, "\n")
	for _, r := range body {
		if !masakariPrintable(r) {
			return false
		}
	}
	if s != "" {
		first, _ := utf8.DecodeRuneInString(s)
		if nameBad(first) {
			return false
		}
	}
	if body != "" {
		last, _ := utf8.DecodeLastRuneInString(body)
		if nameBad(last) {
			return false
		}
	}
	return true
}

// descriptionPattern is Masakari's description pattern '^[\n<printable>]*$'.
var descriptionPattern = pyPattern{
	source: "^[\n" + buildRegexRange() + "]*$",
	match: func(s string) bool {
		for _, r := range strings.TrimSuffix(s, "\n") {
			if r != '\n' && !masakariPrintable(r) {
				return false
			}
		}
		return true
	},
}

// buildRegexRange reproduces parameter_types._build_regex_range() (ws=True,
// not inverted): the printable characters up to U+FFFE as a character
// class body, each range start and end passed through Python's re.escape.
func buildRegexRange() string {
	var b strings.Builder
	inRange := false
	var last, lastAdded rune = -1, -1
	var c rune
	for c = 0; c < 0xFFFF; c++ {
		if masakariPrintable(c) {
			if !inRange {
				b.WriteString(reEscape(c))
				lastAdded = c
			}
			inRange = true
		} else {
			if inRange && last != lastAdded {
				b.WriteString("-" + reEscape(last))
			}
			inRange = false
		}
		last = c
	}
	if inRange {
		b.WriteString("-" + reEscape(c-1))
	}
	return b.String()
}

// reEscape is Python 3.7+'s re.escape for one character.
func reEscape(r rune) string {
	if strings.ContainsRune("()[]{}?*+-|^$\\.&~# \t\n\r\v\f", r) {
		return `\` + string(r)
	}
	return string(r)
}

// isUUIDLike is oslo's uuidutils.is_uuid_like: after dropping "urn:",
// "uuid:", surrounding braces and every dash, 32 hex digits.
func isUUIDLike(s string) bool {
	t := strings.ReplaceAll(strings.ReplaceAll(s, "urn:", ""), "uuid:", "")
	t = strings.ReplaceAll(strings.Trim(t, "{}"), "-", "")
	if len(t) != 32 {
		return false
	}
	for _, c := range t {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}
