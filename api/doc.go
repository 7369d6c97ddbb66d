// Package api is lazarus-api's HTTP layer: the OpenStack Masakari v1 API
// (segments, hosts, notifications, vmoves, versions, extensions),
// compatible with the openstack CLI and openstacksdk, on the store.
//
// # Overview
//
// NewRouter builds a chi router. "/" serves the versions document (no
// authentication); "/v1/..." and "/v1/{project_id}/..." serve the
// resources. Every v1 request goes through, in Masakari's order: the body
// size limit (413), authentication (keystone token or noauth2; 401),
// routing (plain 404 for unknown URLs), the microversion header (400,
// 406), the request content type (415), the method (405 where Masakari's
// router has a route but its controller no action), the JSON body (400
// "Malformed request body"), the URL's project id against the token's
// (400), then the handler: schema validation with Masakari's messages
// (400), the policy check (403), the store (404, 409).
//
// Responses carry Masakari's headers: "OpenStack-API-Version: masakari
// X.Y" on success and "instance-ha X.Y" on errors (a Masakari quirk), Vary,
// and x-openstack-request-id. Errors are {"<faultName>": {"code",
// "message"}}.
//
// # Extending
//
// A Lazarus-only resource adds its routes in routes() with one line and
// its handlers in its own file, using Handler, Request, Decode helpers
// (DecodeBody, the schema keywords), (*API).authorize, Faultf, WriteFault
// and WriteJSON, and adds its policy rules to DefaultRules in an init
// function.
//
// # Failure handling
//
// Store errors map to statuses in storeError; anything unexpected is a
// 500 with Masakari's "Unexpected API Error" text, logged with the
// request id. A notification insert is atomic under concurrency (see
// store.NotificationInsert), unlike Masakari's.
package api
