package cliff

import (
	"encoding/json"
	"strings"
)

// csvOut is cliff's CSVLister: Python's csv.writer with the given quoting
// (default nonnumeric), escapechar "\" and "\n" line endings.
func csvOut(names []string, rows [][]any, quote string) string {
	if quote == "" {
		quote = "nonnumeric"
	}
	var b strings.Builder
	header := make([]any, len(names))
	for i, n := range names {
		header[i] = n
	}
	csvRow(&b, header, quote)
	for _, r := range rows {
		csvRow(&b, r, quote)
	}
	return b.String()
}

func isPyNumber(v any) bool {
	switch v.(type) {
	case bool, json.Number, int, float64:
		return true
	}
	return false
}

func csvRow(b *strings.Builder, row []any, quote string) {
	for i, v := range row {
		if i > 0 {
			b.WriteByte(',')
		}
		var quoted bool
		switch quote {
		case "nonnumeric":
			quoted = !isPyNumber(v)
		case "all":
			quoted = true
		}
		field := ""
		if v != nil {
			field = Str(v)
		}
		var f strings.Builder
		for _, c := range field {
			if c == ',' || c == '\\' || c == '"' || c == '\n' {
				wantEscape := false
				if quote == "none" {
					wantEscape = true
				} else {
					if c == '"' {
						f.WriteRune('"')
					} else if c == '\\' {
						wantEscape = true
					}
					if !wantEscape {
						quoted = true
					}
				}
				if wantEscape {
					f.WriteByte('\\')
				}
			}
			f.WriteRune(c)
		}
		if len(row) == 1 && field == "" && quote != "none" {
			quoted = true
		}
		if quoted {
			b.WriteString(`"` + f.String() + `"`)
		} else {
			b.WriteString(f.String())
		}
	}
	b.WriteString("\n")
}
