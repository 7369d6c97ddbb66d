// Command lazarus is an openstack-CLI-compatible client for the
// instance-ha API: `lazarus segment list` accepts what `openstack segment
// list` (python-masakariclient 8.0.0's plugin) accepts and prints the same
// bytes, for every output format. Replacing the binary name is the whole
// migration.
//
// Beyond the Python client it offers `notification vmove list|show`
// (microversion 1.3), `notification show ID --wait` (follows a recovery
// live; the exit status says how it ended), `fence-device …` for the
// Lazarus fence-device extension, and `completion bash|zsh`.
//
// Exit statuses are the openstack CLI's: 0 on success, 1 when a command
// fails (the server's message is printed, never a stack trace), 2 for a
// usage error. `notification show --wait` ends with 0 when the recovery
// finished, 3 when it was ignored, 4 when it failed and 5 when
// --wait-timeout ran out.
//
// Fence device passwords are never taken on the command line:
// `fence-device create|update --password-file FILE` ("-" reads stdin).
//
// Authentication follows the openstack CLI: OS_* variables, clouds.yaml
// with --os-cloud, password, token and application-credential auth, and
// --os-auth-type none --os-endpoint URL for development setups.
//
// Every request goes through openstack/instanceha/v1, the typed client of
// the API; this command adds openstacksdk's behaviour where the output
// depends on it (query order and validation, paging, error wording, the
// server's key order), in client.go and body.go. clouds.yaml is read with
// gophercloud's schema (openstack/config/clouds) and Keystone is gophercloud's
// (openstack/config).
package main
