package process

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// procEntry is one live process read from /proc.
type procEntry struct {
	pid     int
	cmdline string
}

// scanProc lists the live processes under root (normally /proc): their
// command line with NUL separators turned into spaces. Kernel threads
// (empty command line) and zombies are left out; a process that exits
// while being read is skipped.
func scanProc(root string) ([]procEntry, error) {
	des, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	out := make([]procEntry, 0, len(des))
	for _, de := range des {
		pid, err := strconv.Atoi(de.Name())
		if err != nil || !de.IsDir() {
			continue
		}
		dir := filepath.Join(root, de.Name())
		raw, err := os.ReadFile(filepath.Join(dir, "cmdline"))
		if err != nil || len(raw) == 0 {
			continue
		}
		if stat, err := os.ReadFile(filepath.Join(dir, "stat")); err == nil && isDead(stat) {
			continue
		}
		cmd := strings.TrimSpace(string(bytes.ReplaceAll(bytes.TrimRight(raw, "\x00"), []byte{0}, []byte{' '})))
		out = append(out, procEntry{pid: pid, cmdline: cmd})
	}
	return out, nil
}

// isDead reads the state field of /proc/PID/stat ("pid (comm) S ..."); the
// comm may contain spaces and parentheses, so the state follows the last ')'.
func isDead(stat []byte) bool {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return false
	}
	switch stat[i+2] {
	case 'Z', 'X', 'x':
		return true
	}
	return false
}

// findProcess returns the pids whose command line contains name, except
// the monitor itself.
func findProcess(procs []procEntry, name string, self int) []int {
	var pids []int
	for _, p := range procs {
		if p.pid != self && strings.Contains(p.cmdline, name) {
			pids = append(pids, p.pid)
		}
	}
	return pids
}
