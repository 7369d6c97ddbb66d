// Package cli holds the golden tests of the lazarus CLI: the same scripted
// commands run through the real openstack CLI (python3-openstackclient and
// python3-masakariclient from Debian) and through lazarus, each against its
// own running lazarus-api on its own fresh database, and the outputs
// (stdout, stderr, exit status) must be equal once uuids, times and ports
// are normalised.
package cli
