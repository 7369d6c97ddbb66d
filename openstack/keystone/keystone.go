package keystone

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
)

// ErrInvalidToken means Keystone rejected the token (unknown, expired or
// revoked).
var ErrInvalidToken = errors.New("invalid token")

// Config is how to reach Keystone ([keystone_authtoken]).
type Config struct {
	AuthURL           string // Keystone v3 URL, e.g. http://controller:5000/v3
	Username          string
	Password          string
	ProjectName       string
	UserDomainName    string
	ProjectDomainName string
	// CacheTTL is how long a valid token is trusted without asking
	// again (never past its expiry). Invalid tokens are remembered for
	// at most NegativeTTL (default 10 s) so a bad client cannot make us
	// hammer Keystone.
	CacheTTL    time.Duration
	NegativeTTL time.Duration
	Insecure    bool
	CAFile      string
	// Timeout bounds one Keystone call (default 10 s).
	Timeout time.Duration
}

// TokenInfo is what a valid token says about its bearer.
type TokenInfo struct {
	UserID    string
	ProjectID string
	Roles     []string
	ExpiresAt time.Time
}

type entry struct {
	info    *TokenInfo // nil: invalid
	expires time.Time
}

// Validator validates tokens against Keystone, with a cache keyed by the
// SHA-256 of the token (tokens themselves are never kept).
type Validator struct {
	cfg      Config
	identity *gophercloud.ServiceClient
	now      func() time.Time

	mu    sync.Mutex
	cache map[[32]byte]entry
	calls int
}

// New authenticates the service user and returns a Validator.
func New(ctx context.Context, cfg Config) (*Validator, error) {
	if cfg.AuthURL == "" {
		return nil, errors.New("keystone: auth_url is required")
	}
	if cfg.NegativeTTL == 0 {
		cfg.NegativeTTL = 10 * time.Second
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	provider, err := openstack.NewClient(cfg.AuthURL)
	if err != nil {
		return nil, fmt.Errorf("keystone client for %s: %w", cfg.AuthURL, err)
	}
	httpClient, err := newHTTPClient(cfg)
	if err != nil {
		return nil, err
	}
	provider.HTTPClient = *httpClient
	opts := gophercloud.AuthOptions{
		IdentityEndpoint: cfg.AuthURL,
		Username:         cfg.Username,
		Password:         cfg.Password,
		DomainName:       cfg.UserDomainName,
		AllowReauth:      true,
		Scope: &gophercloud.AuthScope{
			ProjectName: cfg.ProjectName,
			DomainName:  cfg.ProjectDomainName,
		},
	}
	actx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	if err := openstack.Authenticate(actx, provider, opts); err != nil {
		return nil, fmt.Errorf("authenticate service user %s at %s: %w", cfg.Username, cfg.AuthURL, err)
	}
	// The identity endpoint is auth_url itself, as keystonemiddleware's.
	endpoint := strings.TrimRight(cfg.AuthURL, "/") + "/"
	identity := &gophercloud.ServiceClient{ProviderClient: provider, Endpoint: endpoint, Type: "identity"}
	return &Validator{cfg: cfg, identity: identity, now: time.Now, cache: map[[32]byte]entry{}}, nil
}

func newHTTPClient(cfg Config) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tlsCfg := &tls.Config{InsecureSkipVerify: cfg.Insecure} //nolint:gosec // operator's explicit choice for testing
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read keystone CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no certificate in %s", cfg.CAFile)
		}
		tlsCfg.RootCAs = pool
	}
	tr.TLSClientConfig = tlsCfg
	return &http.Client{Transport: tr, Timeout: cfg.Timeout}, nil
}

// Calls is how many times Keystone was asked to validate a token.
func (v *Validator) Calls() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.calls
}

// Validate returns the bearer of token, from the cache when it can, or
// ErrInvalidToken.
func (v *Validator) Validate(ctx context.Context, token string) (*TokenInfo, error) {
	key := sha256.Sum256([]byte(token))
	now := v.now()
	v.mu.Lock()
	e, ok := v.cache[key]
	if ok && now.Before(e.expires) {
		v.mu.Unlock()
		if e.info == nil {
			return nil, ErrInvalidToken
		}
		return e.info, nil
	}
	v.calls++
	if len(v.cache) > 100000 {
		// Crude bound: forget everything rather than grow forever.
		v.cache = map[[32]byte]entry{}
	}
	v.mu.Unlock()

	info, err := v.fetch(ctx, token)
	switch {
	case errors.Is(err, ErrInvalidToken):
		v.store(key, entry{expires: now.Add(min(v.cfg.NegativeTTL, v.cfg.CacheTTL))})
		return nil, err
	case err != nil:
		return nil, err
	}
	exp := now.Add(v.cfg.CacheTTL)
	if !info.ExpiresAt.IsZero() && info.ExpiresAt.Before(exp) {
		exp = info.ExpiresAt
	}
	v.store(key, entry{info: info, expires: exp})
	return info, nil
}

func (v *Validator) store(key [32]byte, e entry) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.cache[key] = e
}

func (v *Validator) fetch(ctx context.Context, token string) (*TokenInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, v.cfg.Timeout)
	defer cancel()
	res := tokens.Get(ctx, v.identity, token)
	tok, err := res.ExtractToken()
	if err != nil {
		if gophercloud.ResponseCodeIs(err, http.StatusNotFound) || gophercloud.ResponseCodeIs(err, http.StatusUnauthorized) {
			return nil, ErrInvalidToken
		}
		return nil, fmt.Errorf("validate token with keystone: %w", err)
	}
	info := &TokenInfo{ExpiresAt: tok.ExpiresAt}
	if u, err := res.ExtractUser(); err == nil && u != nil {
		info.UserID = u.ID
	}
	if p, err := res.ExtractProject(); err == nil && p != nil {
		info.ProjectID = p.ID
	}
	roles, err := res.ExtractRoles()
	if err != nil {
		return nil, fmt.Errorf("read token roles: %w", err)
	}
	for _, r := range roles {
		info.Roles = append(info.Roles, r.Name)
	}
	if !info.ExpiresAt.IsZero() && !v.now().Before(info.ExpiresAt) {
		return nil, ErrInvalidToken
	}
	return info, nil
}
