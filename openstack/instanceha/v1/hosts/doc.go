/*
Package hosts manages the hosts of a failover segment
(/v1/segments/{segment_id}/hosts), as Masakari defines them.

Example to put a host into maintenance:

	on := true
	h, err := hosts.Update(ctx, client, segmentUUID, hostUUID, hosts.UpdateOpts{OnMaintenance: &on}).Extract()
*/
package hosts
