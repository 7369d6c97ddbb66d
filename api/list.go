package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/lazarus-ha/lazarus/store"
)

// listParams reads limit, marker, sort_key and sort_dir the way
// Masakari's common.get_limit_and_marker and get_sort_params do.
func (a *API) listParams(q url.Values) (store.ListParams, error) {
	p := store.ListParams{Limit: a.MaxLimit}
	for _, name := range []string{"limit", "page_size"} {
		vals, ok := q[name]
		if !ok {
			continue
		}
		n, err := pyInt(vals[len(vals)-1])
		if err != nil {
			return p, Faultf(http.StatusBadRequest, "Invalid input received: %s must be an integer", name)
		}
		if n < 0 {
			return p, Faultf(http.StatusBadRequest, "Invalid input received: %s must be >= 0", name)
		}
		if name == "limit" {
			p.Limit = min(int(min(n, int64(a.MaxLimit))), a.MaxLimit)
		}
	}
	if vals, ok := q["marker"]; ok {
		m := vals[len(vals)-1]
		n, err := strconv.ParseInt(strings.TrimSpace(m), 10, 64)
		if err != nil {
			// Masakari compares the marker with the integer id column;
			// no row has a non-integer id.
			return p, Faultf(http.StatusBadRequest, "Marker %s could not be found.", m)
		}
		p.Marker = &n
	}
	for _, k := range q["sort_key"] {
		p.SortKeys = append(p.SortKeys, strings.TrimSpace(k))
	}
	for _, d := range q["sort_dir"] {
		p.SortDirs = append(p.SortDirs, strings.TrimSpace(d))
	}
	if len(p.SortKeys) == 0 {
		p.SortKeys = []string{"created_at"}
	}
	if len(p.SortDirs) == 0 {
		p.SortDirs = []string{"desc"}
	}
	return p, nil
}

// pyInt parses as Python's int(str): surrounding whitespace, an optional
// sign, digits with single underscores between them.
func pyInt(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "__") || strings.HasSuffix(s, "_") || strings.HasPrefix(strings.TrimLeft(s, "+-"), "_") {
		return 0, strconv.ErrSyntax
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
	if err != nil {
		var ne *strconv.NumError
		if ok := asNumErr(err, &ne); ok && ne.Err == strconv.ErrRange {
			if strings.HasPrefix(s, "-") {
				return -1, nil
			}
			return 1 << 62, nil
		}
		return 0, err
	}
	return n, nil
}

func asNumErr(err error, target **strconv.NumError) bool {
	ne, ok := err.(*strconv.NumError)
	if ok {
		*target = ne
	}
	return ok
}

// lastParam returns the last value of a query parameter (webob's
// MultiDict[...] semantics) and whether it was given.
func lastParam(q url.Values, name string) (*string, bool) {
	vals, ok := q[name]
	if !ok || len(vals) == 0 {
		return nil, false
	}
	v := vals[len(vals)-1]
	return &v, true
}

// strictBool is oslo's bool_from_string(strict=True).
func strictBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "t", "true", "on", "y", "yes":
		return true, true
	case "0", "f", "false", "off", "n", "no":
		return false, true
	}
	return false, false
}

const boolAcceptable = "'0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'"
