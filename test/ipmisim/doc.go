// Package ipmisim runs real BMC simulators (ipmi_sim from Debian's openipmi)
// on 127.0.0.1 for tests, the demo and benchmarks.
//
// Each BMC is one ipmi_sim process with its own UDP port, state directory
// and random admin password. Its chassis_control hook is a small shell
// script: power off kills the process that stands for the host (and waits
// until it is gone), power on starts a new one, and power status reads
// whether it is alive. So "the BMC read back off" and "the host really
// stopped" can be checked independently. Every hook call is appended to a
// log, so a test can prove that fencing never power-cycled or reset a host.
//
// Start is for tests (cleanup through t.Cleanup, a clear failure when
// ipmi_sim is not installed); Launch is the same without package testing,
// for the demo. Close kills every simulator by its process group and every
// host process by its pid.
package ipmisim
