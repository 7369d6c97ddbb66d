package layering

import (
	"fmt"
	"sort"
	"strings"
)

// Graph maps a package (path relative to the module, "api",
// "engine/recovery") to the module packages it imports, tests excluded.
type Graph map[string][]string

// Violation is one import that breaks a rule.
type Violation struct {
	From, To string
	Rule     string
}

func (v Violation) String() string {
	if v.To == "" {
		return fmt.Sprintf("%s: %s", v.From, v.Rule)
	}
	return fmt.Sprintf("%s imports %s: %s", v.From, v.To, v.Rule)
}

// under reports whether pkg is p or below it.
func under(pkg, p string) bool { return pkg == p || strings.HasPrefix(pkg, p+"/") }

func underAny(pkg string, ps ...string) bool {
	for _, p := range ps {
		if under(pkg, p) {
			return true
		}
	}
	return false
}

// layer is a package's rank: cmd 3; api, engine, monitors 2; store,
// fencing, openstack, migrations 1; test and devstack's harness 4 (tests
// may use anything); 0 for a folder DESIGN.md's layout does not have.
func layer(pkg string) int {
	switch {
	case underAny(pkg, "test", "devstack"):
		return 4
	case under(pkg, "cmd"):
		return 3
	case underAny(pkg, "api", "engine", "monitors"):
		return 2
	case underAny(pkg, "store", "fencing", "openstack", "migrations"):
		return 1
	}
	return 0
}

// top is the first path element: the folder of DESIGN.md's layout.
func top(pkg string) string {
	t, _, _ := strings.Cut(pkg, "/")
	return t
}

// contract packages are the ones a sibling may import: the monitors' wire
// schema and their AMQP contract, which the engine reads.
var contract = map[string]bool{"monitors/event": true, "monitors/wire": true}

// drivers are the fencing drivers: linked only by the binaries that fence.
var drivers = []string{"fencing/agent", "fencing/ipmi"}

// Check returns every import in g that breaks a rule, sorted.
func Check(g Graph) []Violation {
	var out []Violation
	add := func(from, to, rule string) { out = append(out, Violation{from, to, rule}) }
	for from, imps := range g {
		lf := layer(from)
		if lf == 0 {
			add(from, "", "package outside DESIGN.md's layout (cmd, api, store, migrations, engine, fencing, monitors, openstack, devstack, test)")
		}
		for _, to := range imps {
			lt := layer(to)
			switch {
			case under(to, "test") && !under(from, "test"):
				add(from, to, "nothing outside test/ imports test/ (simulators are for tests, demo and benchmarks)")
			case under(to, "cmd") && !under(from, "cmd"):
				add(from, to, "nothing imports cmd")
			case lf == 4 || lf == 3:
				// test and cmd wire everything.
			case lt > lf:
				add(from, to, fmt.Sprintf("upward import: %s (layer %d) must not depend on %s (layer %d)", top(from), lf, top(to), lt))
			case underAny(to, drivers...) && !under(from, "fencing"):
				add(from, to, "only cmd links a fencing driver; others use the fencing contract")
			case lt == lf && top(from) != top(to) && !contract[to]:
				// Siblings: api/engine/monitors, or store/fencing/openstack/migrations.
				if from == "store/storetest" && to == "migrations" {
					continue // the test store applies the real migrations
				}
				add(from, to, fmt.Sprintf("sideways import: %s and %s are siblings; they meet in Postgres or through a contract package", top(from), top(to)))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].From != out[j].From {
			return out[i].From < out[j].From
		}
		return out[i].To < out[j].To
	})
	return out
}
