package cliff

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// YAML is PyYAML's yaml.safe_dump(v, default_flow_style=False): block
// style, keys sorted, indent 2, lines folded near 80 columns, non-ASCII
// escaped in double quotes (allow_unicode is off).
func YAML(v any) string {
	e := &yamlEmitter{whitespace: true, indention: true, indent: -1}
	e.node(v, true, false, false, false)
	e.writeIndent()
	return e.out.String()
}

type yamlEmitter struct {
	out        strings.Builder
	column     int
	whitespace bool
	indention  bool
	indent     int // -1 is Python's None
	indents    []int
	flowLevel  int
}

const yamlBestWidth = 80

func (e *yamlEmitter) write(s string) {
	e.out.WriteString(s)
	e.column += len([]rune(s))
}

func (e *yamlEmitter) lineBreak() {
	e.whitespace = true
	e.indention = true
	e.column = 0
	e.out.WriteByte('\n')
}

func (e *yamlEmitter) writeIndent() {
	indent := max(e.indent, 0)
	if !e.indention || e.column > indent || (e.column == indent && !e.whitespace) {
		e.lineBreak()
	}
	if e.column < indent {
		e.whitespace = true
		e.write(strings.Repeat(" ", indent-e.column))
	}
}

func (e *yamlEmitter) indicator(ind string, needWhitespace, whitespace, indention bool) {
	if e.whitespace || !needWhitespace {
		e.write(ind)
	} else {
		e.write(" " + ind)
	}
	e.whitespace = whitespace
	e.indention = e.indention && indention
}

func (e *yamlEmitter) increaseIndent(flow, indentless bool) {
	e.indents = append(e.indents, e.indent)
	switch {
	case e.indent < 0:
		if flow {
			e.indent = 2
		} else {
			e.indent = 0
		}
	case !indentless:
		e.indent += 2
	}
}

func (e *yamlEmitter) popIndent() {
	e.indent = e.indents[len(e.indents)-1]
	e.indents = e.indents[:len(e.indents)-1]
}

func (e *yamlEmitter) node(v any, root, sequence, mapping, simpleKey bool) {
	switch t := v.(type) {
	case []any:
		if len(t) == 0 {
			e.indicator("[", true, true, false)
			e.flowLevel++
			e.increaseIndent(true, false)
			e.popIndent()
			e.flowLevel--
			e.indicator("]", false, false, false)
			return
		}
		e.increaseIndent(false, mapping && !e.indention)
		for _, item := range t {
			e.writeIndent()
			e.indicator("-", true, false, true)
			e.node(item, false, true, false, false)
		}
		e.popIndent()
	case *Map:
		if len(t.Keys) == 0 {
			e.indicator("{", true, true, false)
			e.flowLevel++
			e.increaseIndent(true, false)
			e.popIndent()
			e.flowLevel--
			e.indicator("}", false, false, false)
			return
		}
		keys := append([]string(nil), t.Keys...)
		sort.Strings(keys)
		e.increaseIndent(false, false)
		for _, k := range keys {
			e.writeIndent()
			e.node(k, false, false, true, true)
			e.indicator(":", false, false, false)
			e.node(t.Values[k], false, false, true, false)
		}
		e.popIndent()
	default:
		e.increaseIndent(true, false)
		e.scalar(v, simpleKey)
		e.popIndent()
	}
}

// yamlImplicit lists PyYAML's implicit resolvers: a plain scalar matching
// one of them would not read back as a string.
var yamlImplicit = []*regexp.Regexp{
	regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)\n?$`),
	regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\n?$`),
	regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)\n?$`),
	regexp.MustCompile(`^(?:<<)\n?$`),
	regexp.MustCompile(`^(?:~|null|Null|NULL|)\n?$`),
	regexp.MustCompile(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)\n?$`),
	regexp.MustCompile(`^(?:=)\n?$`),
}

// yamlFirst is the first characters each resolver above is registered for.
var yamlFirst = []string{"yYnNtTfFoO", "-+0123456789.", "-+0123456789", "<", "~nN", "0123456789", "="}

func resolvesToString(s string) bool {
	if s == "" {
		return false
	}
	for i, re := range yamlImplicit {
		if strings.ContainsRune(yamlFirst[i], []rune(s)[0]) && re.MatchString(s) {
			return false
		}
	}
	return true
}

func (e *yamlEmitter) scalar(v any, simpleKey bool) {
	var text string
	switch t := v.(type) {
	case nil:
		text = "null"
	case bool:
		text = "false"
		if t {
			text = "true"
		}
	case json.Number:
		text = yamlNumber(t)
	case int:
		text = fmt.Sprint(t)
	case float64:
		text = yamlFloat(FloatRepr(t))
	case string:
		e.str(t, simpleKey)
		return
	default:
		e.str(fmt.Sprint(t), simpleKey)
		return
	}
	e.plain(text, !simpleKey)
}

