package layering

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// readmeGraph reads the import graph README.md prints under "Today's
// graph": each line names packages (comma-separated; "x/*" is every
// package below x) and, after the colon, what they import. "nothing of
// Lazarus" is no import; "whatever they wire" is not checked; a note in
// parentheses is ignored. exact holds named packages, globs the x/* ones.
func readmeGraph(t *testing.T, readme string) (exact, globs map[string][]string, unchecked []string) {
	t.Helper()
	_, after, ok := strings.Cut(readme, "Today's graph")
	require.True(t, ok, "README.md has no \"Today's graph\"")
	_, block, ok := strings.Cut(after, "```\n")
	require.True(t, ok)
	block, _, ok = strings.Cut(block, "```")
	require.True(t, ok)
	exact, globs = map[string][]string{}, map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
		lhs, rhs, ok := strings.Cut(line, ":")
		require.True(t, ok, "README graph line without a colon: %q", line)
		rhs, _, _ = strings.Cut(rhs, "(")
		rhs = strings.TrimSpace(rhs)
		var imps []string
		check := true
		switch rhs {
		case "nothing of Lazarus":
		case "whatever they wire":
			check = false
		default:
			imps = strings.Fields(rhs)
			slices.Sort(imps)
		}
		for _, p := range strings.Split(lhs, ",") {
			p = strings.TrimSpace(p)
			switch {
			case !check:
				unchecked = append(unchecked, strings.TrimSuffix(p, "/*"))
			case strings.HasSuffix(p, "/*"):
				globs[strings.TrimSuffix(p, "/*")] = imps
			default:
				exact[p] = imps
			}
		}
	}
	return exact, globs, unchecked
}

// testHelper reports whether pkg is a helper only tests use (storetest,
// fencingtest, openstack/instanceha/v1/testing), which the README leaves out.
func testHelper(pkg string) bool {
	base := pkg[strings.LastIndexByte(pkg, '/')+1:]
	return strings.HasSuffix(base, "test") || base == "testing" || strings.Contains(pkg, "/internal/")
}

// TestReadmeGraphMatchesGoList checks README.md's import graph against the
// real one: every package a line names imports exactly what the line says,
// and every package that imports Lazarus has a line.
func TestReadmeGraphMatchesGoList(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(moduleRoot(t), "README.md"))
	require.NoError(t, err)
	exact, globs, unchecked := readmeGraph(t, string(data))
	g := load(t, "")
	for p := range exact {
		_, ok := g[p]
		require.True(t, ok, "README's graph names %s, which go list does not know", p)
	}
	var bad []string
	for pkg, imps := range g {
		if underAny(pkg, "test", "devstack") || underAny(pkg, unchecked...) {
			continue
		}
		got := slices.Clone(imps)
		slices.Sort(got)
		want, ok := exact[pkg]
		if !ok {
			best := ""
			for prefix, w := range globs {
				if under(pkg, prefix) && len(prefix) > len(best) {
					best, want, ok = prefix, w, true
				}
			}
		}
		switch {
		case !ok && (len(got) == 0 || testHelper(pkg)):
			// Left out: imports nothing of Lazarus, or only tests use it.
		case !ok:
			bad = append(bad, pkg+": no line, imports "+strings.Join(got, " "))
		case !slices.Equal(got, want):
			bad = append(bad, pkg+": README says "+strings.Join(want, " ")+"; go list says "+strings.Join(got, " "))
		}
	}
	slices.Sort(bad)
	require.Empty(t, bad, "README.md's import graph (Architecture, Layout) does not match go list")
}

// TestReadmeGraphParse checks the reading of the README's graph lines.
func TestReadmeGraphParse(t *testing.T) {
	exact, globs, unchecked := readmeGraph(t, "Today's graph:\n\n```\n"+
		"api:   store fencing/secret    (a note)\n"+
		"fencing/agent, fencing/ipmi: fencing\n"+
		"openstack/*, store: nothing of Lazarus\n"+
		"cmd/*:  whatever they wire\n```\n")
	require.Equal(t, map[string][]string{
		"api": {"fencing/secret", "store"}, "fencing/agent": {"fencing"}, "fencing/ipmi": {"fencing"}, "store": nil,
	}, exact)
	require.Equal(t, map[string][]string{"openstack": nil}, globs)
	require.Equal(t, []string{"cmd"}, unchecked)
}
