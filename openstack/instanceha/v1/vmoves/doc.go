/*
Package vmoves reads the per-instance moves of a host recovery
(/v1/notifications/{notification_id}/vmoves), microversion 1.3 as in
Masakari master.

Example:

	client.Microversion = "1.3"
	pages, err := vmoves.List(client, notificationUUID, vmoves.ListOpts{Status: "failed"}).AllPages(ctx)
	moves, err := vmoves.ExtractVMoves(pages)
*/
package vmoves