func yamlNumber(n json.Number) string {
	s := numberText(n)
	if !IsFloat(n) {
		return s
	}
	return yamlFloat(s)
}

// yamlFloat is PyYAML's represent_float on repr(f).
func yamlFloat(r string) string {
	switch r {
	case "inf":
		return ".inf"
	case "-inf":
		return "-.inf"
	case "nan":
		return ".nan"
	}
	r = strings.ToLower(r)
	if !strings.Contains(r, ".") && strings.Contains(r, "e") {
		r = strings.Replace(r, "e", ".0e", 1)
	}
	return r
}

type scalarAnalysis struct {
	empty, multiline                                                bool
	allowFlowPlain, allowBlockPlain, allowSingleQuoted, allowDouble bool
}

func isYAMLSpaceOrBreak(r rune) bool {
	return r == 0 || r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == 0x85 || r == 0x2028 || r == 0x2029
}

func isYAMLBreak(r rune) bool { return r == '\n' || r == 0x85 || r == 0x2028 || r == 0x2029 }

func analyzeScalar(s string) scalarAnalysis {
	if s == "" {
		return scalarAnalysis{empty: true, allowBlockPlain: true, allowSingleQuoted: true, allowDouble: true}
	}
	rs := []rune(s)
	var blockInd, flowInd, lineBreaks, special, leadingSpace, leadingBreak, trailingSpace, trailingBreak, breakSpace, spaceBreak bool
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		blockInd, flowInd = true, true
	}
	preceded := true
	followed := len(rs) == 1 || isYAMLSpaceOrBreak(rs[1])
	prevSpace, prevBreak := false, false
	for i, ch := range rs {
		if i == 0 {
			if strings.ContainsRune("#,[]{}&*!|>'\"%@`", ch) {
				flowInd, blockInd = true, true
			}
			if ch == '?' || ch == ':' {
				flowInd = true
				if followed {
					blockInd = true
				}
			}
			if ch == '-' && followed {
				flowInd, blockInd = true, true
			}
		} else {
			if strings.ContainsRune(",?[]{}", ch) {
				flowInd = true
			}
			if ch == ':' {
				flowInd = true
				if followed {
					blockInd = true
				}
			}
			if ch == '#' && preceded {
				flowInd, blockInd = true, true
			}
		}
		if isYAMLBreak(ch) {
			lineBreaks = true
		}
		if !(ch == '\n' || (ch >= 0x20 && ch <= 0x7e)) {
			// allow_unicode is off: any other character is special.
			special = true
		}
		switch {
		case ch == ' ':
			if i == 0 {
				leadingSpace = true
			}
			if i == len(rs)-1 {
				trailingSpace = true
			}
			if prevBreak {
				breakSpace = true
			}
			prevSpace, prevBreak = true, false
		case isYAMLBreak(ch):
			if i == 0 {
				leadingBreak = true
			}
			if i == len(rs)-1 {
				trailingBreak = true
			}
			if prevSpace {
				spaceBreak = true
			}
			prevSpace, prevBreak = false, true
		default:
			prevSpace, prevBreak = false, false
		}
		preceded = isYAMLSpaceOrBreak(ch)
		followed = i+2 >= len(rs) || isYAMLSpaceOrBreak(rs[i+2])
	}
	a := scalarAnalysis{multiline: lineBreaks, allowFlowPlain: true, allowBlockPlain: true, allowSingleQuoted: true, allowDouble: true}
	if leadingSpace || leadingBreak || trailingSpace || trailingBreak {
		a.allowFlowPlain, a.allowBlockPlain = false, false
	}
	if breakSpace {
		a.allowFlowPlain, a.allowBlockPlain, a.allowSingleQuoted = false, false, false
	}
	if spaceBreak || special {
		a.allowFlowPlain, a.allowBlockPlain, a.allowSingleQuoted = false, false, false
	}
	if lineBreaks {
		a.allowFlowPlain, a.allowBlockPlain = false, false
	}
	if flowInd {
		a.allowFlowPlain = false
	}
	if blockInd {
		a.allowBlockPlain = false
	}
	return a
}

func (e *yamlEmitter) str(s string, simpleKey bool) {
	a := analyzeScalar(s)
	split := !simpleKey
	if resolvesToString(s) {
		if !(simpleKey && (a.empty || a.multiline)) &&
			((e.flowLevel > 0 && a.allowFlowPlain) || (e.flowLevel == 0 && a.allowBlockPlain)) {
			e.plain(s, split)
			return
		}
	}
	if a.allowSingleQuoted && !(simpleKey && a.multiline) {
		e.singleQuoted(s, split)
		return
	}
	e.doubleQuoted(s, split)
}

