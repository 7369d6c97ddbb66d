package api

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

const versionHeader = "OpenStack-API-Version"

// Version is an API microversion.
type Version struct{ Major, Minor int }

func (v Version) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// AtLeast reports whether v >= major.minor.
func (v Version) AtLeast(major, minor int) bool {
	return v.Major > major || (v.Major == major && v.Minor >= minor)
}

// Microversions served: 1.0 (Masakari's first), 1.1 (recovery workflow
// details on notification show), 1.2 (segment "enabled"), 1.3 (vmoves).
var (
	MinVersion = Version{1, 0}
	MaxVersion = Version{1, 3}
)

var versionRE = regexp.MustCompile(`^([1-9][0-9]*)\.([1-9][0-9]*|0)\n?\z`)

// versionError is a refused version header: 400 for a malformed string,
// 406 for a version outside MinVersion..MaxVersion.
type versionError struct {
	code int
	msg  string
}

// requestVersion reads "OpenStack-API-Version: instance-ha X.Y" as
// microversion_parse does: comma-separated entries (repeated headers
// folded), the last one for our service wins, service name compared
// case-insensitively; absent means 1.0, "latest" the maximum.
func requestVersion(r *http.Request) (Version, *versionError) {
	hdr := strings.Join(r.Header.Values(versionHeader), ",")
	found := ""
	entries := strings.Split(hdr, ",")
	for i := len(entries) - 1; i >= 0; i-- {
		f := strings.Fields(entries[i])
		if len(f) < 2 || !strings.EqualFold(f[0], "instance-ha") {
			continue
		}
		_, rest, _ := strings.Cut(strings.TrimSpace(entries[i]), f[0])
		found = strings.TrimSpace(rest)
		break
	}
	switch found {
	case "":
		return MinVersion, nil
	case "latest":
		return MaxVersion, nil
	}
	m := versionRE.FindStringSubmatch(found)
	if m == nil {
		return Version{}, &versionError{http.StatusBadRequest, fmt.Sprintf("API Version String %s is of invalid format. Must be of format MajorNum.MinorNum.", found)}
	}
	major, err1 := strconv.Atoi(m[1])
	minor, err2 := strconv.Atoi(m[2])
	if err1 != nil || err2 != nil {
		return Version{}, &versionError{http.StatusBadRequest, fmt.Sprintf("API Version String %s is of invalid format. Must be of format MajorNum.MinorNum.", found)}
	}
	v := Version{major, minor}
	if !v.AtLeast(MinVersion.Major, MinVersion.Minor) || !MaxVersion.AtLeast(v.Major, v.Minor) {
		return Version{}, &versionError{http.StatusNotAcceptable, fmt.Sprintf("Version %s is not supported by the API. Minimum is %s and maximum is %s.", v, MinVersion, MaxVersion)}
	}
	return v, nil
}
