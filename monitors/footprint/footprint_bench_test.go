package footprint

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	amqp "github.com/rabbitmq/amqp091-go"
)

const warmup = 3 * time.Second

// window is how long the idle monitors are measured: 60 s, or
// LAZARUS_FOOTPRINT_WINDOW (a Go duration).
func window(b *testing.B) time.Duration {
	if v := os.Getenv("LAZARUS_FOOTPRINT_WINDOW"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("LAZARUS_FOOTPRINT_WINDOW: %v", err)
		}
		return d
	}
	return 60 * time.Second
}

// BenchmarkMonitorFootprint starts lazarus-hostmonitor (one of three on
// loopback, two networks), lazarus-processmonitor (two watched processes)
// and lazarus-instancemonitor (a virsh stand-in with an idle event stream),
// each with its default timings, lets them settle, and reports each one's
// RSS and CPU share over an idle window.
func BenchmarkMonitorFootprint(b *testing.B) {
	for i := 0; i < b.N; i++ {
		runFootprint(b)
	}
}

type proc struct {
	name string
	cmd  *exec.Cmd
}

func runFootprint(b *testing.B) {
	url := os.Getenv("TEST_RABBITMQ_URL")
	if url == "" {
		url = "amqp://guest:guest@127.0.0.1:5672/"
	}
	conn, err := amqp.Dial(url)
	if err != nil {
		b.Fatalf("RabbitMQ at %s is required (make services starts it): %v", url, err)
	}
	queue := "lazarus.test.footprint." + uuid.NewString()[:8]
	b.Cleanup(func() {
		if ch, err := conn.Channel(); err == nil {
			_, _ = ch.QueueDelete(queue, false, false, false)
		}
		conn.Close()
	})
	dir := b.TempDir()
	bins := map[string]string{}
	for _, name := range []string{"lazarus-hostmonitor", "lazarus-processmonitor", "lazarus-instancemonitor"} {
		bins[name] = filepath.Join(dir, name)
		if out, err := exec.Command("go", "build", "-o", bins[name], "../../cmd/"+name).CombinedOutput(); err != nil {
			b.Fatalf("build %s: %v: %s", name, err, out)
		}
	}
	common := func(host, spool string) string {
		return fmt.Sprintf("[DEFAULT]\nhost = %s\ntransport_url = %s\nnotification_queue = %s\n\n[monitors]\nspool_dir = %s\n",
			host, url, queue, spool)
	}
	var procs []proc
	start := func(name, conf string, measured bool) {
		path := filepath.Join(dir, fmt.Sprintf("%s-%d.conf", name, len(procs)))
		if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command(bins[name], "-config", path)
		cmd.Stderr = &bytes.Buffer{}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })
		if measured {
			procs = append(procs, proc{name: name, cmd: cmd})
		}
	}

	// Three host monitors on 127.0.0.1 / 127.0.0.2 (mgmt / storage).
	ports := []int{freePort(b), freePort(b), freePort(b)}
	for h := range 3 {
		var peers []string
		for p := range 3 {
			if p != h {
				peers = append(peers, fmt.Sprintf("mgmt=127.0.0.1:%d,storage=127.0.0.2:%d", ports[p], ports[p]))
			}
		}
		conf := common(fmt.Sprintf("compute-%d", h+1), filepath.Join(dir, "spool", strconv.Itoa(h))) +
			fmt.Sprintf("\n[hostmonitor]\nnetworks = mgmt=127.0.0.1:%d,storage=127.0.0.2:%d\npeers = %s\n",
				ports[h], ports[h], strings.Join(peers, ","))
		start("lazarus-hostmonitor", conf, h == 0)
	}

	// The process monitor watches two sleeps it does not need to restart.
	var list strings.Builder
	for k := range 2 {
		marker := fmt.Sprintf("sleep 3600.%d%d", time.Now().UnixNano()%1_000_000, k)
		sl := exec.Command("sleep", strings.Fields(marker)[1])
		if err := sl.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = sl.Process.Kill(); _ = sl.Wait() })
		fmt.Fprintf(&list, "- process_name: %s\n  restart_command: /bin/true\n", marker)
	}
	listPath := filepath.Join(dir, "process_list.yaml")
	if err := os.WriteFile(listPath, []byte(list.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	start("lazarus-processmonitor", common("compute-1", filepath.Join(dir, "spool", "p"))+
		fmt.Sprintf("\n[processmonitor]\nprocess_list_path = %s\n", listPath), true)

	// The instance monitor supervises a virsh stand-in whose stream is idle.
	virsh := filepath.Join(dir, "virsh")
	script := "#!/bin/sh\nshift 3\ncase \"$1\" in\nevent) exec sleep 3600 ;;\nuri) echo qemu:///system ;;\nlist) ;;\n*) exit 1 ;;\nesac\n"
	if err := os.WriteFile(virsh, []byte(script), 0o755); err != nil {
		b.Fatal(err)
	}
	start("lazarus-instancemonitor", common("compute-1", filepath.Join(dir, "spool", "i"))+
		fmt.Sprintf("\n[instancemonitor]\nvirsh_path = %s\n", virsh), true)

	time.Sleep(warmup)
	before := make([]float64, len(procs))
	for k, p := range procs {
		before[k] = cpuSeconds(b, p.cmd.Process.Pid)
	}
	t0 := time.Now()
	time.Sleep(window(b))
	wall := time.Since(t0).Seconds()
	b.StopTimer()
	fmt.Printf("\nmonitor footprint while idle (default timings, %.0fs window after %s warm-up; load average %s)\n", wall, warmup, loadavg())
	fmt.Printf("  %-26s %10s %10s\n", "binary", "RSS (MiB)", "CPU (%)")
	for k, p := range procs {
		if p.cmd.ProcessState != nil {
			b.Fatalf("%s exited: %s", p.name, p.cmd.Stderr)
		}
		cpu := (cpuSeconds(b, p.cmd.Process.Pid) - before[k]) / wall * 100
		rss := rssMiB(b, p.cmd.Process.Pid)
		fmt.Printf("  %-26s %10.1f %10.2f\n", p.name, rss, cpu)
		short := strings.TrimPrefix(p.name, "lazarus-")
		b.ReportMetric(rss, short+"_rss_MiB")
		b.ReportMetric(cpu, short+"_cpu_pct")
	}
}

func freePort(b *testing.B) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// cpuSeconds is utime+stime of pid from /proc/PID/stat.
func cpuSeconds(b *testing.B, pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+2:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / clockTicks
}

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports here.
const clockTicks = 100

func rssMiB(b *testing.B, pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.Fields(v)[0], 64)
			return kb / 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(data))[:3], " ")
}
