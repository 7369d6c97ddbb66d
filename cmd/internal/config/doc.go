// Package config loads Lazarus's one INI file (oslo.config style) into a
// typed struct.
//
// # Overview
//
// Every option is a field of a section struct. Its tags carry the key name,
// the default, the help text shown in etc/lazarus.conf.sample, and the
// checks applied at load time:
//
//	Listen string `ini:"listen" default:"0.0.0.0:15868" help:"Address the API listens on."`
//
// Supported tags: ini (key), default, help, choices (comma list), min (for
// numbers and durations), secret (redacted by Redacted and never logged).
// Supported types: string, bool, int, float64, time.Duration and []string
// (comma list).
//
// Durations accept Go syntax ("30s", "1m30s") or a plain number of seconds,
// as Masakari's options are integers in seconds.
//
// # Failure handling
//
// Load rejects unknown sections and keys, malformed values, values outside
// their choices or minimum, and missing required keys. The error names the
// file, the section, the key and the reason, so an operator can fix it at
// once.
package config
