package main

import "github.com/lazarus-ha/lazarus/cmd/lazarus/internal/cliff"

// body is a request body as openstacksdk sends it: {"<key>": {…}} holding
// only the attributes given, in the order given. It is the CreateOptsBuilder
// and UpdateOptsBuilder of every resource of openstack/instanceha/v1: the
// typed CreateOpts go through a Go map, whose keys marshal sorted, and the
// CLI sends the attributes as Python's json module sends a dict.
type body struct {
	key string
	m   *cliff.Map
}

func (b body) toMap() (map[string]any, error) { return map[string]any{b.key: orderedJSON{b.m}}, nil }

// ToSegmentCreateMap implements segments.CreateOptsBuilder.
func (b body) ToSegmentCreateMap() (map[string]any, error) { return b.toMap() }

// ToSegmentUpdateMap implements segments.UpdateOptsBuilder.
func (b body) ToSegmentUpdateMap() (map[string]any, error) { return b.toMap() }

// ToHostCreateMap implements hosts.CreateOptsBuilder.
func (b body) ToHostCreateMap() (map[string]any, error) { return b.toMap() }

// ToHostUpdateMap implements hosts.UpdateOptsBuilder.
func (b body) ToHostUpdateMap() (map[string]any, error) { return b.toMap() }

// ToNotificationCreateMap implements notifications.CreateOptsBuilder.
func (b body) ToNotificationCreateMap() (map[string]any, error) { return b.toMap() }

// ToFenceDeviceCreateMap implements fencedevices.CreateOptsBuilder.
func (b body) ToFenceDeviceCreateMap() (map[string]any, error) { return b.toMap() }

// ToFenceDeviceUpdateMap implements fencedevices.UpdateOptsBuilder.
func (b body) ToFenceDeviceUpdateMap() (map[string]any, error) { return b.toMap() }

// ToFenceConfirmMap implements fencedevices.ConfirmOptsBuilder.
func (b body) ToFenceConfirmMap() (map[string]any, error) { return b.toMap() }

// orderedJSON marshals a Map with its keys in order.
type orderedJSON struct{ m *cliff.Map }

// MarshalJSON implements json.Marshaler.
func (o orderedJSON) MarshalJSON() ([]byte, error) {
	return []byte(cliff.JSON(o.m, false)), nil
}
