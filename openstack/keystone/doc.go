// Package keystone validates users' Keystone v3 tokens for lazarus-api,
// with the service's own credentials, through gophercloud, and caches
// the answers so Keystone is asked once per token and TTL, never per
// request.
package keystone
