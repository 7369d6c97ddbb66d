package cliff

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// ListFormats are the -f choices of a list command, sorted as cliff lists
// them; ShowFormats those of a show command.
var (
	ListFormats = []string{"csv", "json", "table", "value", "yaml"}
	ShowFormats = []string{"json", "shell", "table", "value", "yaml"}
)

// Options are cliff's output options as parsed from the command line.
type Options struct {
	// Format is one of ListFormats or ShowFormats; default "table".
	Format string
	// Columns are the -c choices, in the order given (output keeps the
	// command's own column order).
	Columns []string
	// NoIndent disables JSON indenting.
	NoIndent bool
	// MaxWidth is --max-width (or CLIFF_MAX_TERM_WIDTH); <1 disables.
	MaxWidth int
	// FitWidth is --fit-width (or CLIFF_FIT_WIDTH=1).
	FitWidth bool
	// PrintEmpty prints an empty table instead of nothing.
	PrintEmpty bool
	// Quote is the csv quoting mode: all, minimal, nonnumeric (default), none.
	Quote string
	// Prefix is prepended to shell variable names.
	Prefix string
	// SortColumns and SortDirection ("asc", "desc" or "") sort list rows.
	SortColumns   []string
	SortDirection string
	// TermWidth reports the terminal's width, 0 when stdout is not one.
	TermWidth func() int
	// Warn receives cliff's warnings (unsortable column).
	Warn io.Writer
}

