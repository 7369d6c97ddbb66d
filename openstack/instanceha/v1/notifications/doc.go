/*
Package notifications reads and sends failure notifications
(/v1/notifications), as Masakari defines them. Notifications cannot be
changed or deleted (the API answers 405).

Example to report a dead compute host:

	n, err := notifications.Create(ctx, client, notifications.CreateOpts{
		Type:          "COMPUTE_HOST",
		Hostname:      "compute-1",
		GeneratedTime: "2026-11-22T06:00:00",
		Payload:       map[string]any{"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"},
	}).Extract()

At microversion 1.1 and later, Get also returns the recovery's workflow
details.
*/
package notifications
