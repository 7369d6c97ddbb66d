package fenceopt

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Drivers a fence device may have.
const (
	DriverIPMI   = "ipmi"
	DriverAgent  = "agent"
	DriverManual = "manual"
)

// Bounds of the fields every driver shares.
const (
	LevelMin = 1
	LevelMax = 100
	PortMin  = 1
	PortMax  = 65535
	// FieldMaxLength bounds agent, address, username and password (the
	// columns are varchar(255)).
	FieldMaxLength = 255
)

// Defaults of driver ipmi.
const (
	// IPMIDefaultPort is the IPMI RMCP port.
	IPMIDefaultPort = 623
	// IPMIDefaultCipherSuite is RAKP-HMAC-SHA1 / HMAC-SHA1-96 /
	// AES-CBC-128, supported by nearly every BMC, ipmi_sim included.
	IPMIDefaultCipherSuite = 3
	// IPMIDefaultPrivilege is the session privilege.
	IPMIDefaultPrivilege = "administrator"
)

// Device is a fence device as an operator gives it (an API body, a stored
// row), without its level and password.
type Device struct {
	Driver   string
	Agent    string
	Address  string
	Port     int // 0: the driver's default
	Username string
	Options  map[string]string
}

// Type is the type of an option's value.
type Type int

// Option value types.
const (
	// String is any text without a line break or NUL.
	String Type = iota
	// Integer is a decimal integer between Option.Min and Option.Max.
	Integer
	// Boolean is 1/0, true/false, yes/no or on/off in any case.
	Boolean
	// Enum is one of Option.Values, in any case.
	Enum
	// Second is a duration in seconds: a non-negative decimal number.
	Second
)

// String names the type.
func (t Type) String() string {
	switch t {
	case Integer:
		return "integer"
	case Boolean:
		return "boolean"
	case Enum:
		return "enum"
	case Second:
		return "second"
	}
	return "string"
}

// Option describes one driver option.
type Option struct {
	Name string
	Type Type
	// Default is what an absent option means ("" when the driver or the
	// agent decides).
	Default string
	// Min and Max bound an Integer.
	Min, Max int
	// Values are an Enum's accepted values, in their normal form.
	Values []string
}

// Field names of a device besides level, as the API spells them.
const (
	FieldAgent    = "agent"
	FieldAddress  = "address"
	FieldPort     = "port"
	FieldUsername = "username"
	FieldPassword = "password"
	FieldOptions  = "options"
)

// Spec is what one driver takes.
type Spec struct {
	Driver string
	// Fields are the device fields the driver takes besides level.
	Fields []string
	// Required are the fields it cannot do without.
	Required []string
	// Options are its options; nil for agent, whose options depend on the
	// agent (see AgentOptions).
	Options []Option
}

// ipmiOptions are the options of driver ipmi.
var ipmiOptions = []Option{
	{Name: "cipher_suite", Type: Integer, Default: strconv.Itoa(IPMIDefaultCipherSuite), Min: 0, Max: 255},
	{Name: "privilege", Type: Enum, Default: IPMIDefaultPrivilege, Values: []string{"administrator", "admin", "operator", "user"}},
}

var specs = []Spec{
	{
		Driver:   DriverIPMI,
		Fields:   []string{FieldAddress, FieldPort, FieldUsername, FieldPassword, FieldOptions},
		Required: []string{FieldAddress},
		Options:  ipmiOptions,
	},
	{
		Driver:   DriverAgent,
		Fields:   []string{FieldAgent, FieldAddress, FieldPort, FieldUsername, FieldPassword, FieldOptions},
		Required: []string{FieldAgent},
	},
	{Driver: DriverManual},
}

// Drivers returns the driver names, in the order messages list them.
func Drivers() []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.Driver
	}
	return out
}

