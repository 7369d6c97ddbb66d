// Package agent is a fencing.Device that runs a ClusterLabs fence agent
// (fence_ipmilan, fence_redfish, fence_apc, ... from Debian's fence-agents).
//
// # Overview
//
// The agent is run once per action with the standard stdin protocol: one
// key=value per line (action=off|on|status|monitor, the device options, and
// password=...). Nothing secret is put on the command line or into the
// environment. Exit codes follow the fence agent API: 0 is success (for
// status: on), 2 is off for status, anything else a failure.
//
// PowerOff runs action=off (the agent itself waits until its status reads
// off) and then action=status, so the result carries an independent
// reading of power off as evidence.
//
// # Options
//
// An agent runs as the engine's user (root on most sites), and several of
// its options name a program it runs or a file it writes (ipmitool_path,
// ssh_options, debug_file, password_script, ...). Validate, which New
// calls before any process starts, accepts only the options the agent's
// own `-o metadata` lists minus every path-, file-, script- and
// command-like option; names are compared case-insensitively with '-' and
// '_' the same. The rule and its table live in fencing/fenceopt, the option
// schema the API validates devices with, so both refuse the same options.
//
// # Failure handling
//
// Every run is bounded by Config.Timeout and the caller's context; on
// expiry the agent's whole process group is killed. Errors wrap the fencing
// sentinels: power that did not change in time ("Timed out waiting to
// power OFF") is fencing.ErrTimeout; a connection that timed out is
// fencing.ErrTimeout and fencing.ErrUnreachable; a session or login failure is fencing.ErrAuth,
// any other failure fencing.ErrRefused. Unless the options set it, the agent
// runs with verbose=1 so its log explains failures; the password is scrubbed
// from everything the agent prints before it reaches an error or a reading.
//
// Note that some agents pass the password to a helper on its command line
// (fence_ipmilan hands it to ipmitool with -P); that is inside the agent and
// outside Lazarus's control.
package agent
