package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A server that ignores the marker would page forever; openstacksdk stops
// with its own message, and so does lazarus.
func TestEndlessPaginationStops(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, 200, "application/json", `{"segments": [{"id": 1, "uuid": "a", "name": "a"}]}`)
	_, errOut, code := runCLI(t, nil, "--os-auth-type", "none", "--os-endpoint", f.endpoint(), "segment", "list", "--limit", "1")
	require.Equal(t, 1, code)
	require.Equal(t, "Endless pagination loop detected, aborting\n", errOut)
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Len(t, f.seen, 2, "the second page repeats the first, and paging stops there")
}

// A list body without its key is openstacksdk's KeyError, printed as the
// key in quotes.
func TestListBodyWithoutItsKey(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, 200, "application/json", `{"hosts": []}`)
	_, errOut, code := runCLI(t, nil, "--os-auth-type", "none", "--os-endpoint", f.endpoint(), "segment", "list")
	require.Equal(t, 1, code)
	require.Equal(t, "'segments'\n", errOut)
}

// Numbers print as Python prints them after the pager's decoding. (Nested
// objects come back with sorted keys, which is the order the API sends:
// it encodes them from Go maps.)
func TestListValuesThroughThePager(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, 200, "application/json", `{"notifications": [{"id": 7, "notification_uuid": "n", "generated_time": "t", "status": "new", "type": "VM", "source_host_uuid": "h", "payload": {"a": 2.50, "z": "1"}}]}`)
	out, errOut, code := runCLI(t, nil, "--os-auth-type", "none", "--os-endpoint", f.endpoint(), "notification", "list", "-f", "value", "-c", "payload")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "{'a': 2.5, 'z': '1'}\n", out)
}
