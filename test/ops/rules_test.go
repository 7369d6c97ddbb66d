package ops_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func promtool(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("bash", filepath.Join(repoRoot(t), "test", "promtool.sh")).Output()
	require.NoError(t, err, "test/promtool.sh (Debian's promtool) failed")
	return strings.TrimSpace(string(out))
}

func TestPromtoolCheckRules(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(repoRoot(t), "etc", "prometheus")
	out, err := run(t, dir, promtool(t), "check", "rules", "lazarus-rules.yaml")
	t.Logf("promtool check rules:\n%s", out)
	require.NoError(t, err)
	require.Contains(t, out, "SUCCESS")
}

// The rules' expressions and annotations, evaluated by promtool against the
// series in lazarus-rules.test.yaml: each alert fires when it should and
// stays quiet when it should not.
func TestPromtoolTestRules(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(repoRoot(t), "etc", "prometheus")
	out, err := run(t, dir, promtool(t), "test", "rules", "lazarus-rules.test.yaml")
	t.Logf("promtool test rules:\n%s", out)
	require.NoError(t, err)
	require.Contains(t, out, "SUCCESS")
}

// registeredMetrics returns every metric name the daemons' code registers:
// the Name of each prometheus.*Opts literal and the name given to
// prometheus.NewDesc, read from the Go sources outside tests and test/.
func registeredMetrics(t *testing.T) map[string]bool {
	t.Helper()
	root := repoRoot(t)
	names := map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if rel == "test" || strings.HasPrefix(d.Name(), ".") && rel != "." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				sel, ok := n.Type.(*ast.SelectorExpr)
				if !ok || !strings.HasSuffix(sel.Sel.Name, "Opts") {
					return true
				}
				for _, el := range n.Elts {
					kv, ok := el.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Name" {
						if s := stringLit(kv.Value); strings.HasPrefix(s, "lazarus_") {
							names[s] = true
						}
					}
				}
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "NewDesc" && len(n.Args) > 0 {
					if s := stringLit(n.Args[0]); strings.HasPrefix(s, "lazarus_") {
						names[s] = true
					}
				}
			}
			return true
		})
		return nil
	})
	require.NoError(t, err)
	return names
}

func stringLit(e ast.Expr) string {
	if bl, ok := e.(*ast.BasicLit); ok && bl.Kind == token.STRING {
		s, err := strconv.Unquote(bl.Value)
		if err == nil {
			return s
		}
	}
	return ""
}

var metricName = regexp.MustCompile(`\blazarus_[a-z0-9_]+\b`)

// unknownMetrics returns the lazarus_* names in expr that no daemon
// registers (a histogram's _bucket, _sum and _count count as registered).
func unknownMetrics(expr string, registered map[string]bool) []string {
	var out []string
	for _, n := range metricName.FindAllString(expr, -1) {
		base := n
		for _, suf := range []string{"_bucket", "_sum", "_count"} {
			if b, ok := strings.CutSuffix(n, suf); ok && registered[b] {
				base = b
			}
		}
		if !registered[base] && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func TestRulesAndDashboardUseRealMetrics(t *testing.T) {
	t.Parallel()
	registered := registeredMetrics(t)
	for _, must := range []string{"lazarus_fence_ready", "lazarus_recoveries", "lazarus_engine_leader",
		"lazarus_monitor_heartbeat_age_seconds", "lazarus_monitor_spool_events", "lazarus_engine_recovery_step_duration_seconds"} {
		require.True(t, registered[must], "the source scan finds %s", must)
	}
	// The check itself rejects a name nobody registers.
	require.Equal(t, []string{"lazarus_engine_leaders"}, unknownMetrics(`sum(lazarus_engine_leaders) + lazarus_engine_leader`, registered))

	root := repoRoot(t)
	rules, err := os.ReadFile(filepath.Join(root, "etc", "prometheus", "lazarus-rules.yaml"))
	require.NoError(t, err)
	exprs := 0
	for _, line := range strings.Split(string(rules), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		exprs += len(metricName.FindAllString(line, -1))
		require.Empty(t, unknownMetrics(line, registered), "etc/prometheus/lazarus-rules.yaml: %s", line)
	}
	require.Greater(t, exprs, 8)

	b, err := os.ReadFile(filepath.Join(root, "etc", "grafana", "lazarus.json"))
	require.NoError(t, err)
	var dash struct {
		Title  string `json:"title"`
		UID    string `json:"uid"`
		Panels []struct {
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(b, &dash), "etc/grafana/lazarus.json is JSON")
	require.Equal(t, "lazarus", dash.UID)
	queries := 0
	for _, p := range dash.Panels {
		if p.Type == "row" {
			continue
		}
		require.NotEmpty(t, p.Targets, "panel %q has a query", p.Title)
		for _, tg := range p.Targets {
			queries++
			require.NotEmpty(t, metricName.FindAllString(tg.Expr, -1), "panel %q queries a Lazarus metric", p.Title)
			require.Empty(t, unknownMetrics(tg.Expr, registered), "panel %q: %s", p.Title, tg.Expr)
		}
	}
	t.Logf("%d metrics registered; %d dashboard queries and the rules use only those", len(registered), queries)
}
