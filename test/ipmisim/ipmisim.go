package ipmisim

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Username is the administrator user of every simulated BMC.
const Username = "admin"

// DefaultHostCommand is the shell command that stands for a running host.
const DefaultHostCommand = "exec sleep infinity"

// Options tune Launch.
type Options struct {
	// Count is how many BMCs to start.
	Count int
	// HostCommand is a shell command that stands for the host while it is
	// powered on (DefaultHostCommand when empty). It runs with the BMC's
	// directory as working directory and must not exit by itself.
	HostCommand string
	// StartOff leaves the hosts powered off at start; by default they run.
	StartOff bool
}

// BMC is one running ipmi_sim.
type BMC struct {
	// Name is the simulated host's name, "fakehost1", "fakehost2", ...
	Name string
	// Address is always 127.0.0.1.
	Address string
	// Port is the BMC's UDP port.
	Port int
	// Username and Password are the BMC's administrator credentials.
	Username string
	Password string
	// CipherSuite is a cipher suite the simulator supports (3).
	CipherSuite int
	// Dir holds lan.conf, the hook, the state dir, host.pid and hook.log.
	Dir string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// Sim is a set of running BMCs.
type Sim struct {
	BMCs []*BMC
	Dir  string
}

// Launch starts opts.Count ipmi_sim BMCs under dir (created if missing), each
// in a fresh subdirectory, and waits until every one answers an RMCP ping.
// The caller must Close the Sim.
func Launch(dir string, opts Options) (*Sim, error) {
	if _, err := exec.LookPath("ipmi_sim"); err != nil {
		return nil, fmt.Errorf("ipmi_sim not found (install Debian package openipmi, or run make services): %w", err)
	}
	if opts.HostCommand == "" {
		opts.HostCommand = DefaultHostCommand
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create simulator dir: %w", err)
	}
	emu := filepath.Join(dir, "sim.emu")
	if err := os.WriteFile(emu, []byte(emuFile), 0o644); err != nil {
		return nil, fmt.Errorf("write emu file: %w", err)
	}
	s := &Sim{Dir: dir}
	type res struct {
		i   int
		b   *BMC
		err error
	}
	out := make(chan res, opts.Count)
	for i := range opts.Count {
		go func() {
			b, err := launchOne(dir, emu, i+1, opts)
			out <- res{i, b, err}
		}()
	}
	s.BMCs = make([]*BMC, opts.Count)
	var errs []error
	for range opts.Count {
		r := <-out
		s.BMCs[r.i] = r.b
		if r.err != nil {
			errs = append(errs, r.err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// launchOne starts BMC number n, retrying with another port if the one
// picked was taken in between.
func launchOne(dir, emu string, n int, opts Options) (*BMC, error) {
	var lastErr error
	for range 5 {
		b, err := tryLaunch(dir, emu, n, opts)
		if err == nil {
			return b, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func tryLaunch(dir, emu string, n int, opts Options) (*BMC, error) {
	port, err := freeUDPPort()
	if err != nil {
		return nil, err
	}
	pw := make([]byte, 8)
	_, _ = rand.Read(pw)
	b := &BMC{
		Name:        fmt.Sprintf("fakehost%d", n),
		Address:     "127.0.0.1",
		Port:        port,
		Username:    Username,
		Password:    hex.EncodeToString(pw),
		CipherSuite: 3,
		Dir:         filepath.Join(dir, fmt.Sprintf("bmc%d", n)),
	}
	_ = os.RemoveAll(b.Dir)
	if err := os.MkdirAll(filepath.Join(b.Dir, "state"), 0o755); err != nil {
		return nil, fmt.Errorf("create bmc dir: %w", err)
	}
	hook := filepath.Join(b.Dir, "chassis.sh")
	if err := os.WriteFile(hook, []byte(hookScript), 0o755); err != nil {
		return nil, fmt.Errorf("write hook: %w", err)
	}
	if err := os.WriteFile(filepath.Join(b.Dir, "host.cmd"), []byte(opts.HostCommand+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("write host command: %w", err)
	}
	guid := make([]byte, 16)
	_, _ = rand.Read(guid)
	conf := fmt.Sprintf(lanConf, b.Name, port, hex.EncodeToString(guid), hook, b.Username, b.Password)
	if err := os.WriteFile(filepath.Join(b.Dir, "lan.conf"), []byte(conf), 0o600); err != nil {
		return nil, fmt.Errorf("write lan.conf: %w", err)
	}
	if !opts.StartOff {
		if err := b.runHook("set", "power", "1"); err != nil {
			return nil, fmt.Errorf("start host %s: %w", b.Name, err)
		}
	}
	if err := b.start(emu); err != nil {
		b.killHost()
		return nil, err
	}
	return b, nil
}

// start runs ipmi_sim in its own process group and waits for an RMCP pong.
func (b *BMC) start(emu string) error {
	logf, err := os.OpenFile(filepath.Join(b.Dir, "ipmi_sim.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open ipmi_sim log: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command("ipmi_sim", "-c", filepath.Join(b.Dir, "lan.conf"), "-f", emu, "-s", filepath.Join(b.Dir, "state"), "-n")
	cmd.Dir = b.Dir
	cmd.Stdout, cmd.Stderr = logf, logf
	// Own process group, so Close kills ipmi_sim and its hooks together;
	// Pdeathsig, so a test binary that dies without cleanup leaves no
	// simulator behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start ipmi_sim: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	b.mu.Lock()
	b.cmd, b.exited = cmd, exited
	b.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(b.Dir, "ipmi_sim.log"))
			return fmt.Errorf("ipmi_sim for %s on port %d exited: %s", b.Name, b.Port, bytes.TrimSpace(log))
		default:
		}
		if ping(b.Address, b.Port, 100*time.Millisecond) {
			return nil
		}
	}
	b.kill()
	return fmt.Errorf("ipmi_sim for %s on port %d did not answer within 10s", b.Name, b.Port)
}

// ping sends an RMCP/ASF presence ping and reports whether a pong came back.
func ping(addr string, port int, timeout time.Duration) bool {
	conn, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: net.ParseIP(addr), Port: port})
	if err != nil {
		return false
	}
	defer conn.Close()
	// RMCP header (version 6, seq 0xff, class ASF) + ASF presence ping.
	if _, err := conn.Write([]byte{0x06, 0x00, 0xff, 0x06, 0x00, 0x00, 0x11, 0xbe, 0x80, 0x01, 0x00, 0x00}); err != nil {
		return false
	}
	_ = conn.SetReadDeadline(time.Now().Add(timeout))
	buf := make([]byte, 64)
	n, err := conn.Read(buf)
	return err == nil && n >= 9 && buf[8] == 0x40
}

func freeUDPPort() (int, error) {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return 0, fmt.Errorf("find a free udp port: %w", err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}

// runHook runs the chassis hook as ipmi_sim would.
func (b *BMC) runHook(args ...string) error {
	cmd := exec.Command(filepath.Join(b.Dir, "chassis.sh"), args...)
	cmd.Dir = b.Dir
	// Calls made behind the BMC's back stay out of hook.log, which records
	// only what ipmi_sim asked for.
	cmd.Env = append(os.Environ(), "IPMISIM_DIRECT=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("chassis hook %v: %w: %s", args, err, bytes.TrimSpace(out))
	}
	return nil
}

// HostPID returns the pid of the process standing for the host, or 0.
func (b *BMC) HostPID() int {
	data, err := os.ReadFile(filepath.Join(b.Dir, "host.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	return pid
}

// HostAlive reports whether the process standing for the host runs (a
// zombie counts as dead: nothing may reap it in a container).
func (b *BMC) HostAlive() bool { return alive(b.HostPID()) }

func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 || i+2 >= len(data) {
		return false
	}
	st := data[i+2]
	return st != 'Z' && st != 'X'
}

// PowerOnHost starts the host process directly, as if someone pressed the
// power button.
func (b *BMC) PowerOnHost() error { return b.runHook("set", "power", "1") }

// PowerOffHost kills the host process directly, behind the BMC's back.
func (b *BMC) PowerOffHost() error { return b.runHook("set", "power", "0") }

// HookCalls returns every call ipmi_sim made to the chassis hook, in order,
// as "get power", "set power 0", "set power 1", "set reset 1", ... (calls
// made by PowerOnHost and PowerOffHost are not included).
func (b *BMC) HookCalls() []string {
	data, err := os.ReadFile(filepath.Join(b.Dir, "hook.log"))
	if err != nil {
		return nil
	}
	var calls []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line != "" {
			calls = append(calls, strings.ReplaceAll(line, `"`, ""))
		}
	}
	return calls
}

// SetStuck makes the BMC acknowledge power off without switching anything,
// as a BMC with a failed power controller does: the host keeps running and
// status keeps reading on.
func (b *BMC) SetStuck(stuck bool) error {
	p := filepath.Join(b.Dir, "stuck")
	if stuck {
		return os.WriteFile(p, nil, 0o644)
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// Pause stops the simulator (SIGSTOP): it keeps its port but answers
// nothing, like a hung BMC.
func (b *BMC) Pause() error { return b.signal(syscall.SIGSTOP) }

// Resume continues a paused simulator.
func (b *BMC) Resume() error { return b.signal(syscall.SIGCONT) }

func (b *BMC) signal(sig syscall.Signal) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd == nil || b.cmd.Process == nil {
		return errors.New("ipmi_sim not running")
	}
	return syscall.Kill(-b.cmd.Process.Pid, sig)
}

// Stop kills the simulator, so its port no longer answers; the host
// process keeps running (a dead BMC does not stop its host).
func (b *BMC) Stop() { b.kill() }

func (b *BMC) kill() {
	b.mu.Lock()
	cmd, exited := b.cmd, b.exited
	b.cmd = nil
	b.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGCONT)
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
	}
}

func (b *BMC) killHost() {
	if pid := b.HostPID(); pid > 0 && alive(pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// Close kills every simulator (by process group) and every host process
// (by pid).
func (s *Sim) Close() error {
	for _, b := range s.BMCs {
		if b == nil {
			continue
		}
		b.kill()
		b.killHost()
	}
	return nil
}

// Ready reports whether the BMC answers an RMCP ping within timeout.
func (b *BMC) Ready(ctx context.Context) bool {
	d := 200 * time.Millisecond
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		d = time.Until(dl)
	}
	return ping(b.Address, b.Port, d)
}

const emuFile = `mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
sensor_add 0x20 0 0 35 0x6f event-only
mc_enable 0x20
`

// lanConf: name, port, guid, hook, user, password.
const lanConf = `name "%s"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 %d
    priv_limit admin
    allowed_auths_admin none md2 md5 straight
    guid %s
  endlan
  chassis_control "%s"
  user 2 true "%s" "%s" admin 10 none md2 md5 straight
`

// hookScript is ipmi_sim's chassis_control program: "get power" prints
// power:1 or power:0 (on while the host process lives); "set power 0" sends
// the host process SIGKILL and returns; "set power 1" starts it. Anything else (reset, boot) is
// logged and refused.
const hookScript = `#!/bin/sh
# POSIX sh (dash) and builtins only on the status path: ipmi_sim waits for
# this script on every Get Chassis Status, and on a loaded machine a slow
# hook makes clients retransmit, which queues more work.
dir=${0%/*}
[ -n "$IPMISIM_DIRECT" ] || echo "$*" >> "$dir/hook.log"
alive() {
	read -r p < "$dir/host.pid" 2>/dev/null || return 1
	[ -n "$p" ] || return 1
	read -r line < "/proc/$p/stat" 2>/dev/null || return 1
	st=${line##*) }
	st=${st%"${st#?}"}
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
case "$1 $2" in
"get power")
	if alive; then echo power:1; else echo power:0; fi ;;
"set power")
	if [ "$3" = 0 ] || [ "$3" = '"0"' ]; then
		# Like a real BMC, acknowledge at once and let the power drop:
		# "get power" reads on until the host process is really gone.
		# A stuck power switch (SetStuck) acknowledges and does nothing.
		[ -e "$dir/stuck" ] && exit 0
		if alive; then kill -KILL "$p"; fi
	else
		if ! alive; then
			(cd "$dir" && exec bash "$dir/host.cmd") </dev/null >/dev/null 2>&1 &
			echo $! > "$dir/host.pid"
		fi
	fi ;;
*)
	exit 1 ;;
esac
exit 0
`
