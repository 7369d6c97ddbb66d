package secret_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lazarus-ha/lazarus/fencing/secret"
)

func TestSealOpen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "key")
	require.NoError(t, os.WriteFile(path, secret.GenerateKey(), 0o600))
	box, err := secret.LoadFile(path)
	require.NoError(t, err)

	sealed := box.Seal([]byte("bmc-password"), []byte("host-a"))
	require.NotContains(t, string(sealed), "bmc-password")
	out, err := box.Open(sealed, []byte("host-a"))
	require.NoError(t, err)
	require.Equal(t, "bmc-password", string(out))

	// Another host's associated data does not open it: rows cannot swap passwords.
	_, err = box.Open(sealed, []byte("host-b"))
	require.ErrorIs(t, err, secret.ErrDecrypt)
	// A flipped bit is detected.
	sealed[len(sealed)-1] ^= 1
	_, err = box.Open(sealed, []byte("host-a"))
	require.ErrorIs(t, err, secret.ErrDecrypt)
	// Another key does not open it.
	other, err := secret.New(make([]byte, 32))
	require.NoError(t, err)
	_, err = other.Open(box.Seal([]byte("x"), nil), nil)
	require.ErrorIs(t, err, secret.ErrDecrypt)
	// Two seals of the same value differ (random nonce).
	require.NotEqual(t, box.Seal([]byte("x"), nil), box.Seal([]byte("x"), nil))
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	raw := make([]byte, 32)
	for i := range raw {
		raw[i] = byte(i)
	}
	cases := []struct {
		name string
		in   []byte
		ok   bool
	}{
		// A raw 32-byte file (head -c 32 /dev/urandom).
		{"raw", raw, true},
		// base64 with a trailing newline (openssl rand -base64 32).
		{"base64", []byte(base64.StdEncoding.EncodeToString(raw) + "\n"), true},
		// Too short: AES-128 keys are refused, the key must be 256-bit.
		{"short", []byte(base64.StdEncoding.EncodeToString(raw[:16])), false},
		{"garbage", []byte("not a key"), false},
		{"empty", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			k, err := secret.ParseKey(c.in)
			if !c.ok {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, raw, k)
		})
	}
}

func FuzzOpen(f *testing.F) {
	box, err := secret.New(make([]byte, 32))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(box.Seal([]byte("pw"), []byte("h")), []byte("h"))
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, sealed, ad []byte) {
		out, err := box.Open(sealed, ad)
		if err == nil {
			// Whatever opens must round-trip.
			again, err := box.Open(box.Seal(out, ad), ad)
			require.NoError(t, err)
			require.Equal(t, out, again)
		}
	})
}

func FuzzParseKey(f *testing.F) {
	f.Add([]byte("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="))
	f.Fuzz(func(t *testing.T, in []byte) {
		k, err := secret.ParseKey(in)
		if err == nil {
			require.Len(t, k, secret.KeySize)
		}
	})
}
