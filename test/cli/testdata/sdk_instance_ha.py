#!/usr/bin/python3
"""Drive lazarus-api through Debian's openstacksdk (conn.instance_ha).

Usage: sdk_instance_ha.py ENDPOINT NOTIFICATION_WITH_VMOVES

ENDPOINT is lazarus-api's /v1 URL (auth_strategy = noauth2). Prints one
JSON object with what each call returned; TestOpenstackSDK (sdk_test.go)
asserts on it. Any exception fails the script (exit 1) with its traceback.
"""
import datetime
import json
import sys

import openstack
from openstack import exceptions

endpoint, seeded_notification = sys.argv[1], sys.argv[2]
conn = openstack.connection.Connection(
    auth_type="none",
    auth={"endpoint": endpoint},
    instance_ha_endpoint_override=endpoint,
    # "1.3" also makes 1.3 the default microversion (as --os-ha-api-version
    # does for the openstack CLI): notifications then carry
    # recovery_workflow_details (1.1).
    instance_ha_api_version="1.3",
)
ha = conn.instance_ha
out = {"sdk_version": openstack.version.__version__}

# Segments.
seg = ha.create_segment(name="sdk-seg", recovery_method="auto", service_type="COMPUTE", description="made by openstacksdk")
out["segment_create"] = {"name": seg.name, "recovery_method": seg.recovery_method, "service_type": seg.service_type,
                         "description": seg.description, "uuid": seg.uuid, "id": seg.id}
out["segment_list"] = sorted(s.name for s in ha.segments())
got = ha.get_segment(seg.uuid)
out["segment_get"] = {"name": got.name, "uuid": got.uuid}
upd = ha.update_segment(seg.uuid, description="updated by openstacksdk", recovery_method="reserved_host")
out["segment_update"] = {"description": upd.description, "recovery_method": upd.recovery_method}
out["segment_get_after_update"] = ha.get_segment(seg.uuid).description
try:
    ha.create_segment(name="sdk-seg", recovery_method="auto", service_type="COMPUTE")
    out["segment_duplicate"] = "created"
except exceptions.ConflictException as e:
    out["segment_duplicate"] = "conflict: %s" % e.details
try:
    ha.get_segment("00000000-0000-4000-8000-000000000000")
    out["segment_missing"] = "found"
except exceptions.ResourceNotFound:
    out["segment_missing"] = "not found"
out["segment_list_filtered"] = sorted(s.name for s in ha.segments(recovery_method="reserved_host"))

# Hosts.
h = ha.create_host(seg.uuid, name="compute-sdk-1", type="COMPUTE", control_attributes="SSH")
ha.create_host(seg.uuid, name="compute-sdk-2", type="COMPUTE", control_attributes="SSH", reserved=True)
out["host_create"] = {"name": h.name, "type": h.type, "control_attributes": h.control_attributes,
                      "reserved": h.reserved, "on_maintenance": h.on_maintenance,
                      "failover_segment_id": h.failover_segment_id}
out["host_list"] = sorted(x.name for x in ha.hosts(seg.uuid))
out["host_list_reserved"] = sorted(x.name for x in ha.hosts(seg.uuid, reserved=True))
gh = ha.get_host(h.uuid, segment_id=seg.uuid)
out["host_get"] = {"name": gh.name, "uuid": gh.uuid}
uh = ha.update_host(h.uuid, seg.uuid, on_maintenance=True)
out["host_update"] = {"on_maintenance": uh.on_maintenance}
uh = ha.update_host(h.uuid, seg.uuid, on_maintenance=False)
out["host_update_back"] = {"on_maintenance": uh.on_maintenance}

# Notifications.
now = datetime.datetime.utcnow().replace(microsecond=0).isoformat()
n = ha.create_notification(type="COMPUTE_HOST", hostname="compute-sdk-1", generated_time=now,
                           payload={"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"})
out["notification_create"] = {"type": n.type, "hostname": n.hostname, "status": n.status,
                              "source_host_uuid": n.source_host_uuid, "payload": n.payload,
                              "source_host_is_host": n.source_host_uuid == h.uuid}
out["notification_list"] = sorted(x.notification_uuid for x in ha.notifications())
gn = ha.get_notification(n.notification_uuid)
out["notification_get"] = {"notification_uuid": gn.notification_uuid, "status": gn.status, "type": gn.type}
try:
    ha.create_notification(type="COMPUTE_HOST", hostname="compute-sdk-1", generated_time=now,
                           payload={"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"})
    out["notification_duplicate"] = "created"
except exceptions.ConflictException as e:
    out["notification_duplicate"] = "conflict"
# A notification with a recovery (seeded by the test): its workflow details
# at microversion 1.1 come through the SDK's typed resource.
sn = ha.get_notification(seeded_notification)
out["seeded_notification"] = {"status": sn.status,
                              "steps": [(d.name, d.state) for d in (sn.recovery_workflow_details or [])]}

# VMoves: openstacksdk 0.101 has no VMove resource (it came in a later
# release), so they are read through the same instance_ha adapter at
# microversion 1.3, as a raw call.
r = ha.get("/notifications/%s/vmoves" % seeded_notification, microversion="1.3")
r.raise_for_status()
vm = r.json()["vmoves"]
out["vmove_list"] = sorted((v["instance_name"], v["status"]) for v in vm)
r = ha.get("/notifications/%s/vmoves/%s" % (seeded_notification, vm[0]["uuid"]), microversion="1.3")
r.raise_for_status()
out["vmove_get"] = r.json()["vmove"]["uuid"] == vm[0]["uuid"]
out["has_vmove_resource"] = hasattr(ha, "vmoves")

# Deletes. A host of a segment with a notification to process cannot go
# (Masakari's 409); one of an idle segment can, and then the segment.
h2 = [x for x in ha.hosts(seg.uuid) if x.name == "compute-sdk-2"][0]
try:
    ha.delete_host(h2.uuid, segment_id=seg.uuid, ignore_missing=False)
    out["host_delete_busy"] = "deleted"
except exceptions.ConflictException as e:
    out["host_delete_busy"] = "conflict: %s" % e.details
tmp = ha.create_segment(name="sdk-tmp", recovery_method="auto", service_type="COMPUTE")
th = ha.create_host(tmp.uuid, name="compute-sdk-3", type="COMPUTE", control_attributes="SSH")
ha.delete_host(th.uuid, segment_id=tmp.uuid, ignore_missing=False)
out["host_list_after_delete"] = sorted(x.name for x in ha.hosts(tmp.uuid))
ha.delete_segment(tmp.uuid, ignore_missing=False)
out["segment_list_after_delete"] = sorted(s.name for s in ha.segments())

json.dump(out, sys.stdout, indent=1, sort_keys=True)
