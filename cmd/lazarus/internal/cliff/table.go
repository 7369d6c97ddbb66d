package cliff

import (
	"strings"
)

// prettyTable draws a table the way PrettyTable 3.6 does with the options
// cliff sets: frame border, one space of padding, "+", "-" and "|".
type prettyTable struct {
	fields     []string
	align      map[string]byte // 'l', 'r' or 'c' (PrettyTable's default)
	maxWidth   map[string]int
	rows       [][]string
	printEmpty bool
}

func newPrettyTable(fields []string, printEmpty bool) *prettyTable {
	t := &prettyTable{fields: fields, align: map[string]byte{}, maxWidth: map[string]int{}, printEmpty: printEmpty}
	for _, f := range fields {
		t.align[f] = 'c'
	}
	return t
}

// addRow stores the str() of each value after cliff's _format_row, which
// folds carriage returns of strings.
func (t *prettyTable) addRow(values []any) {
	row := make([]string, len(values))
	for i, v := range values {
		if s, ok := v.(string); ok {
			s = strings.ReplaceAll(s, "\r\n", "\n")
			s = strings.ReplaceAll(s, "\r", " ")
			row[i] = s
			continue
		}
		row[i] = Str(v)
	}
	t.rows = append(t.rows, row)
}

func (t *prettyTable) widths() []int {
	w := make([]int, len(t.fields))
	for i, f := range t.fields {
		w[i], _ = size(f)
	}
	for _, row := range t.rows {
		for i, v := range row {
			vw, _ := size(v)
			if mw, ok := t.maxWidth[t.fields[i]]; ok {
				w[i] = max(w[i], min(vw, mw))
			} else {
				w[i] = max(w[i], vw)
			}
		}
	}
	return w
}

func justify(text string, width int, align byte) string {
	excess := width - blockWidth(text)
	if excess < 0 {
		excess = 0
	}
	switch align {
	case 'l':
		return text + strings.Repeat(" ", excess)
	case 'r':
		return strings.Repeat(" ", excess) + text
	}
	if excess%2 == 1 {
		if blockWidth(text)%2 != 0 {
			return strings.Repeat(" ", excess/2) + text + strings.Repeat(" ", excess/2+1)
		}
		return strings.Repeat(" ", excess/2+1) + text + strings.Repeat(" ", excess/2)
	}
	return strings.Repeat(" ", excess/2) + text + strings.Repeat(" ", excess/2)
}

// String is PrettyTable.get_string().
func (t *prettyTable) String() string {
	if len(t.rows) == 0 && !t.printEmpty {
		return ""
	}
	widths := t.widths()
	var hr strings.Builder
	hr.WriteByte('+')
	for _, w := range widths {
		hr.WriteString(strings.Repeat("-", max(w, 0)+2))
		hr.WriteByte('+')
	}
	hrule := hr.String()

	var lines []string
	var head strings.Builder
	head.WriteString(hrule)
	head.WriteString("\n|")
	for i, f := range t.fields {
		name := f
		if blockWidth(name) > widths[i] {
			name = string([]rune(name)[:max(widths[i], 0)])
		}
		head.WriteString(" " + justify(name, widths[i], t.align[f]) + " |")
	}
	head.WriteString("\n" + hrule)
	lines = append(lines, head.String())

	for _, row := range t.rows {
		cells := make([][]string, len(row))
		height := 1
		for i, v := range row {
			var out []string
			for _, line := range strings.Split(v, "\n") {
				if blockWidth(line) > widths[i] {
					line = wrapFill(line, widths[i])
				}
				out = append(out, line)
			}
			cells[i] = strings.Split(strings.Join(out, "\n"), "\n")
			height = max(height, len(cells[i]))
		}
		rowLines := make([]string, height)
		for y := range height {
			var b strings.Builder
			b.WriteByte('|')
			for i, f := range t.fields {
				line := ""
				if y < len(cells[i]) {
					line = cells[i][y]
				}
				b.WriteString(" " + justify(line, widths[i], t.align[f]) + " |")
			}
			rowLines[y] = b.String()
		}
		lines = append(lines, strings.Join(rowLines, "\n"))
	}
	lines = append(lines, hrule)
	return strings.Join(lines, "\n")
}

// assignMaxWidths is cliff's TableFormatter._assign_max_widths: when the
// table is wider than the terminal (or --max-width), shrink the wide
// columns, never below minWidth.
func assignMaxWidths(t *prettyTable, maxWidth, minWidth int, fitWidth bool, termWidth func() int) {
	var width int
	switch {
	case maxWidth > 0:
		width = maxWidth
	case !fitWidth:
		return
	default:
		if termWidth == nil {
			return
		}
		width = termWidth()
		if width <= 0 {
			return
		}
	}
	s := t.String()
	if s == "" {
		return
	}
	first, _, _ := strings.Cut(s, "\n")
	if len([]rune(first)) <= width {
		return
	}
	fieldCount := len(t.fields)
	usable := max(0, width-1-3*fieldCount)
	optimal := 0
	if fieldCount > 0 {
		optimal = max(0, usable/fieldCount)
	}
	parts := strings.Split(first, "+")
	parts = parts[1 : len(parts)-1]
	fieldWidths := map[string]int{}
	for i, p := range parts {
		if i < len(t.fields) {
			fieldWidths[t.fields[i]] = max(0, len(p)-2)
		}
	}
	var shrink []string
	remaining := usable
	for _, f := range t.fields {
		if w := fieldWidths[f]; w <= optimal {
			remaining -= w
		} else {
			shrink = append(shrink, f)
		}
	}
	if len(shrink) == 0 {
		return
	}
	shrinkTo := floorDiv(remaining, len(shrink))
	for _, f := range shrink[:len(shrink)-1] {
		t.maxWidth[f] = max(minWidth, shrinkTo)
		remaining -= shrinkTo
	}
	t.maxWidth[shrink[len(shrink)-1]] = max(minWidth, remaining)
}

// floorDiv is Python's // for ints.
func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
