package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// step is one command of the script. Args may use {name} for a value
// captured by an earlier step of the same run.
type step struct {
	args []string
	// capture stores the step's trimmed stdout under this name.
	capture string
}

func s(args ...string) step { return step{args: args} }

// result is what one CLI printed for one step.
type result struct {
	stdout, stderr string
	code           int
}

// cli runs one command line against one API.
type cli struct {
	name     string
	argv     []string // binary and leading arguments
	endpoint string
	norm     *normalizer
	vars     map[string]string
	// home is HOME for every run: stevedore caches the entry points
	// there, and without the cache each openstack call takes seconds.
	home string
}

func (c *cli) run(t *testing.T, st step) result {
	t.Helper()
	args := append([]string{}, c.argv[1:]...)
	args = append(args, "--os-auth-type", "none", "--os-endpoint", c.endpoint)
	for _, a := range st.args {
		for k, v := range c.vars {
			a = strings.ReplaceAll(a, "{"+k+"}", v)
		}
		args = append(args, a)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.argv[0], args...)
	// Only what the test sets: no OS_* from the environment.
	cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + c.home, "LANG=C.UTF-8"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	if d := time.Since(start); d > 3*time.Second {
		t.Logf("%s %v took %s", c.name, st.args, d)
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", c.name, args, err)
	}
	if st.capture != "" {
		c.vars[st.capture] = strings.TrimSpace(stdout.String())
	}
	if c.norm == nil {
		return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
	}
	return result{stdout: c.norm.text(stdout.String()), stderr: c.norm.text(stderr.String()), code: code}
}

// normalizer replaces uuids by their order of appearance, Masakari times by
// <time>, and the API's address by <api>, consistently across one run.
type normalizer struct {
	uuids map[string]int
	api   string
}

