package cliff

import (
	"regexp"
	"strings"

	"github.com/mattn/go-runewidth"
)

// cond measures like Python's wcwidth: East Asian ambiguous characters are
// narrow whatever the locale says.
var cond = &runewidth.Condition{EastAsianWidth: false}

// ansiRE is PrettyTable's pattern for terminal escapes, which take no room.
var ansiRE = regexp.MustCompile(`\x1b\[[0-9;]*m|\x1b\(B`)

// blockWidth is PrettyTable's _str_block_width: wcwidth.wcswidth of the text
// without escapes, which is -1 as soon as one character is a control.
func blockWidth(s string) int {
	s = ansiRE.ReplaceAllString(s, "")
	w := 0
	for _, r := range s {
		if r == 0 {
			continue
		}
		if r < 0x20 || (r >= 0x7f && r < 0xa0) {
			return -1
		}
		w += cond.RuneWidth(r)
	}
	return w
}

// size is PrettyTable's _get_size: the widest line and the number of lines.
func size(s string) (int, int) {
	lines := strings.Split(s, "\n")
	w := blockWidth(lines[0])
	for _, l := range lines[1:] {
		if bw := blockWidth(l); bw > w {
			w = bw
		}
	}
	return w, len(lines)
}
