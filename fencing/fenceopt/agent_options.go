package fenceopt

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Which agent options an operator may set.
//
// A fence agent runs as the user of lazarus-engine (root on most sites)
// and several of its options name a program it runs, a file it writes or a
// command it hands to a shell: fence_ipmilan's ipmitool_path, fence_virsh's
// ssh_options, every agent's debug_file and password_script. Whoever may
// create a fence device could run anything through them. So an option is
// accepted only when
//
//   - the agent's own `-o metadata` lists it (the table in agent_table.go,
//     read from Debian's fence-agents; an agent the table does not know
//     gets the connection and timing options every fencing.py agent
//     shares), and
//   - it is not refused below: program and file paths (*_path, *_file,
//     logfile, debug), scripts (*_script), commands (exec, runonfail,
//     runonwarn, ssh_options, openrc, kubeconfig, sudo, use_sudo), what
//     Lazarus sets itself (action), secrets that belong in the password
//     field, and switches that stop the agent from acting (help, version).
//
// Names are compared as the agents compare them after parsing stdin:
// case-insensitively here (stricter than the agents), with '-' and '_'
// the same.

// genericOptions are what an agent missing from the table may take: the
// connection and timing options of fencing.py that every network agent
// shares.
var genericOptions = []string{
	"delay", "disable_timeout", "inet4_only", "inet6_only", "ip", "ipaddr", "ipport", "login", "login_timeout",
	"method", "plug", "plug_separator", "port", "power_timeout", "power_wait", "quiet", "retry_on", "separator",
	"shell_timeout", "ssl", "ssl_insecure", "ssl_secure", "stonith_status_sleep", "username", "verbose", "verbose_level",
}

// agentIntegerMax bounds an agent's integer options (ports, counts,
// verbosity): none needs more, and the agents' own check is int().
const agentIntegerMax = 1<<31 - 1

// refusedOptions are refused whatever the metadata says, with the reason.
var refusedOptions = map[string]string{
	"action":           "it is set by Lazarus per call",
	"password":         "give the password in the password field",
	"passwd":           "give the password in the password field",
	"snmp_priv_passwd": "give the password in the password field",
	"identity_file":    "it names a file the agent reads as the engine's user",
	"debug":            "it names a file the agent writes as the engine's user",
	"logfile":          "it names a file the agent writes as the engine's user",
	"exec":             "it is a command the agent runs",
	"runonfail":        "it is a command the agent runs",
	"runonwarn":        "it is a command the agent runs",
	"ssh_options":      "it is handed to ssh, which can run commands (ProxyCommand)",
	"openrc":           "the agent sources it with a shell",
	"kubeconfig":       "it names a file whose exec plugins the agent runs",
	"sudo":             "the agent would run its commands through sudo",
	"use_sudo":         "the agent would run its commands through sudo",
	"help":             "the agent would print its usage instead of acting",
	"version":          "the agent would print its version instead of acting",
}

// NormalizeOption is the form an agent option name is checked in and
// handed to the agent: lower case, '-' written as '_' (fence agents read
// "password-script" as "password_script").
func NormalizeOption(name string) string {
	return strings.ReplaceAll(strings.ToLower(name), "-", "_")
}

// refusal says why a normalized option name is refused, or "".
func refusal(n string) string {
	if why, ok := refusedOptions[n]; ok {
		return why
	}
	switch {
	case strings.HasSuffix(n, "_path"):
		return "it names a program or directory the agent uses as the engine's user"
	case strings.HasSuffix(n, "_file"):
		return "it names a file the agent reads or writes as the engine's user"
	case strings.HasSuffix(n, "_script"):
		return "it is a script the agent runs"
	case strings.Contains(n, "passwd") || strings.Contains(n, "password"):
		return "give the password in the password field"
	}
	return ""
}

func agentBase(agent string) string { return agent[strings.LastIndexByte(agent, '/')+1:] }

// AgentOptions returns the options Lazarus lets an operator give agent (a
// name such as fence_ipmilan, or a path to one), sorted by name, with the
// type, default and choices the agent's metadata gives them.
func AgentOptions(agent string) []Option {
	known, ok := agentOptions[agentBase(agent)]
	if !ok {
		known = genericTyped()
	}
	out := make([]Option, 0, len(known))
	for _, o := range known {
		if refusal(o.Name) == "" {
			out = append(out, o)
		}
	}
	return out
}

// genericTyped gives each generic option the type every agent in the
// table that lists it agrees on (text where they differ), without a
// default: an agent the table does not know decides its own.
var genericTyped = sync.OnceValue(func() []Option {
	out := make([]Option, 0, len(genericOptions))
	for _, n := range genericOptions {
		var typed *Option
		agree := true
		for _, opts := range agentOptions {
			i := slices.IndexFunc(opts, func(o Option) bool { return o.Name == n })
			if i < 0 {
				continue
			}
			o := opts[i]
			if typed == nil {
				typed = &o
			} else if typed.Type != o.Type || !slices.Equal(typed.Values, o.Values) {
				agree = false
			}
		}
		o := Option{Name: n, Type: String}
		if typed != nil && agree {
			o = Option{Name: n, Type: typed.Type, Min: typed.Min, Max: typed.Max, Values: typed.Values}
		}
		out = append(out, o)
	}
	return out
})

// AllowedAgentOptions returns the names of AgentOptions(agent).
func AllowedAgentOptions(agent string) []string {
	os := AgentOptions(agent)
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = o.Name
	}
	return out
}

// CheckAgentOption reports whether an operator may give agent the option
// name=value and returns the value in normal form; the error says why
// not. It starts no process, so the API (which may run where no agent is
// installed) and the engine (before it runs the agent) apply the same
// rule.
func CheckAgentOption(agent, name, value string) (string, error) {
	if name == "" || strings.ContainsAny(name, "=\n\r \t\x00") || !utf8.ValidString(name) || strings.HasPrefix(name, "#") {
		return "", errf("Option name %q is invalid.", name)
	}
	if strings.ContainsAny(value, "\n\r\x00") || !utf8.ValidString(value) {
		return "", errf("Option %s holds a line break, a NUL or invalid UTF-8.", name)
	}
	n := NormalizeOption(name)
	if why := refusal(n); why != "" {
		return "", errf("Option %s is refused: %s.", name, why)
	}
	opts := AgentOptions(agent)
	i := slices.IndexFunc(opts, func(o Option) bool { return o.Name == n })
	if i < 0 {
		return "", errf("Agent %s does not take option %s (allowed: %s).", agentBase(agent), name, strings.Join(AllowedAgentOptions(agent), ", "))
	}
	switch n {
	case "ip", "ipaddr", "ipport", "port_as_ip":
		// fence_ipmilan and others paste these into a command line that is
		// split on spaces: a space would add arguments.
		if strings.ContainsAny(value, " \t") {
			return "", errf("Option %s must not hold spaces.", name)
		}
	}
	o := opts[i]
	o.Name = name
	return o.Normalize(value)
}

// NormalizeAgentOptions applies CheckAgentOption to every option, refuses
// two names that mean the same option (ip and IP), and returns the options
// with names and values in normal form.
func NormalizeAgentOptions(agent string, opts map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(opts)+3)
	seen := map[string]string{}
	for _, k := range sortedKeys(opts) {
		v, err := CheckAgentOption(agent, k, opts[k])
		if err != nil {
			return nil, err
		}
		n := NormalizeOption(k)
		if prev, ok := seen[n]; ok {
			return nil, errf("Options %s and %s are the same option.", prev, k)
		}
		seen[n] = k
		out[n] = v
	}
	return out, nil
}
