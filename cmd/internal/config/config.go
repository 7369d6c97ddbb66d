package config

import (
	"errors"
	"fmt"
	"github.com/lazarus-ha/lazarus/monitors/wire"
	"io"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/ini.v1"
)

// DefaultPath is where every Lazarus binary looks for its configuration
// unless --config says otherwise.
const DefaultPath = "/etc/lazarus/lazarus.conf"

// Config is the whole configuration file. Each field is one INI section.
type Config struct {
	Default           Default           `ini:"DEFAULT"`
	Database          Database          `ini:"database"`
	API               API               `ini:"api"`
	KeystoneAuthtoken KeystoneAuthtoken `ini:"keystone_authtoken"`
	Nova              Nova              `ini:"nova"`
	Fencing           Fencing           `ini:"fencing"`
	Engine            Engine            `ini:"engine"`
	HostFailure       HostFailure       `ini:"host_failure"`
	InstanceFailure   InstanceFailure   `ini:"instance_failure"`
	ProcessFailure    ProcessFailure    `ini:"process_failure"`
	Monitors          Monitors          `ini:"monitors"`
	HostMonitor       HostMonitor       `ini:"hostmonitor"`
	ProcessMonitor    ProcessMonitor    `ini:"processmonitor"`
	InstanceMonitor   InstanceMonitor   `ini:"instancemonitor"`
}

// Error is a configuration problem, naming where it is and why.
type Error struct {
	File    string
	Section string
	Key     string
	Reason  string
}

func (e *Error) Error() string {
	switch {
	case e.Section == "" && e.Key == "":
		return fmt.Sprintf("%s: %s", e.File, e.Reason)
	case e.Key == "":
		return fmt.Sprintf("%s: [%s]: %s", e.File, e.Section, e.Reason)
	default:
		return fmt.Sprintf("%s: [%s] %s: %s", e.File, e.Section, e.Key, e.Reason)
	}
}

// Default returns a Config with every option at its documented default.
func DefaultConfig() *Config {
	c := &Config{}
	walk(c, func(sec string, f field) {
		if def, ok := f.tag.Lookup("default"); ok && def != "" {
			if err := setValue(f.val, def); err != nil {
				panic(fmt.Sprintf("config: bad default for [%s] %s: %v", sec, f.key, err))
			}
		}
	})
	return c
}

// Load reads path, applies defaults, rejects unknown sections and keys and
// malformed values, and checks that every "section.key" in required has a
// non-empty value.
func Load(path string, required ...string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Reason: fmt.Sprintf("cannot read: %v", errors.Unwrap(err))}
	}
	return Parse(path, data, required...)
}

// Parse is Load for a file already in memory; name is used in errors.
func Parse(name string, data []byte, required ...string) (*Config, error) {
	f, err := ini.LoadSources(ini.LoadOptions{
		Insensitive:                 false,
		AllowShadows:                false,
		SpaceBeforeInlineComment:    true,
		UnescapeValueCommentSymbols: true,
	}, data)
	if err != nil {
		return nil, &Error{File: name, Reason: "not a valid INI file: " + err.Error()}
	}
	c := DefaultConfig()
	known := sections(c)
	for _, s := range f.Sections() {
		fields, ok := known[s.Name()]
		if !ok {
			if s.Name() == ini.DefaultSection && len(s.Keys()) == 0 {
				continue
			}
			return nil, &Error{File: name, Section: s.Name(), Reason: "unknown section"}
		}
		for _, k := range s.Keys() {
			fld, ok := fields[k.Name()]
			if !ok {
				return nil, &Error{File: name, Section: s.Name(), Key: k.Name(), Reason: "unknown option"}
			}
			v := strings.TrimSpace(k.Value())
			if err := setValue(fld.val, v); err != nil {
				return nil, &Error{File: name, Section: s.Name(), Key: k.Name(), Reason: err.Error()}
			}
			if err := check(fld, v); err != nil {
				return nil, &Error{File: name, Section: s.Name(), Key: k.Name(), Reason: err.Error()}
			}
		}
	}
	for _, r := range required {
		sec, key, _ := strings.Cut(r, ".")
		fld, ok := known[sec][key]
		if !ok {
			panic("config: Load called with unknown required option " + r)
		}
		if fld.val.IsZero() {
			return nil, &Error{File: name, Section: sec, Key: key, Reason: "required but not set"}
		}
	}
	return c, nil
}

