/*
Package segments manages failover segments of the instance-ha API
(/v1/segments), as Masakari defines them.

Example to list segments:

	pages, err := segments.List(client, segments.ListOpts{RecoveryMethod: "auto"}).AllPages(ctx)
	all, err := segments.ExtractSegments(pages)

Example to create a segment (enabled needs microversion 1.2):

	client.Microversion = "1.2"
	enabled := true
	s, err := segments.Create(ctx, client, segments.CreateOpts{
		Name: "az1", RecoveryMethod: "auto", ServiceType: "COMPUTE", Enabled: &enabled,
	}).Extract()
*/
package segments
