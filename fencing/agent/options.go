package agent

//go:generate go run ./internal/genoptions -out options_table.go

import (
	"fmt"
	"slices"
	"strings"
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
//   - the agent's own `-o metadata` lists it (the table in
//     options_table.go, read from Debian's fence-agents; an agent the table
//     does not know gets the connection and timing options every
//     fencing.py agent shares), and
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

// NormalizeOption is the form an option name is checked in: lower case,
// '-' written as '_' (fence agents read "password-script" as
// "password_script").
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

// AllowedOptions returns the options Lazarus lets an operator give agent
// (a name such as fence_ipmilan or an absolute path to one), sorted.
func AllowedOptions(agent string) []string {
	name := agent[strings.LastIndexByte(agent, '/')+1:]
	known, ok := agentOptions[name]
	if !ok {
		known = genericOptions
	}
	out := make([]string, 0, len(known))
	for _, n := range known {
		if refusal(n) == "" {
			out = append(out, n)
		}
	}
	return out
}

// CheckOption reports whether an operator may give agent the option
// name=value; the error says why not. It starts no process, so the API
// (which may run where no agent is installed) and the engine (before it
// runs the agent) apply the same rule.
func CheckOption(agent, name, value string) error {
	if name == "" || strings.ContainsAny(name, "=\n\r \t\x00") || !utf8.ValidString(name) || strings.HasPrefix(name, "#") {
		return fmt.Errorf("agent: option name %q is invalid", name)
	}
	if strings.ContainsAny(value, "\n\r\x00") || !utf8.ValidString(value) {
		return fmt.Errorf("agent: option %s holds a line break, a NUL or invalid UTF-8", name)
	}
	n := NormalizeOption(name)
	if why := refusal(n); why != "" {
		return fmt.Errorf("agent: option %s is refused: %s", name, why)
	}
	allowed := AllowedOptions(agent)
	if !slices.Contains(allowed, n) {
		return fmt.Errorf("agent: %s does not take option %s (allowed: %s)", agentBase(agent), name, strings.Join(allowed, ", "))
	}
	switch n {
	case "ip", "ipaddr", "ipport", "port_as_ip":
		// fence_ipmilan and others paste these into a command line that is
		// split on spaces: a space would add arguments.
		if strings.ContainsAny(value, " \t") {
			return fmt.Errorf("agent: option %s must not hold spaces", name)
		}
	}
	return nil
}

// checkOptions applies CheckOption to every option and refuses two names
// that mean the same option (ip and IP).
func checkOptions(agent string, opts map[string]string) error {
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	seen := map[string]string{}
	for _, k := range keys {
		if err := CheckOption(agent, k, opts[k]); err != nil {
			return err
		}
		n := NormalizeOption(k)
		if prev, ok := seen[n]; ok {
			return fmt.Errorf("agent: options %s and %s are the same option", prev, k)
		}
		seen[n] = k
	}
	return nil
}

func agentBase(agent string) string { return agent[strings.LastIndexByte(agent, '/')+1:] }