type field struct {
	key string
	tag reflect.StructTag
	val reflect.Value
}

// walk calls fn for every option of c, section by section, in declaration order.
func walk(c *Config, fn func(section string, f field)) {
	rv := reflect.ValueOf(c).Elem()
	rt := rv.Type()
	for i := range rt.NumField() {
		sec := rt.Field(i).Tag.Get("ini")
		sv := rv.Field(i)
		st := sv.Type()
		for j := range st.NumField() {
			sf := st.Field(j)
			key := sf.Tag.Get("ini")
			if key == "" || key == "-" {
				continue
			}
			fn(sec, field{key: key, tag: sf.Tag, val: sv.Field(j)})
		}
	}
}

func sections(c *Config) map[string]map[string]field {
	m := map[string]map[string]field{}
	walk(c, func(sec string, f field) {
		if m[sec] == nil {
			m[sec] = map[string]field{}
		}
		m[sec][f.key] = f
	})
	// A section with no options yet is still a known section.
	rt := reflect.TypeOf(c).Elem()
	for i := range rt.NumField() {
		if sec := rt.Field(i).Tag.Get("ini"); m[sec] == nil {
			m[sec] = map[string]field{}
		}
	}
	return m
}

var durationType = reflect.TypeOf(time.Duration(0))

func setValue(v reflect.Value, s string) error {
	switch {
	case v.Type() == durationType:
		d, err := ParseDuration(s)
		if err != nil {
			return err
		}
		v.SetInt(int64(d))
	case v.Kind() == reflect.String:
		v.SetString(s)
	case v.Kind() == reflect.Bool:
		b, err := ParseBool(s)
		if err != nil {
			return err
		}
		v.SetBool(b)
	case v.Kind() == reflect.Int:
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("%q is not an integer", s)
		}
		v.SetInt(int64(n))
	case v.Kind() == reflect.Float64:
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", s)
		}
		v.SetFloat(n)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		var out []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		v.Set(reflect.ValueOf(out))
	default:
		panic("config: unsupported option type " + v.Type().String())
	}
	return nil
}

func check(f field, raw string) error {
	if f.tag.Get("format") == "transport_url" && raw != "" {
		if _, err := wire.ParseTransportURL(raw); err != nil {
			return err
		}
	}
	if ch, ok := f.tag.Lookup("choices"); ok {
		choices := strings.Split(ch, ",")
		if !slices.Contains(choices, raw) {
			return fmt.Errorf("%q is not one of %s", raw, strings.Join(choices, ", "))
		}
	}
	if m, ok := f.tag.Lookup("min"); ok {
		min, _ := strconv.ParseFloat(m, 64)
		var got float64
		switch {
		case f.val.Type() == durationType:
			got = time.Duration(f.val.Int()).Seconds()
		case f.val.Kind() == reflect.Int:
			got = float64(f.val.Int())
		case f.val.Kind() == reflect.Float64:
			got = f.val.Float()
		}
		if got < min {
			return fmt.Errorf("%s is below the minimum %s", raw, m)
		}
	}
	if mx, ok := f.tag.Lookup("max"); ok {
		max, _ := strconv.ParseFloat(mx, 64)
		if f.val.Kind() == reflect.Float64 && f.val.Float() > max {
			return fmt.Errorf("%s is above the maximum %s", raw, mx)
		}
		if f.val.Kind() == reflect.Int && float64(f.val.Int()) > max {
			return fmt.Errorf("%s is above the maximum %s", raw, mx)
		}
	}
	return nil
}

