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
// Authentication follows the openstack CLI: OS_* variables, clouds.yaml
// with --os-cloud, password, token and application-credential auth, and
// --os-auth-type none --os-endpoint URL for development setups.
package main
