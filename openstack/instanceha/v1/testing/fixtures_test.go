package testing

// Bodies as Masakari documents them (masakari.md §1.5–1.8); the API
// colleague's shared fixtures replace them once they land.

const segmentA = `{"id": 4, "uuid": "9f7c0c4e-6a52-4b1f-8d1d-6a3b1e0f5c11", "name": "seg-a", "service_type": "COMPUTE",
 "enabled": true, "description": null, "recovery_method": "auto", "created_at": "2017-04-21T08:59:53.000000",
 "updated_at": null, "deleted_at": null, "deleted": false}`

const segmentB = `{"id": 5, "uuid": "0c7f2b7e-28d6-4e0b-9f8a-0e5e1b0e4c22", "name": "seg-b", "service_type": "COMPUTE",
 "enabled": false, "description": "second", "recovery_method": "reserved_host", "created_at": "2017-04-22T08:59:53.000000",
 "updated_at": "2017-04-23T08:59:53.000000", "deleted_at": null, "deleted": false}`

const hostA = `{"id": 1, "uuid": "1f7c0c4e-6a52-4b1f-8d1d-6a3b1e0f5c12", "name": "compute-1",
 "failover_segment_id": "9f7c0c4e-6a52-4b1f-8d1d-6a3b1e0f5c11", "failover_segment": ` + segmentA + `,
 "type": "COMPUTE", "reserved": false, "control_attributes": "SSH", "on_maintenance": false,
 "created_at": "2017-04-21T08:59:53.000000", "updated_at": null, "deleted_at": null, "deleted": false}`

const notificationA = `{"id": 7, "notification_uuid": "2f7c0c4e-6a52-4b1f-8d1d-6a3b1e0f5c13",
 "generated_time": "2017-04-24T08:34:46.000000", "source_host_uuid": "1f7c0c4e-6a52-4b1f-8d1d-6a3b1e0f5c12",
 "type": "COMPUTE_HOST", "payload": {"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"},
 "status": "running", "created_at": "2017-04-24T08:34:46.000000", "updated_at": null, "deleted_at": null,
 "deleted": false, "recovery_workflow_details": [{"name": "DisableComputeServiceTask", "progress": 1.0,
 "state": "SUCCESS", "progress_details": [{"timestamp": "2019-03-07 13:54:28.842031",
 "message": "Disabling compute service on host: 'compute-1'", "progress": "0.0"}]}]}`

const vmoveA = `{"id": 3, "uuid": "3a7c0c4e-6a52-4b1f-8d1d-6a3b1e0f5c14", "notification_uuid": "2f7c0c4e-6a52-4b1f-8d1d-6a3b1e0f5c13",
 "instance_uuid": "4b7c0c4e-6a52-4b1f-8d1d-6a3b1e0f5c15", "instance_name": "vm-1", "source_host": "compute-1",
 "dest_host": "compute-2", "start_time": "2017-04-24T08:35:00.000000", "end_time": null, "type": "evacuation",
 "status": "ongoing", "message": null, "created_at": "2017-04-24T08:35:00.000000", "updated_at": null,
 "deleted_at": null, "deleted": false}`

// fenceDeviceA is shaped as api/fence_devices.go answers.
const fenceDeviceA = `{"id": "5c7c0c4e-6a52-4b1f-8d1d-6a3b1e0f5c16", "host_id": "1f7c0c4e-6a52-4b1f-8d1d-6a3b1e0f5c12",
 "level": 1, "driver": "ipmi", "agent": null, "address": "10.0.0.5", "port": 623, "username": "admin", "password_set": true,
 "options": {"cipher_suite": "3"}, "fence_ready": null, "last_error": null, "checked_at": null,
 "created_at": "2017-04-24T08:35:00.000000", "updated_at": null}`
