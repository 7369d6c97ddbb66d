// Package compat runs the real openstack CLI (python3-openstackclient
// with python3-masakariclient, as Debian 12 ships them) against a running
// lazarus-api and checks what it prints: an operator who points the CLI
// at Lazarus instead of Masakari sees no difference.
package compat
