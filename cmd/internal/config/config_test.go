package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLoadGood(t *testing.T) {
	t.Parallel()
	c, err := Load("testdata/good.conf", "database.connection")
	require.NoError(t, err)
	require.Equal(t, "noauth2", c.Default.AuthStrategy)
	require.Equal(t, 90*time.Second, c.Default.DuplicateNotificationDetectionInterval)
	require.Equal(t, 500, c.Default.OsapiMaxLimit)
	require.Equal(t, "127.0.0.1:15868", c.API.Listen)
	require.False(t, c.API.ValidateComputeHosts)
	require.Equal(t, 2*time.Minute, c.KeystoneAuthtoken.CacheTTL)
	require.Equal(t, []string{"mgmt=127.0.0.1:7946", "storage=127.0.0.2:7946"}, c.HostMonitor.Networks)
	// Untouched options keep their defaults.
	require.Zero(t, c.Default.HostFailureRecoveryThreads, "unset: the evacuation limits govern")
	require.Equal(t, 4, c.HostFailure.MaxEvacuationsPerTarget)
	require.Equal(t, 64, c.Engine.MaxEvacuationsInFlight)
	require.True(t, c.Fencing.RequireFencing)
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c := DefaultConfig()
	require.Equal(t, "keystone", c.Default.AuthStrategy)
	require.Equal(t, "0.0.0.0:15868", c.API.Listen)
	require.Equal(t, 180*time.Second, c.Default.DuplicateNotificationDetectionInterval)
	require.Equal(t, 1000, c.Default.OsapiMaxLimit)
	require.Equal(t, "HA_Enabled", c.HostFailure.HAEnabledInstanceMetadataKey)
}

func TestLoadBad(t *testing.T) {
	t.Parallel()
	// Each bad file is rejected with the file, the section, the key and why.
	cases := map[string]string{
		"bad_unknown_key.conf":      "[database] conection: unknown option",
		"bad_unknown_section.conf":  "[databse]: unknown section",
		"bad_choice.conf":           `[DEFAULT] auth_strategy: "basic" is not one of keystone, noauth2`,
		"bad_int.conf":              `[DEFAULT] osapi_max_limit: "many" is not an integer`,
		"bad_duration.conf":         `[DEFAULT] duplicate_notification_detection_interval: "soon" is not a duration`,
		"bad_bool.conf":             `[api] validate_compute_hosts: "maybe" is not a boolean`,
		"bad_min.conf":              `[DEFAULT] osapi_max_limit: 0 is below the minimum 1`,
		"bad_missing_required.conf": `[database] connection: required but not set`,
		"bad_syntax.conf":           `not a valid INI file`,
		"bad_transport_url.conf":    `[DEFAULT] transport_url: transport_url host 2 (ctl2:amqp): port "amqp" is not a number`,
	}
	for file, want := range cases {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("testdata", file)
			_, err := Load(path, "database.connection")
			require.Error(t, err)
			require.Contains(t, err.Error(), path)
			require.Contains(t, err.Error(), want)
			require.NotContains(t, err.Error(), "hunter2", "a config error never shows the broker password")
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := Load("testdata/does-not-exist.conf")
	require.ErrorContains(t, err, "testdata/does-not-exist.conf: cannot read")
}

func TestRedactedHidesSecrets(t *testing.T) {
	t.Parallel()
	c, err := Load("testdata/good.conf")
	require.NoError(t, err)
	out := c.Redacted()
	for _, secret := range []string{"dbsecret", "kspass", "guest:guest"} {
		require.NotContains(t, out, secret)
	}
	require.Contains(t, out, "connection = ***")
	require.Equal(t, out, c.String())
}

// The sample in etc/ is generated from the option tags; this keeps it true.
func TestSampleIsCurrent(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	require.NoError(t, WriteSample(&b))
	got, err := os.ReadFile("../../../etc/lazarus.conf.sample")
	require.NoError(t, err, "run: go run ./cmd/lazarus-manage config sample > etc/lazarus.conf.sample")
	require.Equal(t, b.String(), string(got), "etc/lazarus.conf.sample is stale: run make generate")
}

// The generated sample, uncommented, must load: every default is valid.
func TestSampleDefaultsLoad(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	require.NoError(t, WriteSample(&b))
	var lines []string
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(l, "#") && strings.Contains(l, " = ") && !strings.HasPrefix(l, "# ") {
			l = strings.TrimPrefix(l, "#")
			if strings.HasSuffix(l, " =") {
				continue // empty defaults stay unset
			}
		}
		lines = append(lines, l)
	}
	_, err := Parse("sample", []byte(strings.Join(lines, "\n")))
	require.NoError(t, err)
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"good.conf", "bad_syntax.conf", "bad_choice.conf"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(f, err)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz", data)
		if err == nil && c == nil {
			t.Fatal("nil config without error")
		}
		if err != nil && !strings.HasPrefix(err.Error(), "fuzz: ") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}
