package process

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Process is one entry of Masakari's process_list.yaml.
type Process struct {
	ProcessName        string `yaml:"process_name"`
	StartCommand       string `yaml:"start_command"`
	PreStartCommand    string `yaml:"pre_start_command"`
	PostStartCommand   string `yaml:"post_start_command"`
	RestartCommand     string `yaml:"restart_command"`
	PreRestartCommand  string `yaml:"pre_restart_command"`
	PostRestartCommand string `yaml:"post_restart_command"`
	RunAsRoot          bool   `yaml:"run_as_root"`
}

// ReportedName is the process_name sent in notifications: the last path
// element, as masakari-processmonitor sends it.
func (p Process) ReportedName() string {
	name := strings.TrimRight(p.ProcessName, "/")
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// ParseList decodes and validates a process list. Unknown keys are errors,
// so a misspelt key is not silently ignored.
func ParseList(data []byte) ([]Process, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var list []Process
	if err := dec.Decode(&list); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("process list is empty")
		}
		return nil, fmt.Errorf("decode process list: %w", err)
	}
	seen := map[string]bool{}
	for i, p := range list {
		switch {
		case strings.TrimSpace(p.ProcessName) == "":
			return nil, fmt.Errorf("entry %d: process_name is required", i+1)
		case seen[p.ProcessName]:
			return nil, fmt.Errorf("entry %d: process_name %q is listed twice", i+1, p.ProcessName)
		case p.ReportedName() == "":
			return nil, fmt.Errorf("entry %d: process_name %q has no name after its last /", i+1, p.ProcessName)
		}
		if len(p.ReportedName()) > 255 {
			return nil, fmt.Errorf("entry %d: process_name is longer than 255 characters", i+1)
		}
		seen[p.ProcessName] = true
	}
	return list, nil
}

// listFile keeps the last good process list of a file and re-reads it when
// the file changes.
type listFile struct {
	path    string
	list    []Process
	modTime time.Time
	size    int64
	loaded  bool
}

// reload re-reads the file if its modification time or size changed. It
// returns whether a new list is in force, and why a changed file was
// rejected (the previous list then stays).
func (f *listFile) reload() (bool, error) {
	st, err := os.Stat(f.path)
	if err != nil {
		return false, fmt.Errorf("stat process list: %w", err)
	}
	if f.loaded && st.ModTime().Equal(f.modTime) && st.Size() == f.size {
		return false, nil
	}
	f.modTime, f.size = st.ModTime(), st.Size()
	data, err := os.ReadFile(f.path)
	if err != nil {
		return false, fmt.Errorf("read process list: %w", err)
	}
	list, err := ParseList(data)
	if err != nil {
		return false, err
	}
	f.list, f.loaded = list, true
	return true, nil
}
