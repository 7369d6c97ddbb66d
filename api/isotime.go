package api

import (
	"errors"
	"regexp"
	"strconv"
	"time"
)

// isoTimeRE is the iso8601 1.0 library's pattern (oslo's parse_isotime),
// with Python's "$" (end, or before a final newline). Go's leftmost-first
// matching picks the same groups as Python's backtracking here.
var isoTimeRE = regexp.MustCompile(`^(?P<year>[0-9]{4})(((-(?P<monthdash>[0-9]{1,2}))|(?P<month>[0-9]{2}))(((-(?P<daydash>[0-9]{1,2}))|(?P<day>[0-9]{2}))(((?P<separator>[ T])(?P<hour>[0-9]{2})(:?(?P<minute>[0-9]{2}))?(:?(?P<second>[0-9]{1,2})([.,](?P<second_fraction>[0-9]+))?)?(?P<timezone>Z|((?P<tz_sign>[-+])(?P<tz_hour>[0-9]{2}):?(?P<tz_minute>[0-9]{2})?))?)?)))?\n?\z`)

var errBadISOTime = errors.New("not an ISO 8601 time")

// parseISOTime parses what Masakari's parse_isotime accepts ("2017-04-24
// 08:34:46", "2017-04-24T08:34:46.5+02:00", "2017-04-24", "2017" …); a
// time without a zone is UTC. The result is in UTC.
func parseISOTime(s string) (time.Time, error) {
	m := isoTimeRE.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, errBadISOTime
	}
	g := map[string]string{}
	for i, name := range isoTimeRE.SubexpNames() {
		if name != "" && m[i] != "" {
			g[name] = m[i]
		}
	}
	num := func(keys ...string) int {
		for _, k := range keys {
			if v, ok := g[k]; ok {
				n, _ := strconv.Atoi(v)
				return n
			}
		}
		return -1
	}
	or := func(n, def int) int {
		if n < 0 {
			return def
		}
		return n
	}
	year := num("year")
	month := or(num("month", "monthdash"), 1)
	day := or(num("day", "daydash"), 1)
	hour, minute, second := or(num("hour"), 0), or(num("minute"), 0), or(num("second"), 0)
	if year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, errBadISOTime
	}
	if day > time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return time.Time{}, errBadISOTime
	}
	micro := 0
	if f, ok := g["second_fraction"]; ok {
		// Decimal("0."+f) * 1e6, truncated.
		for i := range 6 {
			micro *= 10
			if i < len(f) {
				micro += int(f[i] - '0')
			}
		}
	}
	loc := time.UTC
	if tz, ok := g["timezone"]; ok && tz != "Z" {
		h, mi := num("tz_hour"), or(num("tz_minute"), 0)
		off := h*3600 + mi*60
		if off >= 24*3600 {
			return time.Time{}, errBadISOTime
		}
		if g["tz_sign"] == "-" {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	return time.Date(year, time.Month(month), day, hour, minute, second, micro*1000, loc).UTC(), nil
}