// SpecOf returns the spec of a driver; ok is false for an unknown one.
func SpecOf(driver string) (s Spec, ok bool) {
	i := slices.IndexFunc(specs, func(s Spec) bool { return s.Driver == driver })
	if i < 0 {
		return Spec{}, false
	}
	s = specs[i]
	s.Fields = slices.Clone(s.Fields)
	s.Required = slices.Clone(s.Required)
	s.Options = slices.Clone(s.Options)
	return s, true
}

// set reports which fields of d (and the password) hold a value.
func (d Device) set(password string) map[string]bool {
	return map[string]bool{
		FieldAgent: d.Agent != "", FieldAddress: d.Address != "", FieldPort: d.Port != 0,
		FieldUsername: d.Username != "", FieldPassword: password != "", FieldOptions: len(d.Options) > 0,
	}
}

// Check reports whether d, with password, is a device its driver can use;
// the error is a sentence for the operator. It starts nothing and reaches
// no device.
func Check(d Device, password string) error {
	s, ok := SpecOf(d.Driver)
	if !ok {
		return errf("Invalid input for field/attribute driver. It must be one of %s.", strings.Join(Drivers(), ", "))
	}
	set := d.set(password)
	for _, f := range []string{FieldAgent, FieldAddress, FieldPort, FieldUsername, FieldPassword, FieldOptions} {
		if !set[f] || slices.Contains(s.Fields, f) {
			continue
		}
		if len(s.Fields) == 0 {
			return errf("A %s fence device takes only a level.", d.Driver)
		}
		return errf("Field %s belongs to driver %s.", f, owner(f))
	}
	if d.Port != 0 && (d.Port < PortMin || d.Port > PortMax) {
		return errf("Field port must be between %d and %d.", PortMin, PortMax)
	}
	if strings.ContainsAny(password, "\n\r\x00") {
		return errf("Field password must not hold a line break or a NUL.")
	}
	switch d.Driver {
	case DriverIPMI:
		_, err := ParseIPMI(d)
		return err
	case DriverAgent:
		_, err := ParseAgent(d)
		return err
	}
	return nil
}

// owner names the drivers that take field f.
func owner(f string) string {
	var out []string
	for _, s := range specs {
		if slices.Contains(s.Fields, f) {
			out = append(out, s.Driver)
		}
	}
	return strings.Join(out, " or ")
}

// IPMI is an ipmi device's settings, parsed, with the defaults filled in.
type IPMI struct {
	Address     string
	Port        int
	Username    string
	CipherSuite int
	Privilege   string // lower case
}

// ParseIPMI maps an ipmi device to its settings: its address (required),
// port (default 623), username, and the options cipher_suite (default 3)
// and privilege (default administrator).
func ParseIPMI(d Device) (IPMI, error) {
	if d.Address == "" {
		return IPMI{}, errf("Driver ipmi needs an address.")
	}
	if d.Port < 0 || d.Port > PortMax {
		return IPMI{}, errf("Field port must be between %d and %d.", PortMin, PortMax)
	}
	keys := sortedKeys(d.Options)
	for _, k := range keys {
		if !slices.ContainsFunc(ipmiOptions, func(o Option) bool { return o.Name == k }) {
			return IPMI{}, errf("Driver ipmi takes the options %s, not %s.", optionNames(ipmiOptions), k)
		}
	}
	out := IPMI{Address: d.Address, Port: d.Port, Username: d.Username}
	if out.Port == 0 {
		out.Port = IPMIDefaultPort
	}
	vals := make(map[string]string, len(ipmiOptions))
	for _, o := range ipmiOptions {
		v, given := d.Options[o.Name]
		if !given {
			vals[o.Name] = o.Default
			continue
		}
		n, err := o.Normalize(v)
		if err != nil {
			return IPMI{}, err
		}
		vals[o.Name] = n
	}
	out.CipherSuite, _ = strconv.Atoi(vals["cipher_suite"])
	if out.CipherSuite == 0 {
		// Suite 0 has no authentication and is never used: 0 means the default.
		out.CipherSuite = IPMIDefaultCipherSuite
	}
	out.Privilege = vals["privilege"]
	return out, nil
}

