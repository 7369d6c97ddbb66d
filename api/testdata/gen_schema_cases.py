#!/usr/bin/python3
"""Regenerates schema_cases.json: the validation messages Masakari 14's
validator (jsonschema 4.10 Draft4 + Masakari's format checkers, as in
masakari/api/validation/validators.py) gives for a set of request bodies.

Run with Debian 12's python3 (python3-jsonschema, python3-oslo.utils):
    /usr/bin/python3 api/testdata/gen_schema_cases.py > api/testdata/schema_cases.json
The schemas below restate masakari/api/openstack/ha/schemas/*.py.
"""
import copy, json, re, sys, unicodedata
import jsonschema
from oslo_utils import timeutils, uuidutils


class InvalidName(Exception):
    pass


def _is_printable(char):
    category = unicodedata.category(char)
    return (not category.startswith("C") and
            (not category.startswith("Z") or category == "Zs"))


def _build_regex_range(ws=True, invert=False, exclude=None):
    exclude = exclude or []
    regex = ""
    in_range = False
    last = None
    last_added = None

    def valid_char(char):
        if char in exclude:
            result = False
        elif ws:
            result = _is_printable(char)
        else:
            result = (_is_printable(char) and
                      unicodedata.category(char) != "Zs")
        if invert is True:
            return not result
        return result

    for c in (chr(i) for i in range(0xFFFF)):
        if valid_char(c):
            if not in_range:
                regex += re.escape(c)
                last_added = c
            in_range = True
        else:
            if in_range and last != last_added:
                regex += "-" + re.escape(last)
            in_range = False
        last = c
    else:
        if in_range:
            regex += "-" + re.escape(c)
    return regex


description_re = '^[\n%s]*$' % _build_regex_range()
name_re = '^(?![%s])[%s]*(?<![%s])$' % (
    _build_regex_range(ws=False, invert=True), _build_regex_range(),
    _build_regex_range(ws=False, invert=True))

FC = jsonschema.FormatChecker()


@FC.checks('date-time')
def _dt(instance):
    try:
        timeutils.parse_isotime(instance)
    except ValueError:
        return False
    return True


@FC.checks('uuid')
def _uuid(instance):
    return uuidutils.is_uuid_like(instance)


@FC.checks('name', InvalidName)
def _name(instance):
    try:
        if re.search(name_re, instance):
            return True
    except TypeError:
        pass
    raise InvalidName()


