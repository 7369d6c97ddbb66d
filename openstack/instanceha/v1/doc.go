// Package v1 builds gophercloud service clients for the instance-ha
// (Masakari v1 compatible) API that lazarus-api serves.
//
// The resource packages below it (segments, hosts, notifications, vmoves,
// fencedevices) follow gophercloud v2's shape: requests.go holds the calls
// (List returning a pagination.Pager, Get, Create, Update, Delete),
// results.go the types and Extract methods, urls.go the paths.
//
// A microversion is chosen by setting the service client's Microversion
// field; gophercloud then sends "OpenStack-API-Version: instance-ha X.Y",
// which is the only header the API reads (Masakari reads no legacy header).
//
// Its users are the lazarus CLI (every command), the monitors' API transport
// (monitors/publish), the demo and the end-to-end tests. Results of Get,
// Create and Update keep the server's bytes in Result.Body, so a caller that
// must reproduce the server's key order (the CLI's formatters) decodes them
// itself; Options builders are interfaces, so a caller may send bodies and
// queries in an order of its own (the CLI sends openstacksdk's).
//
// Example, with keystone:
//
//	provider, err := openstack.AuthenticatedClient(ctx, authOpts)
//	client, err := v1.NewInstanceHAV1(provider, gophercloud.EndpointOpts{Region: "RegionOne"})
//	client.Microversion = "1.2"
//	all, err := segments.List(client, segments.ListOpts{}).AllPages(ctx)
//
// Example, for a development API running with auth_strategy = noauth2:
//
//	client, err := v1.NewNoAuthClient("http://127.0.0.1:15868/v1", nil)
package v1
