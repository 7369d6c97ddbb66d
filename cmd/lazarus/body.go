package main

import "github.com/lazarus-ha/lazarus/cmd/lazarus/internal/cliff"

// orderedJSON marshals a Map with its keys in order, as Python's json
// module sends a dict.
type orderedJSON struct{ m *cliff.Map }

// MarshalJSON implements json.Marshaler.
func (o orderedJSON) MarshalJSON() ([]byte, error) {
	return []byte(cliff.JSON(o.m, false)), nil
}