// Normalize checks an option's value against its type and returns it in
// normal form: an Integer without sign or leading zeros, a Boolean as 1 or
// 0, an Enum as Values spells it, a Second and a String as they are.
func (o Option) Normalize(v string) (string, error) {
	if strings.ContainsAny(v, "\n\r\x00") {
		return "", errf("Option %s holds a line break or a NUL.", o.Name)
	}
	switch o.Type {
	case Integer:
		n, err := strconv.Atoi(v)
		if err != nil {
			return "", errf("Option %s must be a number.", o.Name)
		}
		if n < o.Min || n > o.Max {
			return "", errf("Option %s must be between %d and %d.", o.Name, o.Min, o.Max)
		}
		return strconv.Itoa(n), nil
	case Boolean:
		b, ok := ParseBool(v)
		if !ok {
			return "", errf("Option %s must be a boolean (1 or 0, true or false, yes or no, on or off).", o.Name)
		}
		if b {
			return "1", nil
		}
		return "0", nil
	case Enum:
		i := slices.IndexFunc(o.Values, func(e string) bool { return strings.EqualFold(e, v) })
		if i < 0 {
			return "", errf("Option %s must be one of %s.", o.Name, strings.Join(o.Values, ", "))
		}
		return o.Values[i], nil
	case Second:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f >= 0) || math.IsInf(f, 0) || strings.ContainsAny(v, "xXpP_") {
			return "", errf("Option %s must be a number of seconds.", o.Name)
		}
		return v, nil
	}
	return v, nil
}

// ParseBool reads the boolean forms fence agents and oslo.config accept.
func ParseBool(v string) (value, ok bool) {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true, true
	case "0", "false", "no", "off":
		return false, true
	}
	return false, false
}

// Agent is an agent device's settings: the agent's name and the options
// sent on its stdin, in normal form.
type Agent struct {
	Agent   string
	Options map[string]string
}

var agentNameRe = regexp.MustCompile(`^fence_[A-Za-z0-9_]+$`)

// ParseAgent maps an agent device to its settings: the agent (a name
// fence_*, never a path: the API must not pick a program), its options
// checked against the agent's allow-list and normalised, and the device's
// address, port and username as ip, ipport and username unless the options
// give them (or their aliases ipaddr and login).
func ParseAgent(d Device) (Agent, error) {
	if !agentNameRe.MatchString(d.Agent) {
		return Agent{}, errf("Driver agent needs agent, the name of a fence agent (fence_*).")
	}
	opts, err := NormalizeAgentOptions(d.Agent, d.Options)
	if err != nil {
		return Agent{}, err
	}
	fill := func(name, value string, aliases ...string) error {
		if value == "" {
			return nil
		}
		for _, a := range append([]string{name}, aliases...) {
			if _, ok := opts[a]; ok {
				return nil
			}
		}
		v, err := CheckAgentOption(d.Agent, name, value)
		if err != nil {
			return err
		}
		opts[name] = v
		return nil
	}
	port := ""
	if d.Port != 0 {
		port = strconv.Itoa(d.Port)
	}
	if err := fill("ip", d.Address, "ipaddr"); err != nil {
		return Agent{}, err
	}
	if err := fill("ipport", port); err != nil {
		return Agent{}, err
	}
	if err := fill("username", d.Username, "login"); err != nil {
		return Agent{}, err
	}
	return Agent{Agent: d.Agent, Options: opts}, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func optionNames(os []Option) string {
	names := make([]string, len(os))
	for i, o := range os {
		names[i] = o.Name
	}
	return strings.Join(names, " and ")
}

// Error is a device the schema refuses. Its text is a sentence for the
// operator (capitalised, with a period), which the API returns as it is.
type Error struct {
	Msg string
}

func (e *Error) Error() string { return e.Msg }

func errf(format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...)}
}
