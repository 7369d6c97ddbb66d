package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/lazarus-ha/lazarus/cmd/lazarus/internal/cliff"
)

// httpError is openstacksdk's HttpException as the openstack CLI prints it:
// "<message>: <Client|Server> Error for url: <url>, <server's message>",
// where message defaults to "<ExceptionClass>: <status>".
type httpError struct {
	status  int
	url     string
	details string
	message string
}

// class is the openstacksdk exception class raise_from_response picks.
func (e *httpError) class() string {
	switch e.status {
	case http.StatusConflict:
		return "ConflictException"
	case http.StatusNotFound:
		return "ResourceNotFound"
	case http.StatusBadRequest:
		return "BadRequestException"
	case http.StatusPreconditionFailed:
		return "PreconditionFailedException"
	}
	return "HttpException"
}

func (e *httpError) Error() string {
	msg := e.message
	if msg == "" {
		msg = fmt.Sprintf("%s: %d", e.class(), e.status)
	}
	source := "Server"
	if e.status >= 400 && e.status < 500 {
		source = "Client"
	}
	remote := fmt.Sprintf("%s Error for url: %s", source, e.url)
	if e.details != "" {
		remote += ", " + e.details
	}
	return msg + ": " + remote
}

// withMessage returns a copy carrying the message openstacksdk's fetch sets
// ("No Segment found for X").
func (e *httpError) withMessage(m string) *httpError {
	c := *e
	c.message = m
	return &c
}

// isNotFound reports whether err is a 404 from the API.
func isNotFound(err error) bool {
	var he *httpError
	return errors.As(err, &he) && he.status == http.StatusNotFound
}

var htmlTag = regexp.MustCompile(`<.+?>`)

// newHTTPError turns a gophercloud status error into what openstacksdk's
// raise_from_response would raise.
func newHTTPError(ue gophercloud.ErrUnexpectedResponseCode) *httpError {
	e := &httpError{status: ue.Actual, url: ue.URL}
	ct := ue.ResponseHeader.Get("Content-Type")
	switch {
	case len(ue.Body) > 0 && strings.Contains(ct, "application/json"):
		e.details = jsonDetails(ue.Body)
	case len(ue.Body) > 0 && strings.Contains(ct, "text/html"):
		seen := map[string]bool{}
		var parts []string
		for _, l := range strings.Split(string(ue.Body), "\n") {
			l = htmlTag.ReplaceAllString(strings.TrimSpace(l), "")
			if l != "" && !seen[l] {
				seen[l] = true
				parts = append(parts, l)
			}
		}
		e.details = strings.Join(parts, ": ")
	}
	if e.details == "" {
		e.details = http.StatusText(ue.Actual)
		if e.details == "" {
			e.details = string(ue.Body)
		}
	}
	return e
}

// jsonDetails joins the "message" (or "faultstring") of each top-level
// value of an error body, as openstacksdk does; a body it cannot read that
// way is returned as text.
func jsonDetails(body []byte) string {
	v, err := cliff.Decode(body)
	if err != nil {
		return string(body)
	}
	m, ok := v.(*cliff.Map)
	if !ok {
		return string(body)
	}
	var msgs []string
	for _, k := range m.Keys {
		if s := extractMessage(m.Values[k]); s != "" {
			msgs = append(msgs, s)
		}
	}
	if len(msgs) == 0 {
		if s := extractMessage(m); s != "" {
			msgs = append(msgs, s)
		}
	}
	return strings.Join(msgs, "\n")
}

func extractMessage(v any) string {
	switch t := v.(type) {
	case *cliff.Map:
		for _, k := range []string{"message", "faultstring"} {
			if x, ok := t.Get(k); ok && truthy(x) {
				return cliff.Str(x)
			}
		}
	case string:
		var inner any
		if json.Unmarshal([]byte(t), &inner) == nil {
			if d, err := cliff.Decode([]byte(t)); err == nil {
				return extractMessage(d)
			}
		}
	}
	return ""
}

// truthy is Python's bool(v) for JSON values.
func truthy(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case string:
		return t != ""
	case json.Number:
		f, err := t.Float64()
		return err != nil || f != 0
	case []any:
		return len(t) > 0
	case *cliff.Map:
		return len(t.Keys) > 0
	}
	return true
}

// commandError is an error the command prints as is (osc_lib's
// CommandError and the like).
type commandError struct{ msg string }

func (e *commandError) Error() string { return e.msg }

func cmdErrorf(format string, args ...any) error {
	return &commandError{msg: fmt.Sprintf(format, args...)}
}

// usageError is an argparse error: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// exitError ends the program with a status and nothing more to print
// (for --wait, whose status says how a recovery ended).
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }
