package api

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultRules are Masakari's in-code policy defaults
// (masakari/policies/*.py): every API call needs rule:admin_api, which is
// is_admin:True, which a token with the admin role gets (context_is_admin).
// Lazarus-only routes add their rules here from an init function in their
// own file.
var DefaultRules = map[string]string{
	"context_is_admin": "role:admin",
	"admin_or_owner":   "is_admin:True or project_id:%(project_id)s",
	"admin_api":        "is_admin:True",
}

func init() {
	for _, r := range []string{
		"segments:index", "segments:detail", "segments:create", "segments:update", "segments:delete", "segments:discoverable",
		"os-hosts:index", "os-hosts:detail", "os-hosts:create", "os-hosts:update", "os-hosts:delete", "os-hosts:discoverable",
		"notifications:index", "notifications:detail", "notifications:create", "notifications:discoverable",
		"extensions:index", "extensions:detail", "extensions:discoverable",
		"vmoves:index", "vmoves:detail", "vmoves:discoverable",
	} {
		DefaultRules["os_masakari_api:"+r] = "rule:admin_api"
	}
	DefaultRules["os_masakari_api:versions:index"] = "@"
	DefaultRules["os_masakari_api:versions:discoverable"] = "@"
}

// Policy decides whether a caller may perform an action: oslo.policy's
// check-string language (role:X, rule:X, is_admin:True, field:%(target)s,
// @, !, and, or, not, parentheses) over DefaultRules with the operator's
// overrides.
type Policy struct {
	rules map[string]check
}

// Credentials describe the caller, as an authenticated request context.
type Credentials struct {
	UserID    string
	ProjectID string
	Roles     []string
	// IsAdmin is computed from the context_is_admin rule.
	IsAdmin bool
}

// NewPolicy builds a Policy from DefaultRules overridden by the YAML file
// at path ("rule: check string" pairs). An empty path, or a file that does
// not exist, means the defaults alone.
func NewPolicy(path string) (*Policy, error) {
	rules := maps.Clone(DefaultRules)
	if path != "" {
		data, err := os.ReadFile(path)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("read policy file: %w", err)
		default:
			var over map[string]string
			if err := yaml.Unmarshal(data, &over); err != nil {
				return nil, fmt.Errorf("parse policy file %s: %w", path, err)
			}
			maps.Copy(rules, over)
		}
	}
	return NewPolicyFromRules(rules)
}

// NewPolicyFromRules builds a Policy from complete rules.
func NewPolicyFromRules(rules map[string]string) (*Policy, error) {
	p := &Policy{rules: map[string]check{}}
	for name, s := range rules {
		c, err := parseCheck(s)
		if err != nil {
			return nil, fmt.Errorf("policy rule %q: %w", name, err)
		}
		p.rules[name] = c
	}
	return p, nil
}

// Enforce reports whether creds may do action on target. An unknown action
// is denied.
func (p *Policy) Enforce(action string, creds *Credentials, target map[string]string) bool {
	c, ok := p.rules[action]
	if !ok {
		return false
	}
	return c(p, creds, target, 0)
}

// IsAdmin evaluates context_is_admin for a caller.
func (p *Policy) IsAdmin(creds *Credentials) bool {
	return p.Enforce("context_is_admin", creds, map[string]string{"project_id": creds.ProjectID})
}

type check func(p *Policy, c *Credentials, target map[string]string, depth int) bool

// parseCheck parses oslo.policy's check-string grammar: "or" binds
// loosest, then "and", then "not". An empty string is "@".
func parseCheck(s string) (check, error) {
	// oslo.policy's tokenizer: split on spaces, then peel leading "(" and
	// trailing ")" off each word (so "%(project_id)s" stays whole).
	var toks []string
	for _, w := range strings.Fields(s) {
		for strings.HasPrefix(w, "(") {
			toks = append(toks, "(")
			w = w[1:]
		}
		closing := 0
		for strings.HasSuffix(w, ")") && !strings.HasSuffix(w, ")s") {
			closing++
			w = w[:len(w)-1]
		}
		if w != "" {
			toks = append(toks, w)
		}
		for range closing {
			toks = append(toks, ")")
		}
	}
	if len(toks) == 0 {
		return func(*Policy, *Credentials, map[string]string, int) bool { return true }, nil
	}
	ps := &checkParser{toks: toks}
	c, err := ps.or()
	if err != nil {
		return nil, err
	}
	if ps.pos != len(ps.toks) {
		return nil, fmt.Errorf("unexpected %q", ps.toks[ps.pos])
	}
	return c, nil
}

