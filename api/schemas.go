package api

// Masakari's request schemas (masakari/api/openstack/ha/schemas/*.py and
// masakari/api/validation/parameter_types.py), keyword for keyword and in
// the same order, so the first error reported is the one Masakari reports.

func nameSchema() schema {
	return schema{kType("string"), kMinLength(1), kMaxLength(255), kFormat("name")}
}

func descriptionSchema() schema {
	return schema{kType("string", "null"), kMinLength(0), kPattern(descriptionPattern)}
}

var typePattern = pyAnchored(`^[a-zA-Z0-9]*$`, `[a-zA-Z0-9]*`)

func typeSchema() schema {
	return schema{kType("string", "null"), kMinLength(0), kMaxLength(255), kPattern(typePattern)}
}

const booleanEnumRepr = `[True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']`

var booleanValues = []any{true, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes",
	false, "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no"}

func booleanSchema() schema {
	return schema{kType("boolean", "string"), kEnum(booleanEnumRepr, booleanValues...)}
}

var hostnamePattern = pyAnchored(`^[a-zA-Z0-9-._]*$`, `[a-zA-Z0-9\-._]*`)

func hostnameSchema() schema {
	return schema{kType("string"), kMinLength(1), kMaxLength(255), kPattern(hostnamePattern)}
}

var payloadKeyPattern = pyAnchored(`^[a-zA-Z0-9-_:. ]{1,255}$`, `[a-zA-Z0-9\-_:. ]{1,255}`)

func payloadSchema() schema {
	o := &objectSchema{patterns: []patternProperty{{
		pattern: payloadKeyPattern,
		schema:  schema{kType("string"), kMaxLength(255)},
	}}}
	return schema{kType("object"), o.kPatternProperties(), o.kAdditionalPropertiesFalse()}
}

// envelope wraps an inner object schema as {"<name>": {...}}, required,
// with no other top-level key.
func envelope(name string, inner schema) schema {
	o := &objectSchema{properties: []property{{name, inner}}}
	return schema{kType("object"), o.kProperties(), kRequired(name), o.kAdditionalPropertiesFalse()}
}

// objectWith builds {type: object, properties, additionalProperties:
// false} followed by extra keywords (required or anyOf), in that order.
func objectWith(props []property, extra ...keyword) schema {
	o := &objectSchema{properties: props}
	s := schema{kType("object"), o.kProperties(), o.kAdditionalPropertiesFalse()}
	return append(s, extra...)
}

// objectRequired builds {type: object, properties, required,
// additionalProperties: false}: the key order of the notification and
// payload schemas.
func objectRequired(props []property, required ...string) schema {
	o := &objectSchema{properties: props}
	return schema{kType("object"), o.kProperties(), kRequired(required...), o.kAdditionalPropertiesFalse()}
}

const recoveryMethodsRepr = `['auto', 'reserved_host', 'auto_priority', 'rh_priority']`

func segmentProps(withEnabled bool) []property {
	p := []property{
		{"name", nameSchema()},
		{"description", descriptionSchema()},
		{"recovery_method", schema{kType("string"), kEnum(recoveryMethodsRepr, "auto", "reserved_host", "auto_priority", "rh_priority")}},
		{"service_type", nameSchema()},
	}
	if withEnabled {
		p = append(p, property{"enabled", booleanSchema()})
	}
	return p
}

// Segment schemas: create/update before and from microversion 1.2, which
// adds "enabled".
var (
	segmentCreate    = envelope("segment", objectWith(segmentProps(false), kRequired("name", "recovery_method", "service_type")))
	segmentCreateV12 = envelope("segment", objectWith(segmentProps(true), kRequired("name", "recovery_method", "service_type")))
	segmentUpdate    = envelope("segment", objectWith(segmentProps(false), kAnyOfRequired("name", "description", "recovery_method", "service_type")))
	segmentUpdateV12 = envelope("segment", objectWith(segmentProps(true), kAnyOfRequired("name", "description", "recovery_method", "service_type", "enabled")))
)

func hostProps() []property {
	return []property{
		{"name", nameSchema()},
		{"type", typeSchema()},
		{"control_attributes", descriptionSchema()},
		{"reserved", booleanSchema()},
		{"on_maintenance", booleanSchema()},
	}
}

// Host schemas.
var (
	hostCreate = envelope("host", objectWith(hostProps(), kRequired("name", "type", "control_attributes")))
	hostUpdate = envelope("host", objectWith(hostProps(), kAnyOfRequired("name", "type", "control_attributes", "reserved", "on_maintenance")))
)

// Notification schemas: the envelope, then one payload schema per type.
var (
	notificationCreate = envelope("notification", objectRequired([]property{
		{"type", schema{kType("string"), kEnum(`('COMPUTE_HOST', 'VM', 'PROCESS')`, "COMPUTE_HOST", "VM", "PROCESS")}},
		{"hostname", hostnameSchema()},
		{"generated_time", schema{kType("string"), kFormat("date-time")}},
		{"payload", payloadSchema()},
	}, "type", "hostname", "generated_time", "payload"))

	eventEnum = kEnum(`('STARTED', 'STOPPED')`, "STARTED", "STOPPED")

	computeHostPayload = objectRequired([]property{
		{"host_status", schema{kEnum(`('NORMAL', 'UNKNOWN')`, "NORMAL", "UNKNOWN"), kType("string")}},
		{"cluster_status", schema{kEnum(`('ONLINE', 'OFFLINE')`, "ONLINE", "OFFLINE"), kType("string")}},
		{"event", schema{eventEnum, kType("string")}},
	}, "event")

	processPayload = objectRequired([]property{
		{"process_name", schema{kType("string"), kMinLength(1), kMaxLength(4096)}},
		{"event", schema{eventEnum, kType("string")}},
	}, "process_name", "event")

	vmPayload = objectRequired([]property{
		{"instance_uuid", schema{kType("string"), kFormat("uuid")}},
		{"vir_domain_event", schema{kType("string"), kMinLength(1), kMaxLength(255)}},
		{"event", schema{kType("string"), kMinLength(1), kMaxLength(255)}},
	}, "instance_uuid", "vir_domain_event", "event")
)
