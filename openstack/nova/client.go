package nova

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
)

// DefaultTimeout is the HTTP timeout of one call when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// ErrNotFound is returned (wrapped, next to the HTTP error) when the
// requested server, service or aggregate does not exist.
var ErrNotFound = errors.New("not found in nova")

// ErrAlreadyStopped is returned (wrapped, next to the 409 HTTP error) by
// StopServer when Nova refuses because the server is already stopped.
var ErrAlreadyStopped = errors.New("server already stopped")

// ErrServiceInUse is returned (wrapped, next to the 400 HTTP error) by
// Evacuate when Nova refuses because the source host's compute service is
// still up: it is neither forced down nor past service_down_time.
var ErrServiceInUse = errors.New("source compute service still in use")

// Config is how to reach Nova: keystoneauth-style password credentials,
// as in the [nova] section of lazarus.conf.
type Config struct {
	// AuthURL is the Keystone v3 URL, e.g. http://controller:5000/v3.
	AuthURL string
	// Username and Password of a user with the admin role.
	Username, Password string
	// ProjectName is the user's project; UserDomainName and
	// ProjectDomainName default to "Default".
	ProjectName, UserDomainName, ProjectDomainName string
	// RegionName selects the compute endpoint's region ("" = any).
	RegionName string
	// Interface is the catalog interface: public (default), internal or admin.
	Interface string
	// Endpoint, when set, is used instead of the catalog's compute endpoint.
	Endpoint string
	// PlacementEndpoint, when set, is used instead of the catalog's
	// placement endpoint.
	PlacementEndpoint string
	// Timeout is the HTTP timeout of one request; DefaultTimeout when zero.
	Timeout time.Duration
	// Insecure skips TLS verification (testing only).
	Insecure bool
	// CAFile is a PEM bundle of CAs trusted for Keystone and Nova.
	CAFile string
}

// Client talks to Nova with one authenticated provider, reused across
// calls and re-authenticated when its token expires. It is safe for
// concurrent use.
type Client struct {
	sc   *gophercloud.ServiceClient
	feat Features
	// placement is nil when the catalog has no placement endpoint.
	placement *gophercloud.ServiceClient
	log       *slog.Logger
}

// New authenticates against Keystone, finds the compute endpoint,
// negotiates the compute microversion from Nova's version document (the
// highest both know, at least 2.53; see Features) and finds the placement
// endpoint, then returns a client using them. The password is never
// logged or put in an error.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Client, error) {
	if cfg.AuthURL == "" {
		return nil, errors.New("[nova] auth_url is required")
	}
	if cfg.Username == "" {
		return nil, errors.New("[nova] username is required")
	}
	httpClient, err := newHTTPClient(cfg)
	if err != nil {
		return nil, err
	}
	provider, err := openstack.NewClient(cfg.AuthURL)
	if err != nil {
		return nil, fmt.Errorf("parse [nova] auth_url: %w", err)
	}
	provider.HTTPClient = *httpClient
	provider.UserAgent.Prepend("lazarus")
	opts := gophercloud.AuthOptions{
		IdentityEndpoint: cfg.AuthURL,
		Username:         cfg.Username,
		Password:         cfg.Password,
		DomainName:       orDefault(cfg.UserDomainName, "Default"),
		Scope: &gophercloud.AuthScope{
			ProjectName: cfg.ProjectName,
			DomainName:  orDefault(cfg.ProjectDomainName, "Default"),
		},
		// The provider keeps the options to log in again when the token
		// expires, instead of a new token per call as Masakari does.
		AllowReauth: true,
	}
	if err := openstack.Authenticate(ctx, provider, opts); err != nil {
		return nil, fmt.Errorf("authenticate to keystone at %s as %s: %w", cfg.AuthURL, cfg.Username, err)
	}
	var sc *gophercloud.ServiceClient
	if cfg.Endpoint != "" {
		sc = &gophercloud.ServiceClient{ProviderClient: provider, Endpoint: gophercloud.NormalizeURL(cfg.Endpoint), Type: "compute"}
	} else {
		sc, err = openstack.NewComputeV2(provider, gophercloud.EndpointOpts{
			Region:       cfg.RegionName,
			Availability: gophercloud.Availability(orDefault(cfg.Interface, "public")),
		})
		if err != nil {
			return nil, fmt.Errorf("find the compute endpoint in the catalog: %w", err)
		}
	}
	minor, err := negotiate(ctx, sc, log)
	if err != nil {
		return nil, err
	}
	feat := FeaturesAt(minor)
	sc.Microversion = feat.Microversion
	c := &Client{sc: sc, feat: feat, log: log}
	if cfg.PlacementEndpoint != "" {
		c.placement = &gophercloud.ServiceClient{ProviderClient: provider, Endpoint: gophercloud.NormalizeURL(cfg.PlacementEndpoint), Type: "placement"}
	} else if p, err := openstack.NewPlacementV1(provider, gophercloud.EndpointOpts{
		Region: cfg.RegionName, Availability: gophercloud.Availability(orDefault(cfg.Interface, "public")),
	}); err == nil {
		c.placement = p
	} else {
		log.WarnContext(ctx, "no placement endpoint in the catalog: target capacity is unknown (Nova's scheduler still checks it)", "err", err)
	}
	placement := ""
	if c.placement != nil {
		placement = c.placement.Endpoint
	}
	log.InfoContext(ctx, "connected to nova", "endpoint", sc.Endpoint, "microversion", sc.Microversion, "placement", placement)
	return c, nil
}

// NewFromServiceClient wraps an existing compute service client at
// microversion 2.53, without placement. Tests use it with gophercloud's
// testhelper.
func NewFromServiceClient(sc *gophercloud.ServiceClient, log *slog.Logger) *Client {
	c := *sc
	c.Type = "compute"
	c.Microversion = Microversion
	return &Client{sc: &c, feat: FeaturesAt(MinMinor), log: log}
}

// Close releases idle HTTP connections. The client stays usable.
func (c *Client) Close() {
	c.sc.ProviderClient.HTTPClient.CloseIdleConnections()
}

// Endpoint is the compute endpoint in use.
func (c *Client) Endpoint() string { return c.sc.Endpoint }

func newHTTPClient(cfg Config) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if cfg.Insecure || cfg.CAFile != "" {
		tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.Insecure} //nolint:gosec // operator's explicit choice, testing only
		if cfg.CAFile != "" {
			pem, err := os.ReadFile(cfg.CAFile)
			if err != nil {
				return nil, fmt.Errorf("read [nova] cafile: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("read [nova] cafile %s: no PEM certificate found", cfg.CAFile)
			}
			tc.RootCAs = pool
		}
		tr.TLSClientConfig = tc
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &http.Client{Transport: tr, Timeout: timeout}, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// notFound wraps err with ErrNotFound when it is an HTTP 404.
func notFound(err error) error {
	if gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
		return errors.Join(ErrNotFound, err)
	}
	return err
}
