package layering

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// knownDebt are imports that break a rule today and are being removed.
// The test fails when one of them is gone, so the list only shrinks. (Issue
// #15 emptied it: the API validates fence devices through fencing/fenceopt
// instead of the drivers.)
var knownDebt = map[string]bool{}

// moduleRoot is the folder with go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	require.NoError(t, err)
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// load runs go list over the module (with an overlay file, if given) and
// returns its import graph, tests excluded.
func load(t *testing.T, overlay string) Graph {
	t.Helper()
	root := moduleRoot(t)
	args := []string{"list", "-e", "-f", "{{.ImportPath}} {{join .Imports \" \"}}"}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	args = append(args, "./...")
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	out, err := cmd.Output()
	require.NoError(t, err, "go list")
	modOut, err := exec.Command("go", "list", "-m").Output()
	require.NoError(t, err)
	mod := strings.TrimSpace(string(modOut)) + "/"
	g := Graph{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], mod) {
			continue
		}
		from := strings.TrimPrefix(f[0], mod)
		g[from] = nil
		for _, imp := range f[1:] {
			if strings.HasPrefix(imp, mod) {
				g[from] = append(g[from], strings.TrimPrefix(imp, mod))
			}
		}
	}
	require.Greater(t, len(g), 20, "go list found too few packages: wrong folder?")
	return g
}

func TestImportGraphFollowsTheLayout(t *testing.T) {
	got := Check(load(t, ""))
	seen := map[string]bool{}
	var bad []string
	for _, v := range got {
		key := v.From + " imports " + v.To
		if knownDebt[key] {
			seen[key] = true
			continue
		}
		bad = append(bad, v.String())
	}
	require.Empty(t, bad, "imports that break DESIGN.md §2 (see test/layering/rules.go)")
	for k := range knownDebt {
		require.True(t, seen[k], "%q no longer happens: remove it from knownDebt", k)
	}
}

// TestCheckCatchesAnAddedImport adds, through a go list overlay (the tree is
// not touched), a file to store that imports api, and one to engine/brake
// that imports monitors/publish: the check must report both.
func TestCheckCatchesAnAddedImport(t *testing.T) {
	root := moduleRoot(t)
	dir := t.TempDir()
	modOut, err := exec.Command("go", "list", "-m").Output()
	require.NoError(t, err)
	mod := strings.TrimSpace(string(modOut))
	probes := map[string]string{
		filepath.Join(root, "store", "zz_layering_probe.go"):           "package store\n\nimport _ \"" + mod + "/api\"\n",
		filepath.Join(root, "engine", "brake", "zz_layering_probe.go"): "package brake\n\nimport _ \"" + mod + "/monitors/publish\"\n",
	}
	replace := map[string]string{}
	i := 0
	for path, src := range probes {
		f := filepath.Join(dir, "probe"+string(rune('a'+i))+".go")
		require.NoError(t, os.WriteFile(f, []byte(src), 0o644))
		replace[path] = f
		i++
	}
	b, err := json.Marshal(map[string]any{"Replace": replace})
	require.NoError(t, err)
	overlay := filepath.Join(dir, "overlay.json")
	require.NoError(t, os.WriteFile(overlay, b, 0o644))

	var got []string
	for _, v := range Check(load(t, overlay)) {
		got = append(got, v.String())
	}
	require.Contains(t, got, "store imports api: upward import: store (layer 1) must not depend on api (layer 2)")
	require.Contains(t, got, "engine/brake imports monitors/publish: sideways import: engine and monitors are siblings; they meet in Postgres or through a contract package")
}

func TestRules(t *testing.T) {
	cases := []struct {
		from, to string
		rule     string // "" = allowed
	}{
		{"cmd/lazarus-engine", "engine/recovery", ""},
		{"cmd/lazarus-engine", "fencing/ipmi", ""},
		{"cmd/internal/fencewire", "fencing/agent", ""},
		{"engine/recovery", "store", ""},
		{"engine/recovery", "monitors/event", ""},
		{"engine/intake", "monitors/wire", ""},
		{"engine/recovery", "fencing", ""},
		{"api", "store", ""},
		{"api", "fencing/secret", ""},
		{"monitors/host", "monitors/publish", ""},
		{"openstack/instanceha/v1/hosts", "openstack/instanceha/v1/segments", ""},
		{"store/storetest", "migrations", ""},
		{"test/demo", "test/novasim", ""},
		{"test/e2e", "engine/recovery", ""},

		{"api", "engine/recovery", "sideways import"},
		{"engine/recovery", "api", "sideways import"},
		{"engine/heartbeat", "monitors/publish", "sideways import"},
		{"monitors/host", "engine/intake", "sideways import"},
		{"store", "api", "upward import"},
		{"fencing/ipmi", "engine/recovery", "upward import"},
		{"openstack/nova", "cmd/internal/config", "nothing imports cmd"},
		{"store", "fencing", "sideways import"},
		{"openstack/nova", "store", "sideways import"},
		{"engine/recovery", "fencing/ipmi", "only cmd links a fencing driver"},
		{"api", "fencing/agent", "only cmd links a fencing driver"},
		{"cmd/lazarus-engine", "test/novasim", "nothing outside test/"},
		{"engine/recovery", "test/novasim", "nothing outside test/"},
		{"tools/x", "store", "outside DESIGN.md's layout"},
	}
	for _, tc := range cases {
		t.Run(tc.from+"->"+tc.to, func(t *testing.T) {
			vs := Check(Graph{tc.from: {tc.to}})
			if tc.rule == "" {
				require.Empty(t, vs)
				return
			}
			require.NotEmpty(t, vs)
			require.Contains(t, vs[len(vs)-1].String()+vs[0].String(), tc.rule)
		})
	}
}

// TestAPILinksNoFencingDriver checks the binary, not only the direct
// imports: nothing lazarus-api links, through any path, is a fencing
// driver or go-ipmi (the API validates fence devices with fencing/fenceopt).
func TestAPILinksNoFencingDriver(t *testing.T) {
	root := moduleRoot(t)
	cmd := exec.Command("go", "list", "-deps", "./cmd/lazarus-api")
	cmd.Dir = root
	out, err := cmd.Output()
	require.NoError(t, err, "go list -deps")
	modOut, err := exec.Command("go", "list", "-m").Output()
	require.NoError(t, err)
	mod := strings.TrimSpace(string(modOut)) + "/"
	deps := strings.Fields(string(out))
	require.Contains(t, deps, mod+"fencing/fenceopt", "lazarus-api validates fence devices through fencing/fenceopt")
	for _, d := range deps {
		require.False(t, strings.HasPrefix(d, "github.com/bougou/go-ipmi"), "lazarus-api links %s", d)
		for _, drv := range drivers {
			require.False(t, under(strings.TrimPrefix(d, mod), drv) && strings.HasPrefix(d, mod), "lazarus-api links %s", d)
		}
	}
}