name = {'type': 'string', 'minLength': 1, 'maxLength': 255, 'format': 'name'}
description = {'type': ['string', 'null'], 'minLength': 0, 'pattern': description_re}
typ = {'type': ['string', 'null'], 'minLength': 0, 'maxLength': 255, 'pattern': '^[a-zA-Z0-9]*$'}
boolean = {'type': ['boolean', 'string'], 'enum': [
    True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes',
    False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']}
hostname = {'type': 'string', 'minLength': 1, 'maxLength': 255, 'pattern': '^[a-zA-Z0-9-._]*$'}
payload = {'type': 'object', 'patternProperties': {
    '^[a-zA-Z0-9-_:. ]{1,255}$': {'type': 'string', 'maxLength': 255}},
    'additionalProperties': False}

seg_base = {'type': 'object', 'properties': {'segment': {'type': 'object', 'properties': {
    'name': name, 'description': description,
    'recovery_method': {'type': 'string', 'enum': ["auto", "reserved_host", "auto_priority", "rh_priority"]},
    'service_type': name}, 'additionalProperties': False}},
    'required': ['segment'], 'additionalProperties': False}
seg_create = copy.deepcopy(seg_base)
seg_create['properties']['segment']['required'] = ['name', 'recovery_method', 'service_type']
seg_create_v12 = copy.deepcopy(seg_create)
seg_create_v12['properties']['segment']['properties']['enabled'] = boolean
seg_update = copy.deepcopy(seg_base)
seg_update['properties']['segment']['anyOf'] = [{'required': ['name']}, {'required': ['description']},
                                                {'required': ['recovery_method']}, {'required': ['service_type']}]
seg_update_v12 = copy.deepcopy(seg_update)
seg_update_v12['properties']['segment']['properties']['enabled'] = boolean
seg_update_v12['properties']['segment']['anyOf'].append({'required': ['enabled']})

host_base = {'type': 'object', 'properties': {'host': {'type': 'object', 'properties': {
    'name': name, 'type': typ, 'control_attributes': description,
    'reserved': boolean, 'on_maintenance': boolean}, 'additionalProperties': False}},
    'required': ['host'], 'additionalProperties': False}
host_create = copy.deepcopy(host_base)
host_create['properties']['host']['required'] = ['name', 'type', 'control_attributes']
host_update = copy.deepcopy(host_base)
host_update['properties']['host']['anyOf'] = [{'required': [k]} for k in
                                              ['name', 'type', 'control_attributes', 'reserved', 'on_maintenance']]

notif_create = {'type': 'object', 'properties': {'notification': {'type': 'object', 'properties': {
    'type': {'type': 'string', 'enum': ('COMPUTE_HOST', 'VM', 'PROCESS')},
    'hostname': hostname,
    'generated_time': {'type': 'string', 'format': 'date-time'},
    'payload': payload},
    'required': ['type', 'hostname', 'generated_time', 'payload'], 'additionalProperties': False}},
    'required': ['notification'], 'additionalProperties': False}
EV = ('STARTED', 'STOPPED')
compute_host_payload = {'type': 'object', 'properties': {
    'host_status': {'enum': ('NORMAL', 'UNKNOWN'), 'type': 'string'},
    'cluster_status': {'enum': ('ONLINE', 'OFFLINE'), 'type': 'string'},
    'event': {'enum': EV, 'type': 'string'}},
    'required': ['event'], 'additionalProperties': False}
process_payload = {'type': 'object', 'properties': {
    'process_name': {'type': 'string', 'minLength': 1, 'maxLength': 4096},
    'event': {'enum': EV, 'type': 'string'}},
    'required': ['process_name', 'event'], 'additionalProperties': False}
vm_payload = {'type': 'object', 'properties': {
    'instance_uuid': {'type': 'string', 'format': 'uuid'},
    'vir_domain_event': {'type': 'string', 'minLength': 1, 'maxLength': 255},
    'event': {'type': 'string', 'minLength': 1, 'maxLength': 255}},
    'required': ['instance_uuid', 'vir_domain_event', 'event'], 'additionalProperties': False}

SCHEMAS = {
    'segment_create': seg_create, 'segment_create_v12': seg_create_v12,
    'segment_update': seg_update, 'segment_update_v12': seg_update_v12,
    'host_create': host_create, 'host_update': host_update,
    'notification_create': notif_create, 'compute_host_payload': compute_host_payload,
    'process_payload': process_payload, 'vm_payload': vm_payload,
}


def detail(schema_name, body):
    v = jsonschema.Draft4Validator(SCHEMAS[schema_name], format_checker=FC)
    try:
        v.validate(body)
    except jsonschema.ValidationError as ex:
        if isinstance(ex.cause, InvalidName):
            return ("An invalid 'name' value was provided. The name must be: "
                    "printable characters. Can not start or end with whitespace.")
        elif len(ex.path) > 0:
            return "Invalid input for field/attribute %s. Value: %s. %s" % (
                ex.path.pop(), ex.instance, ex.message)
        return ex.message
    return None


CASES = [
    ('segment_create', '{"segment": {"name": "s", "recovery_method": "auto", "service_type": "COMPUTE"}}'),
    ('segment_create', 'null'),
    ('segment_create', '[]'),
    ('segment_create', '{}'),
    ('segment_create', '{"segment": {}}'),
    ('segment_create', '{"segment": "x"}'),
    ('segment_create', '{"segment": {"name": "s", "recovery_method": "auto"}}'),
    ('segment_create', '{"segment": {"name": "s", "recovery_method": "auto", "service_type": "COMPUTE"}, "x": 1}'),
    ('segment_create', '{"segment": {"name": "s", "recovery_method": "auto", "service_type": "COMPUTE", "enabled": true}}'),
    ('segment_create', '{"segment": {"name": "s", "recovery_method": "auto", "service_type": "COMPUTE", "zz": 1, "aa": [1, 2.5, null]}}'),
    ('segment_create', '{"segment": {"name": "", "recovery_method": "auto", "service_type": "COMPUTE"}}'),
    ('segment_create', '{"segment": {"name": " s", "recovery_method": "auto", "service_type": "COMPUTE"}}'),
    ('segment_create', '{"segment": {"name": "s ", "recovery_method": "auto", "service_type": "COMPUTE"}}'),
    ('segment_create', '{"segment": {"name": "s\\n", "recovery_method": "auto", "service_type": "COMPUTE"}}'),
    ('segment_create', '{"segment": {"name": "s\\tx", "recovery_method": "auto", "service_type": "COMPUTE"}}'),
    ('segment_create', '{"segment": {"name": "caf\\u00e9 \\u00a0x", "recovery_method": "auto", "service_type": "COMPUTE"}}'),
    ('segment_create', '{"segment": {"name": 12, "recovery_method": "auto", "service_type": "COMPUTE"}}'),
    ('segment_create', '{"segment": {"name": "' + 'a' * 256 + '", "recovery_method": "auto", "service_type": "COMPUTE"}}'),
    ('segment_create', '{"segment": {"name": "s", "recovery_method": "manual", "service_type": "COMPUTE"}}'),
    ('segment_create', '{"segment": {"name": "s", "recovery_method": 1.0, "service_type": "COMPUTE"}}'),
    ('segment_create', '{"segment": {"name": "s", "recovery_method": "auto", "service_type": "COMPUTE", "description": 5}}'),
    ('segment_create', '{"segment": {"name": "s", "recovery_method": "auto", "service_type": "COMPUTE", "description": "a\\nb"}}'),
    ('segment_create', '{"segment": {"name": "s", "recovery_method": "auto", "service_type": "COMPUTE", "description": null}}'),
    ('segment_create', '{"segment": {"name": "it\'s", "recovery_method": "auto", "service_type": "COMPUTE", "x": "it\'s \\"q\\""}}'),
    ('segment_create_v12', '{"segment": {"name": "s", "recovery_method": "auto", "service_type": "COMPUTE", "enabled": "yes"}}'),
    ('segment_create_v12', '{"segment": {"name": "s", "recovery_method": "auto", "service_type": "COMPUTE", "enabled": "maybe"}}'),
    ('segment_create_v12', '{"segment": {"name": "s", "recovery_method": "auto", "service_type": "COMPUTE", "enabled": 1}}'),
    ('segment_update', '{"segment": {}}'),
    ('segment_update', '{"segment": {"enabled": false}}'),
    ('segment_update', '{"segment": {"description": null}}'),
    ('segment_update_v12', '{"segment": {"enabled": false}}'),
    ('segment_update_v12', '{"segment": {}}'),
    ('host_create', '{"host": {"name": "h", "type": "COMPUTE", "control_attributes": "SSH"}}'),
    ('host_create', '{"host": {"name": "h", "type": "COMPUTE_HOST", "control_attributes": "SSH"}}'),
    ('host_create', '{"host": {"name": "h", "type": "COMPUTE\\n", "control_attributes": "SSH"}}'),
    ('host_create', '{"host": {"name": "h", "type": null, "control_attributes": "SSH"}}'),
    ('host_create', '{"host": {"name": "h", "type": "C", "control_attributes": "SSH", "reserved": "maybe"}}'),
    ('host_create', '{"host": {"name": "h", "type": "C", "control_attributes": "SSH", "on_maintenance": "True"}}'),
    ('host_create', '{"host": {"name": "h", "type": "C"}}'),
    ('host_update', '{"host": {}}'),
    ('host_update', '{"host": {"reserved": true}}'),
    ('notification_create', '{"notification": {"type": "COMPUTE_HOST", "hostname": "h", "generated_time": "2017-04-24 08:34:46", "payload": {"event": "STOPPED"}}}'),
    ('notification_create', '{"notification": {"type": "HOST", "hostname": "h", "generated_time": "2017-04-24 08:34:46", "payload": {}}}'),
    ('notification_create', '{"notification": {"type": "VM", "hostname": "h_1.x-y", "generated_time": "2017-04-24T08:34:46Z", "payload": {}}}'),
    ('notification_create', '{"notification": {"type": "VM", "hostname": "h 1", "generated_time": "2017-04-24T08:34:46Z", "payload": {}}}'),
    ('notification_create', '{"notification": {"type": "VM", "hostname": "h", "generated_time": "yesterday", "payload": {}}}'),
    ('notification_create', '{"notification": {"type": "VM", "hostname": "h", "generated_time": "2017-02-30T00:00:00", "payload": {}}}'),
    ('notification_create', '{"notification": {"type": "VM", "hostname": "h", "generated_time": "2017-04-24T08:34:46+25:00", "payload": {}}}'),
    ('notification_create', '{"notification": {"type": "VM", "hostname": "h", "generated_time": "2017", "payload": {}}}'),
    ('notification_create', '{"notification": {"type": "VM", "hostname": "h", "generated_time": "201704", "payload": {}}}'),
    ('notification_create', '{"notification": {"type": "VM", "hostname": "h", "generated_time": "20170424T083446,5-0130", "payload": {}}}'),
    ('notification_create', '{"notification": {"type": "VM", "hostname": "h", "generated_time": 5, "payload": {}}}'),
    ('notification_create', '{"notification": {"type": "VM", "hostname": "h", "generated_time": "2017-04-24", "payload": {"a": 1}}}'),
    ('notification_create', '{"notification": {"type": "VM", "hostname": "h", "generated_time": "2017-04-24", "payload": {"bad key!": "x", "also/bad": "y"}}}'),
    ('notification_create', '{"notification": {"type": "VM", "hostname": "h", "generated_time": "2017-04-24", "payload": {"k": "' + 'v' * 256 + '"}}}'),
    ('notification_create', '{"notification": {"type": "VM", "hostname": "h", "generated_time": "2017-04-24", "payload": []}}'),
    ('notification_create', '{"notification": {"hostname": "h", "extra": 1}}'),
    ('compute_host_payload', '{"event": "stopped"}'),
    ('compute_host_payload', '{"event": "STOPPED", "host_status": 1}'),
    ('compute_host_payload', '{"host_status": "NORMAL"}'),
    ('compute_host_payload', '{"event": "STOPPED", "foo": "bar"}'),
    ('process_payload', '{"event": "STOPPED"}'),
    ('process_payload', '{"event": "STOPPED", "process_name": ""}'),
    ('vm_payload', '{"instance_uuid": "nope", "vir_domain_event": "STOPPED_FAILED", "event": "LIFECYCLE"}'),
    ('vm_payload', '{"instance_uuid": "{6B8A8D0E6B384B4E9D597A0F4F0F9C11}", "vir_domain_event": "STOPPED_FAILED", "event": "LIFECYCLE"}'),
    ('vm_payload', '{"instance_uuid": "6b8a8d0e-6b38-4b4e-9d59-7a0f4f0f9c11", "vir_domain_event": "", "event": "LIFECYCLE"}'),
    ('segment_create', '{"segment": {"name": "s", "recovery_method": "auto", "service_type": "COMPUTE", "n": [1e400, 1e16, 1.5e-5, 0.0001, 100.0, -0, 123456789012345678901234567890]}}'),
]

out = []
for name_, body in CASES:
    out.append({'schema': name_, 'body': body, 'detail': detail(name_, json.loads(body))})
json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
sys.stdout.write("\n")