func pyStrList(l []string) string {
	parts := make([]string, len(l))
	for i, s := range l {
		parts[i] = reprString(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// selectColumns is cliff's _generate_columns_and_selector.
func selectColumns(columns []string, wanted []string) ([]string, []int, error) {
	if len(wanted) == 0 {
		idx := make([]int, len(columns))
		for i := range columns {
			idx[i] = i
		}
		return columns, idx, nil
	}
	var names []string
	var idx []int
	for i, c := range columns {
		for _, w := range wanted {
			if c == w {
				names = append(names, c)
				idx = append(idx, i)
				break
			}
		}
	}
	if len(names) == 0 {
		//lint:ignore ST1005 the message is cliff's, word for word: scripts match on it
		return nil, nil, fmt.Errorf("No recognized column names in %s. Recognized columns are %s.", pyStrList(wanted), pyStrList(columns))
	}
	return names, idx, nil
}

func pick(row []any, idx []int) []any {
	out := make([]any, len(idx))
	for i, j := range idx {
		if j < len(row) {
			out[i] = row[j]
		}
	}
	return out
}

// EmitList prints rows as cliff's Lister does.
func EmitList(w io.Writer, columns []string, rows [][]any, o Options) error {
	if len(o.SortColumns) > 0 {
		rows = sortRows(columns, rows, o)
	}
	names, idx, err := selectColumns(columns, o.Columns)
	if err != nil {
		return err
	}
	data := make([][]any, len(rows))
	for i, r := range rows {
		data[i] = pick(r, idx)
	}
	switch o.Format {
	case "", "table":
		t := newPrettyTable(names, o.PrintEmpty)
		if len(data) > 0 {
			for i, v := range data[0] {
				t.align[names[i]] = alignFor(v)
			}
			for _, r := range data {
				t.addRow(r)
			}
		}
		assignMaxWidths(t, o.MaxWidth, 8, o.FitWidth, o.TermWidth)
		_, err = io.WriteString(w, t.String()+"\n")
	case "json":
		items := make([]any, len(data))
		for i, r := range data {
			m := NewMap()
			for j, n := range names {
				m.Set(n, r[j])
			}
			items[i] = m
		}
		_, err = io.WriteString(w, JSON(items, !o.NoIndent)+"\n")
	case "yaml":
		items := make([]any, len(data))
		for i, r := range data {
			m := NewMap()
			for j, n := range names {
				m.Set(n, r[j])
			}
			items[i] = m
		}
		_, err = io.WriteString(w, YAML(items))
	case "value":
		var b strings.Builder
		for _, r := range data {
			parts := make([]string, len(r))
			for i, v := range r {
				parts[i] = Str(v)
			}
			b.WriteString(strings.Join(parts, " ") + "\n")
		}
		_, err = io.WriteString(w, b.String())
	case "csv":
		_, err = io.WriteString(w, csvOut(names, data, o.Quote))
	default:
		return fmt.Errorf("unknown list format %q", o.Format)
	}
	return err
}

// alignFor is cliff's TableFormatter.ALIGNMENTS by Python type.
func alignFor(v any) byte {
	switch t := v.(type) {
	case json.Number:
		return 'r'
	case int, float64:
		return 'r'
	case string:
		_ = t
		return 'l'
	}
	return 'l'
}

// EmitOne prints one object as cliff's ShowOne does.
func EmitOne(w io.Writer, columns []string, row []any, o Options) error {
	names, idx, err := selectColumns(columns, o.Columns)
	if err != nil {
		return err
	}
	data := pick(row, idx)
	switch o.Format {
	case "", "table":
		t := newPrettyTable([]string{"Field", "Value"}, false)
		t.align["Field"], t.align["Value"] = 'l', 'l'
		for i, n := range names {
			t.addRow([]any{n, data[i]})
		}
		assignMaxWidths(t, o.MaxWidth, 16, o.FitWidth, o.TermWidth)
		_, err = io.WriteString(w, t.String()+"\n")
	case "json":
		m := NewMap()
		for i, n := range names {
			m.Set(n, data[i])
		}
		_, err = io.WriteString(w, JSON(m, !o.NoIndent)+"\n")
	case "yaml":
		var b strings.Builder
		for i, n := range names {
			m := NewMap()
			m.Set(n, data[i])
			b.WriteString(YAML(m))
		}
		_, err = io.WriteString(w, b.String())
	case "value":
		var b strings.Builder
		for _, v := range data {
			b.WriteString(Str(v) + "\n")
		}
		_, err = io.WriteString(w, b.String())
	case "shell":
		var b strings.Builder
		for i, n := range names {
			name := strings.ReplaceAll(strings.ToLower(n), " ", "_")
			v := data[i]
			var s string
			if str, ok := v.(string); ok {
				s = strings.ReplaceAll(str, `"`, `\"`)
			} else {
				s = Str(v)
			}
			name = strings.ReplaceAll(name, ":", "_")
			name = strings.ReplaceAll(name, "-", "_")
			fmt.Fprintf(&b, "%s%s=\"%s\"\n", o.Prefix, name, s)
		}
		_, err = io.WriteString(w, b.String())
	default:
		return fmt.Errorf("unknown show format %q", o.Format)
	}
	return err
}

// sortRows is cliff's --sort-column: stable sorts from the last column
// named to the first, None last (first when descending); a column whose
// values Python could not compare is left unsorted with a warning.
func sortRows(columns []string, rows [][]any, o Options) [][]any {
	var idx []int
	for _, c := range o.SortColumns {
		for i, col := range columns {
			if col == c {
				idx = append(idx, i)
				break
			}
		}
	}
	out := append([][]any(nil), rows...)
	reverse := o.SortDirection == "desc"
	for k := len(idx) - 1; k >= 0; k-- {
		i := idx[k]
		comparable := true
		for a := range out {
			for b := a + 1; b < len(out); b++ {
				if _, ok := pyCompare(out[a][i], out[b][i]); !ok {
					comparable = false
				}
			}
		}
		if !comparable {
			if o.Warn != nil {
				name := columns[i]
				if k < len(o.SortColumns) {
					name = o.SortColumns[k]
				}
				fmt.Fprintf(o.Warn, "Could not sort on field '%s'; unsortable types\n", name)
			}
			continue
		}
		sort.SliceStable(out, func(a, b int) bool {
			c, _ := pyCompare(out[a][i], out[b][i])
			if reverse {
				return c > 0
			}
			return c < 0
		})
	}
	return out
}

// pyCompare compares (v is None, v) tuples as Python would; ok is false
// when Python raises TypeError.
func pyCompare(a, b any) (int, bool) {
	an, bn := a == nil, b == nil
	switch {
	case an && bn:
		return 0, true
	case an:
		return 1, true
	case bn:
		return -1, true
	}
	if af, ok := pyNumber(a); ok {
		if bf, ok := pyNumber(b); ok {
			switch {
			case af < bf:
				return -1, true
			case af > bf:
				return 1, true
			}
			return 0, true
		}
		return 0, false
	}
	if as, ok := a.(string); ok {
		if bs, ok := b.(string); ok {
			return strings.Compare(as, bs), true
		}
	}
	return 0, false
}

func pyNumber(v any) (float64, bool) {
	switch t := v.(type) {
	case bool:
		if t {
			return 1, true
		}
		return 0, true
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	case int:
		return float64(t), true
	case float64:
		return t, true
	}
	return 0, false
}