func (e *yamlEmitter) plain(text string, split bool) {
	if text == "" {
		return
	}
	if !e.whitespace {
		e.write(" ")
	}
	e.whitespace = false
	e.indention = false
	rs := []rune(text)
	spaces, breaks := false, false
	start := 0
	for end := 0; end <= len(rs); end++ {
		var ch rune = -1
		if end < len(rs) {
			ch = rs[end]
		}
		switch {
		case spaces:
			if ch != ' ' {
				if start+1 == end && e.column > yamlBestWidth && split {
					e.writeIndent()
					e.whitespace = false
					e.indention = false
				} else {
					e.write(string(rs[start:end]))
				}
				start = end
			}
		case breaks:
			if ch == -1 || !isYAMLBreak(ch) {
				if rs[start] == '\n' {
					e.lineBreak()
				}
				for _, br := range rs[start:end] {
					if br == '\n' {
						e.lineBreak()
					} else {
						e.lineBreak()
					}
				}
				e.writeIndent()
				e.whitespace = false
				e.indention = false
				start = end
			}
		default:
			if ch == -1 || ch == ' ' || isYAMLBreak(ch) {
				e.write(string(rs[start:end]))
				start = end
			}
		}
		if ch != -1 {
			spaces = ch == ' '
			breaks = isYAMLBreak(ch)
		}
	}
}

func (e *yamlEmitter) singleQuoted(text string, split bool) {
	e.indicator("'", true, false, false)
	rs := []rune(text)
	spaces, breaks := false, false
	start := 0
	for end := 0; end <= len(rs); end++ {
		var ch rune = -1
		if end < len(rs) {
			ch = rs[end]
		}
		switch {
		case spaces:
			if ch == -1 || ch != ' ' {
				if start+1 == end && e.column > yamlBestWidth && split && start != 0 && end != len(rs) {
					e.writeIndent()
				} else {
					e.write(string(rs[start:end]))
				}
				start = end
			}
		case breaks:
			if ch == -1 || !isYAMLBreak(ch) {
				if rs[start] == '\n' {
					e.lineBreak()
				}
				for range rs[start:end] {
					e.lineBreak()
				}
				e.writeIndent()
				start = end
			}
		default:
			if ch == -1 || ch == ' ' || isYAMLBreak(ch) || ch == '\'' {
				if start < end {
					e.write(string(rs[start:end]))
					start = end
				}
			}
		}
		if ch == '\'' {
			e.write("''")
			start = end + 1
		}
		if ch != -1 {
			spaces = ch == ' '
			breaks = isYAMLBreak(ch)
		}
	}
	e.indicator("'", false, false, false)
}

var yamlEscapes = map[rune]string{
	0: "0", 0x07: "a", 0x08: "b", 0x09: "t", 0x0a: "n", 0x0b: "v", 0x0c: "f", 0x0d: "r", 0x1b: "e",
	'"': "\"", '\\': "\\", 0x85: "N", 0xa0: "_", 0x2028: "L", 0x2029: "P",
}

func (e *yamlEmitter) doubleQuoted(text string, split bool) {
	e.indicator("\"", true, false, false)
	rs := []rune(text)
	start := 0
	for end := 0; end <= len(rs); end++ {
		var ch rune = -1
		if end < len(rs) {
			ch = rs[end]
		}
		if ch == -1 || ch == '"' || ch == '\\' || ch == 0x85 || ch == 0x2028 || ch == 0x2029 || ch == 0xfeff ||
			!(ch >= 0x20 && ch <= 0x7e) {
			if start < end {
				e.write(string(rs[start:end]))
				start = end
			}
			if ch != -1 {
				var data string
				if esc, ok := yamlEscapes[ch]; ok {
					data = "\\" + esc
				} else if ch <= 0xff {
					data = fmt.Sprintf("\\x%02X", ch)
				} else if ch <= 0xffff {
					data = fmt.Sprintf("\\u%04X", ch)
				} else {
					data = fmt.Sprintf("\\U%08X", ch)
				}
				e.write(data)
				start = end + 1
			}
		}
		if end > 0 && end < len(rs)-1 && (ch == ' ' || start >= end) && e.column+(end-start) > yamlBestWidth && split {
			// Python's text[start:end] is empty when start > end.
			data := "\\"
			if start < end {
				data = string(rs[start:end]) + "\\"
				start = end
			}
			e.write(data)
			e.writeIndent()
			e.whitespace = false
			e.indention = false
			if rs[start] == ' ' {
				e.write("\\")
			}
		}
	}
	e.indicator("\"", false, false, false)
}
