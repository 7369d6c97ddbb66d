// Package process is lazarus-processmonitor: it keeps the processes of
// Masakari's process_list.yaml running on a compute node and reports the
// ones it cannot bring back.
//
// # Overview
//
// Every CheckInterval the monitor reads /proc (never `ps`) and looks for a
// live (not zombie) process whose command line contains each entry's
// process_name, as masakari-processmonitor's substring match on `ps -ef`
// does. A missing process is restarted: pre_restart_command,
// restart_command, post_restart_command, then after RestartInterval the
// monitor looks again, up to 1+RestartRetries attempts. If it is still not
// running, a PROCESS STOPPED notification is published (process_name is
// the last path element, as Masakari sends it) and the process is left
// alone until it is seen running again, which publishes PROCESS STARTED.
// Processes not running when the monitor starts are started once with the
// start commands.
//
// # State model
//
//	running ──missing──► restarting ──up again──► running
//	   ▲                     │ 1+retries failed
//	   │                     ▼
//	   └──seen running── reported (STOPPED sent) ──► STARTED sent
//
// # Failure handling
//
// Commands run without a shell (split on white space), as Masakari runs
// them; run_as_root prefixes `sudo -n` when the monitor is not root. A
// command fails when it exits non-zero (Masakari looked at stderr, which
// misjudges chatty commands). Unlike masakari-processmonitor, STOPPED is
// not sent when the last restart worked.
//
// The list is re-read when its file changes; a file that does not parse
// or validate is rejected with the reason logged and the last good list
// stays in force.
package process