var (
	uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	timeRE = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}`)
)

// keepTimes are times the script chose itself; they stay.
var keepTimes = map[string]bool{"2026-01-02T03:04:05.000000": true}

func (n *normalizer) text(s string) string {
	s = strings.ReplaceAll(s, n.api, "<api>")
	s = uuidRE.ReplaceAllStringFunc(s, func(u string) string {
		id, ok := n.uuids[u]
		if !ok {
			id = len(n.uuids) + 1
			n.uuids[u] = id
		}
		// Same width as a uuid, so tables keep their shape.
		return fmt.Sprintf("<uuid-%03d-------------------------------->", id)[:36]
	})
	return timeRE.ReplaceAllStringFunc(s, func(t string) string {
		if keepTimes[t] {
			return t
		}
		return "<time--------------------->"
	})
}

func requireOpenstackCLI(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("openstack")
	if err != nil {
		t.Fatalf("the openstack CLI is missing (make services installs python3-openstackclient and python3-masakariclient): %v", err)
	}
	if _, err := os.Stat("/usr/lib/python3/dist-packages/masakariclient"); err != nil {
		t.Fatalf("python3-masakariclient is missing (make services installs it): %v", err)
	}
	return p
}

func buildLazarus(t *testing.T) string {
	t.Helper()
	root := repoRoot()
	bin := filepath.Join(t.TempDir(), "lazarus")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/lazarus")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	return bin
}

const payload = `{"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}`

// script is the scripted session; it creates, lists, shows, updates and
// deletes, and walks every error path the API can produce without keystone.
var script = []step{
	s("segment", "list"),
	s("segment", "list", "-f", "json"),
	s("segment", "list", "-f", "value"),
	s("segment", "list", "--print-empty"),
	s("segment", "create", "seg-a", "auto", "COMPUTE", "--description", "first segment"),
	s("segment", "create", "seg-b", "reserved_host", "COMPUTE", "--is_enabled", "False", "-f", "json"),
	s("segment", "create", "seg-c", "rh_priority", "COMPUTE", "-f", "value", "--description",
		"a long description, long enough to be wrapped by --max-width: it goes on for a while, with words to break"),
	s("segment", "create", "seg-a", "auto", "COMPUTE"),
	s("segment", "create", "seg-x", "nope", "COMPUTE"),
	s("segment", "list"),
	s("segment", "list", "-f", "json"),
	s("segment", "list", "-f", "json", "--noindent"),
	s("segment", "list", "-f", "value"),
	s("segment", "list", "-f", "yaml"),
	s("segment", "list", "-f", "csv"),
	s("segment", "list", "-f", "csv", "--quote", "all"),
	s("segment", "list", "--sort", "name:asc", "-f", "value"),
	s("segment", "list", "--sort", "name", "-f", "value"),
	s("segment", "list", "--sort", "name:up"),
	s("segment", "list", "--limit", "1", "-f", "json"),
	s("segment", "list", "--limit", "2", "--sort", "name:asc", "-f", "value"),
	s("segment", "list", "--filters", "recovery_method=auto", "-f", "value"),
	s("segment", "list", "--filters", "recovery_method=auto;service_type=COMPUTE", "-f", "value"),
	s("segment", "list", "--filters", "name=seg-a"),
	s("segment", "list", "--sort", "nosuchkey"),
	s("segment", "list", "-c", "name", "-c", "uuid"),
	s("segment", "list", "-c", "nonexistent"),
	s("segment", "list", "--sort-column", "name", "--sort-descending", "-f", "value"),
	s("segment", "show", "seg-a"),
	s("segment", "show", "seg-a", "-f", "json"),
	s("segment", "show", "seg-a", "-f", "shell", "--prefix", "s_"),
	s("segment", "show", "seg-a", "-f", "value"),
	s("segment", "show", "seg-a", "-f", "yaml"),
	s("segment", "show", "seg-c", "--max-width", "60"),
	// Wrapped uuids would wrap differently from run to run (textwrap splits
	// after hyphens between letters), so the wide list leaves them out.
	s("segment", "list", "--max-width", "70", "--sort-column", "name", "-c", "name", "-c", "description", "-c", "recovery_method"),
	s("segment", "show", "00000000-0000-0000-0000-000000000000"),
	s("segment", "show", "no-such-segment"),
	s("segment", "update", "seg-a", "--description", "updated", "-f", "json"),
	s("segment", "update", "seg-b", "--is_enabled", "True", "--recovery_method", "auto", "-f", "value"),
	s("segment", "update", "seg-c", "--name", "seg-a"),
	s("segment", "update", "00000000-0000-0000-0000-000000000000", "--name", "x"),
	s("--os-ha-api-version", "1.0", "segment", "list"),
	s("--os-ha-api-version", "1.0", "segment", "show", "seg-a", "-f", "json"),
	s("--os-ha-api-version", "1.1", "segment", "create", "seg-d", "auto", "COMPUTE", "--is_enabled", "False", "-f", "json"),
	s("segment", "host", "create", "compute-1", "COMPUTE", "SSH", "seg-a", "-f", "json"),
	s("segment", "host", "create", "compute-2", "COMPUTE", "SSH", "seg-a", "--reserved", "True"),
	s("segment", "host", "create", "compute-3", "COMPUTE", "IPMI", "seg-b", "--on_maintenance", "True", "-f", "value"),
	s("segment", "host", "create", "compute-1", "COMPUTE", "SSH", "seg-b"),
	s("segment", "host", "create", "compute-9", "COMPUTE_HOST", "SSH", "seg-b"),
	s("segment", "host", "list", "seg-a"),
	s("segment", "host", "list", "seg-a", "-f", "json"),
	s("segment", "host", "list", "seg-a", "-f", "csv"),
	s("segment", "host", "list", "seg-a", "--filters", "reserved=True", "-f", "value"),
	s("segment", "host", "list", "seg-a", "--filters", "reserved=maybe"),
	s("segment", "host", "list", "seg-a", "--limit", "1", "-f", "value"),
	s("segment", "host", "list", "00000000-0000-0000-0000-000000000000"),
	s("segment", "host", "show", "seg-a", "compute-1"),
	s("segment", "host", "show", "seg-a", "compute-1", "-f", "json"),
	s("segment", "host", "show", "seg-a", "compute-3"),
	s("segment", "host", "update", "seg-a", "compute-2", "--on_maintenance", "True", "-f", "json"),
	s("segment", "host", "update", "seg-a", "compute-2", "--name", "compute-1"),
	s("notification", "list"),
	step{args: []string{"notification", "create", "COMPUTE_HOST", "compute-1", "2026-01-02T03:04:05", payload, "-f", "value", "-c", "notification_uuid"}, capture: "n1"},
	s("notification", "create", "COMPUTE_HOST", "compute-1", "2026-01-02T03:04:05", payload),
	s("notification", "create", "COMPUTE_HOST", "compute-2", "2026-01-02T03:04:05", payload),
	s("notification", "create", "PROCESS", "ghost", "2026-01-02T03:04:05", `{"process_name": "nova-compute", "event": "STOPPED"}`),
	s("notification", "create", "VM", "compute-1", "2026-01-02T03:04:05", `{"instance_uuid": "6b8a8d0e-6b38-4b4e-9d59-7a0f4f0f9c11", "vir_domain_event": "STOPPED_FAILED", "event": "LIFECYCLE"}`, "-f", "json"),
	s("notification", "list"),
	s("notification", "list", "-f", "json"),
	s("notification", "list", "-f", "value"),
	s("notification", "list", "-f", "yaml"),
	s("notification", "list", "--filters", "type=VM", "-f", "value", "-c", "type"),
	s("notification", "list", "--filters", "generated-since=2026-01-01T00:00:00", "-f", "value", "-c", "status"),
	s("notification", "show", "{n1}"),
	s("notification", "show", "{n1}", "-f", "json"),
	s("notification", "show", "{n1}", "-f", "yaml"),
	s("notification", "show", "{n1}", "-f", "shell"),
	s("--os-ha-api-version", "1.0", "notification", "show", "{n1}", "-f", "json"),
	s("notification", "show", "00000000-0000-0000-0000-000000000000"),
	s("segment", "update", "seg-a", "--description", "busy"),
	s("segment", "host", "update", "seg-a", "compute-1", "--reserved", "True"),
	s("segment", "delete", "seg-a"),
	s("segment", "host", "delete", "seg-b", "compute-3"),
	s("segment", "host", "delete", "seg-b", "compute-3"),
	s("segment", "delete", "seg-b", "seg-c", "no-such-segment"),
	s("segment", "list", "-f", "value"),
}

func TestGoldenAgainstOpenstackCLI(t *testing.T) {
	openstack := requireOpenstackCLI(t)
	lazarus := buildLazarus(t)

	home := t.TempDir()
	epA, hostA := startAPI(t)
	epB, hostB := startAPI(t)
	ref := &cli{name: "openstack", argv: []string{openstack}, endpoint: epA, norm: &normalizer{uuids: map[string]int{}, api: hostA}, vars: map[string]string{}, home: home}
	got := &cli{name: "lazarus", argv: []string{lazarus}, endpoint: epB, norm: &normalizer{uuids: map[string]int{}, api: hostB}, vars: map[string]string{}, home: home}

	for i, st := range script {
		want, have := runBoth(t, ref, got, st)
		line := strings.Join(st.args, " ")
		require.Equal(t, want.code, have.code, "step %d (%s): exit status\nopenstack stderr: %s\nlazarus stderr: %s", i, line, want.stderr, have.stderr)
		require.Equal(t, want.stdout, have.stdout, "step %d (%s): stdout", i, line)
		if want.code == 2 {
			// argparse usage errors: the usage synopsis differs (cobra
			// prints its own), the error line must not.
			require.Equal(t, lastLine(strings.ReplaceAll(want.stderr, "openstack ", "lazarus ")), lastLine(have.stderr),
				"step %d (%s): usage error", i, line)
			continue
		}
		require.Equal(t, want.stderr, have.stderr, "step %d (%s): stderr", i, line)
	}
}

// runBoth runs a step through both CLIs at once (each on its own API).
func runBoth(t *testing.T, ref, got *cli, st step) (result, result) {
	t.Helper()
	var want result
	done := make(chan struct{})
	go func() {
		defer close(done)
		want = ref.run(t, st)
	}()
	have := got.run(t, st)
	<-done
	return want, have
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// TestUnreachableLikeOpenstackCLI: nothing listens on the endpoint.
func TestUnreachableLikeOpenstackCLI(t *testing.T) {
	openstack := requireOpenstackCLI(t)
	lazarus := buildLazarus(t)
	dead := "http://127.0.0.1:9/v1"
	home := t.TempDir()
	ref := &cli{name: "openstack", argv: []string{openstack}, endpoint: dead, norm: &normalizer{uuids: map[string]int{}, api: "127.0.0.1:9"}, vars: map[string]string{}, home: home}
	got := &cli{name: "lazarus", argv: []string{lazarus}, endpoint: dead, norm: &normalizer{uuids: map[string]int{}, api: "127.0.0.1:9"}, vars: map[string]string{}, home: home}
	for _, st := range []step{s("segment", "list"), s("notification", "show", "00000000-0000-0000-0000-000000000000")} {
		want, have := runBoth(t, ref, got, st)
		require.Equal(t, want, have)
	}
}