// ParseDuration accepts Go durations ("1m30s") and plain seconds ("90",
// "0.5"), the form Masakari's integer options use.
func ParseDuration(s string) (time.Duration, error) {
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("%q is negative", s)
		}
		return time.Duration(n * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (use seconds or Go syntax like 30s, 2m)", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return d, nil
}

// ParseBool accepts the spellings oslo.config accepts.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true", "1", "yes", "on", "t", "y":
		return true, nil
	case "false", "0", "no", "off", "f", "n":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (true/false)", s)
}

func format(v reflect.Value) string {
	switch {
	case v.Type() == durationType:
		d := time.Duration(v.Int())
		if d%time.Second == 0 {
			return strconv.FormatInt(int64(d/time.Second), 10) + "s"
		}
		return d.String()
	case v.Kind() == reflect.Slice:
		return strings.Join(v.Interface().([]string), ",")
	default:
		return fmt.Sprint(v.Interface())
	}
}

// Redacted renders the effective configuration as INI with every secret
// replaced by "***", fit for logs and `lazarus-manage config show`.
func (c *Config) Redacted() string {
	var b strings.Builder
	last := ""
	walk(c, func(sec string, f field) {
		if sec != last {
			if last != "" {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "[%s]\n", sec)
			last = sec
		}
		v := format(f.val)
		if f.tag.Get("secret") == "true" && v != "" {
			v = "***"
		}
		fmt.Fprintf(&b, "%s = %s\n", f.key, v)
	})
	return b.String()
}

// String is Redacted, so a Config printed by accident leaks no secret.
func (c *Config) String() string { return c.Redacted() }

// WriteSample writes the documented sample file: every section and option,
// each with its help text and its default, commented out as oslo.config's
// generator does.
func WriteSample(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# Lazarus configuration (/etc/lazarus/lazarus.conf).\n")
	b.WriteString("#\n# Generated by `lazarus-manage config sample`; every option is shown with its\n")
	b.WriteString("# default, commented out. Unknown sections and options are errors.\n")
	b.WriteString("# Durations take seconds (\"90\") or Go syntax (\"1m30s\").\n")
	last := ""
	rt := reflect.TypeOf(Config{})
	secHelp := map[string]string{}
	for i := range rt.NumField() {
		secHelp[rt.Field(i).Tag.Get("ini")] = rt.Field(i).Tag.Get("help")
	}
	walk(DefaultConfig(), func(sec string, f field) {
		if sec != last {
			fmt.Fprintf(&b, "\n[%s]\n", sec)
			if h := secHelp[sec]; h != "" {
				b.WriteString(comment(h, ""))
			}
			last = sec
		}
		b.WriteString("\n")
		b.WriteString(comment(f.tag.Get("help"), ""))
		var meta []string
		if ch, ok := f.tag.Lookup("choices"); ok {
			meta = append(meta, "one of: "+strings.ReplaceAll(ch, ",", ", "))
		}
		if m, ok := f.tag.Lookup("min"); ok {
			meta = append(meta, "minimum: "+m)
		}
		if f.tag.Get("secret") == "true" {
			meta = append(meta, "secret: never logged")
		}
		if len(meta) > 0 {
			fmt.Fprintf(&b, "# (%s)\n", strings.Join(meta, "; "))
		}
		fmt.Fprintln(&b, strings.TrimRight("#"+f.key+" = "+f.tag.Get("default"), " "))
	})
	_, err := io.WriteString(w, b.String())
	return err
}

func comment(text, indent string) string {
	var b strings.Builder
	line := ""
	for _, w := range strings.Fields(text) {
		if len(line)+len(w)+1 > 76 && line != "" {
			b.WriteString(indent + "# " + line + "\n")
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		b.WriteString(indent + "# " + line + "\n")
	}
	return b.String()
}
