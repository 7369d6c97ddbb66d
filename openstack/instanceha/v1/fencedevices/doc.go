/*
Package fencedevices manages the fence devices of a host and the operator's
fence confirmation, Lazarus extensions of the instance-ha API:

	GET|POST        /v1/segments/{segment_id}/hosts/{host_id}/fence_devices
	GET|PUT|DELETE  /v1/segments/{segment_id}/hosts/{host_id}/fence_devices/{device_id}
	POST            /v1/segments/{segment_id}/hosts/{host_id}/fence_confirm

The password is write-only: the API never returns it, only password_set.

Example, an IPMI BMC as the first fencing level:

	d, err := fencedevices.Create(ctx, client, segmentUUID, hostUUID, fencedevices.CreateOpts{
		Level: 1, Driver: "ipmi", Address: "10.0.0.5", Port: 623,
		Username: "admin", Password: password,
		Options: map[string]string{"cipher_suite": "3"},
	}).Extract()
*/
package fencedevices
