// Package cliff reproduces the output of the openstack CLI byte for byte:
// the formatters of python3-cliff 4.0 (table drawn like PrettyTable 3.6,
// json, yaml as PyYAML's safe_dump, value, csv, shell) and the Python value
// semantics they rely on (str() and repr() of dicts, lists, None, booleans
// and floats; json.dumps with ensure_ascii).
//
// Values are the ordered form of a JSON document as Python's json module
// would hold it: nil, bool, string, json.Number (its spelling tells a float
// "1.0" from an int "1"), []any, and *Map (an object that keeps the
// server's key order). Decode produces them from raw bytes.
package cliff
