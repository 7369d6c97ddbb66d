package cliff

import (
	"strings"
	"unicode"
)

// wrapFill is Python's textwrap.fill(text, width) with its defaults:
// tabs expanded to 8, whitespace characters turned into spaces, long words
// broken, hyphenated words split after the hyphen, surrounding whitespace of
// each line dropped.
func wrapFill(text string, width int) string {
	return strings.Join(wrap(text, width), "\n")
}

func isPyWhitespace(r rune) bool {
	// textwrap's _whitespace is exactly these six ASCII characters.
	return r == ' ' || r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r'
}

// isLetter is [^\d\W]: a word character that is not a digit.
func isLetter(r rune) bool {
	return (unicode.IsLetter(r) || r == '_' || unicode.IsMark(r)) && !unicode.IsDigit(r)
}

func expandTabs(s string) string {
	if !strings.ContainsRune(s, '\t') {
		return s
	}
	var b strings.Builder
	col := 0
	for _, r := range s {
		switch r {
		case '\t':
			n := 8 - col%8
			b.WriteString(strings.Repeat(" ", n))
			col += n
		case '\n', '\r':
			b.WriteRune(r)
			col = 0
		default:
			b.WriteRune(r)
			col++
		}
	}
	return b.String()
}

// chunks splits text the way textwrap's wordsep_re does: runs of
// whitespace, and words, where a word may end after a hyphen that follows
// two letters (or letter-hyphen-letter) and precedes letter, optional
// hyphen, letter.
func chunks(text []rune) [][]rune {
	var out [][]rune
	i := 0
	for i < len(text) {
		start := i
		if isPyWhitespace(text[i]) {
			for i < len(text) && isPyWhitespace(text[i]) {
				i++
			}
			out = append(out, text[start:i])
			continue
		}
		for i < len(text) && !isPyWhitespace(text[i]) {
			r := text[i]
			i++
			if r == '-' && hyphenBreak(text, i-1) {
				break
			}
		}
		out = append(out, text[start:i])
	}
	return out
}

// hyphenBreak reports whether the hyphen at text[h] ends a chunk:
// (?<=lt{2}-) or (?<=lt-lt-), followed by (?=lt -? lt).
func hyphenBreak(text []rune, h int) bool {
	before := (h >= 2 && isLetter(text[h-1]) && isLetter(text[h-2])) ||
		(h >= 3 && isLetter(text[h-1]) && text[h-2] == '-' && isLetter(text[h-3]))
	if !before {
		return false
	}
	j := h + 1
	if j >= len(text) || !isLetter(text[j]) {
		return false
	}
	j++
	if j < len(text) && text[j] == '-' {
		j++
	}
	return j < len(text) && isLetter(text[j])
}

func isBlank(c []rune) bool {
	for _, r := range c {
		if !isPyWhitespace(r) {
			return false
		}
	}
	return true
}

// wrap is textwrap.TextWrapper(width).wrap(text).
func wrap(text string, width int) []string {
	text = expandTabs(text)
	rs := []rune(text)
	for i, r := range rs {
		if isPyWhitespace(r) {
			rs[i] = ' '
		}
	}
	cs := chunks(rs)
	// textwrap reverses the chunk list and pops from the end.
	for i, j := 0, len(cs)-1; i < j; i, j = i+1, j-1 {
		cs[i], cs[j] = cs[j], cs[i]
	}
	var lines []string
	for len(cs) > 0 {
		var cur [][]rune
		curLen := 0
		w := width
		if isBlank(cs[len(cs)-1]) && len(lines) > 0 {
			cs = cs[:len(cs)-1]
		}
		for len(cs) > 0 {
			l := len(cs[len(cs)-1])
			if curLen+l <= w {
				cur = append(cur, cs[len(cs)-1])
				cs = cs[:len(cs)-1]
				curLen += l
			} else {
				break
			}
		}
		if len(cs) > 0 && len(cs[len(cs)-1]) > w {
			// _handle_long_word with break_long_words
			spaceLeft := 1
			if w >= 1 {
				spaceLeft = w - curLen
			}
			last := cs[len(cs)-1]
			end := spaceLeft
			// break_on_hyphens: prefer breaking after the last hyphen that fits.
			if spaceLeft > 0 && len(last) > spaceLeft {
				if hy := lastIndexRune(last[:spaceLeft], '-'); hy > 0 && anyNonHyphen(last[:hy]) {
					end = hy + 1
				}
			}
			if end > len(last) {
				end = len(last)
			}
			if end < 0 {
				end = 0
			}
			cur = append(cur, last[:end])
			cs[len(cs)-1] = last[end:]
			curLen += end
		}
		if len(cur) > 0 && isBlank(cur[len(cur)-1]) {
			curLen -= len(cur[len(cur)-1])
			cur = cur[:len(cur)-1]
		}
		if len(cur) > 0 {
			var b strings.Builder
			for _, c := range cur {
				b.WriteString(string(c))
			}
			lines = append(lines, b.String())
		}
	}
	return lines
}

func lastIndexRune(rs []rune, r rune) int {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i] == r {
			return i
		}
	}
	return -1
}

func anyNonHyphen(rs []rune) bool {
	for _, r := range rs {
		if r != '-' {
			return true
		}
	}
	return false
}
