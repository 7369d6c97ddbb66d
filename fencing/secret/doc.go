// Package secret encrypts fence device passwords at rest with AES-256-GCM.
//
// The key is 32 bytes, read from the file named by [fencing]
// secret_key_file, either raw or base64-encoded. A sealed value is the
// 12-byte random nonce followed by the ciphertext and tag. Callers pass
// associated data (the host's uuid) so a sealed password copied to another
// host's row does not open.
package secret