type checkParser struct {
	toks []string
	pos  int
}

func (ps *checkParser) peek() string {
	if ps.pos < len(ps.toks) {
		return ps.toks[ps.pos]
	}
	return ""
}

func (ps *checkParser) or() (check, error) {
	l, err := ps.and()
	if err != nil {
		return nil, err
	}
	for strings.EqualFold(ps.peek(), "or") {
		ps.pos++
		r, err := ps.and()
		if err != nil {
			return nil, err
		}
		a, b := l, r
		l = func(p *Policy, c *Credentials, t map[string]string, d int) bool {
			return a(p, c, t, d) || b(p, c, t, d)
		}
	}
	return l, nil
}

func (ps *checkParser) and() (check, error) {
	l, err := ps.not()
	if err != nil {
		return nil, err
	}
	for strings.EqualFold(ps.peek(), "and") {
		ps.pos++
		r, err := ps.not()
		if err != nil {
			return nil, err
		}
		a, b := l, r
		l = func(p *Policy, c *Credentials, t map[string]string, d int) bool {
			return a(p, c, t, d) && b(p, c, t, d)
		}
	}
	return l, nil
}

func (ps *checkParser) not() (check, error) {
	if strings.EqualFold(ps.peek(), "not") {
		ps.pos++
		inner, err := ps.not()
		if err != nil {
			return nil, err
		}
		return func(p *Policy, c *Credentials, t map[string]string, d int) bool { return !inner(p, c, t, d) }, nil
	}
	return ps.atom()
}

func (ps *checkParser) atom() (check, error) {
	tok := ps.peek()
	if tok == "" {
		return nil, errors.New("unexpected end of check string")
	}
	ps.pos++
	switch tok {
	case "(":
		c, err := ps.or()
		if err != nil {
			return nil, err
		}
		if ps.peek() != ")" {
			return nil, errors.New("missing )")
		}
		ps.pos++
		return c, nil
	case "@":
		return func(*Policy, *Credentials, map[string]string, int) bool { return true }, nil
	case "!":
		return func(*Policy, *Credentials, map[string]string, int) bool { return false }, nil
	}
	kind, match, ok := strings.Cut(tok, ":")
	if !ok {
		return nil, fmt.Errorf("bad check %q", tok)
	}
	switch kind {
	case "rule":
		return func(p *Policy, c *Credentials, t map[string]string, d int) bool {
			r, ok := p.rules[match]
			return ok && d < 32 && r(p, c, t, d+1)
		}, nil
	case "role":
		return func(p *Policy, c *Credentials, t map[string]string, _ int) bool {
			want, ok := substitute(match, t)
			if !ok {
				return false
			}
			for _, r := range c.Roles {
				if strings.EqualFold(r, want) {
					return true
				}
			}
			return false
		}, nil
	}
	// Generic check: the caller's field (or a literal) against the match.
	return func(p *Policy, c *Credentials, t map[string]string, _ int) bool {
		want, ok := substitute(match, t)
		if !ok {
			return false
		}
		var have string
		switch kind {
		case "is_admin":
			have = "False"
			if c.IsAdmin {
				have = "True"
			}
		case "project_id", "tenant", "project":
			have = c.ProjectID
		case "user_id", "user":
			have = c.UserID
		case "True", "False":
			have = kind
		default:
			return false
		}
		return have == want
	}, nil
}

// substitute expands "%(name)s" from the target; a missing key fails the
// check, as in oslo.policy.
func substitute(match string, target map[string]string) (string, bool) {
	if !strings.HasPrefix(match, "%(") || !strings.HasSuffix(match, ")s") {
		return match, true
	}
	v, ok := target[match[2:len(match)-2]]
	return v, ok
}
