package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/config"
	"github.com/spf13/pflag"

	v1 "github.com/lazarus-ha/lazarus/openstack/instanceha/v1"
)

// globalOpts are the openstack CLI's global options this client honours.
// Each defaults to its OS_* variable, as in the openstack CLI, so the
// command line beats the environment, and both beat clouds.yaml.
type globalOpts struct {
	cloud             string
	authType          string
	authURL           string
	endpoint          string
	username          string
	userID            string
	password          string
	projectName       string
	projectID         string
	userDomainName    string
	userDomainID      string
	projectDomainName string
	projectDomainID   string
	domainName        string
	domainID          string
	defaultDomain     string
	token             string
	appCredID         string
	appCredName       string
	appCredSecret     string
	regionName        string
	iface             string
	cacert            string
	cert              string
	key               string
	insecure          bool
	haAPIVersion      string
	// accepted for compatibility, without effect here
	identityAPIVersion string
	debug              bool
	verbose            int
	quiet              bool
	timeout            string
}

func (a *app) addGlobalFlags(f *pflag.FlagSet) {
	g := &a.g
	s := func(p *string, name, usage string, env ...string) {
		f.StringVar(p, name, a.env(env...), usage+envHelp(env))
	}
	// Secrets take their environment value only when used (see secrets),
	// so --help never prints them as a default.
	secret := func(p *string, name, usage string, env string) {
		f.StringVar(p, name, "", usage+envHelp([]string{env}))
	}
	s(&g.cloud, "os-cloud", "Cloud name in clouds.yaml", "OS_CLOUD")
	s(&g.authType, "os-auth-type", "Select an authentication type (password, token, v3applicationcredential, none)", "OS_AUTH_TYPE")
	s(&g.authURL, "os-auth-url", "Authentication URL", "OS_AUTH_URL")
	s(&g.endpoint, "os-endpoint", "The endpoint that will always be used", "OS_ENDPOINT")
	s(&g.username, "os-username", "Username", "OS_USERNAME")
	s(&g.userID, "os-user-id", "User ID", "OS_USER_ID")
	secret(&g.password, "os-password", "User's password", "OS_PASSWORD")
	s(&g.projectName, "os-project-name", "Project name to scope to", "OS_PROJECT_NAME", "OS_TENANT_NAME")
	s(&g.projectID, "os-project-id", "Project ID to scope to", "OS_PROJECT_ID", "OS_TENANT_ID")
	s(&g.userDomainName, "os-user-domain-name", "User's domain name", "OS_USER_DOMAIN_NAME")
	s(&g.userDomainID, "os-user-domain-id", "User's domain id", "OS_USER_DOMAIN_ID")
	s(&g.projectDomainName, "os-project-domain-name", "Domain name containing project", "OS_PROJECT_DOMAIN_NAME")
	s(&g.projectDomainID, "os-project-domain-id", "Domain ID containing project", "OS_PROJECT_DOMAIN_ID")
	s(&g.domainName, "os-domain-name", "Domain name to scope to", "OS_DOMAIN_NAME")
	s(&g.domainID, "os-domain-id", "Domain ID to scope to", "OS_DOMAIN_ID")
	s(&g.defaultDomain, "os-default-domain", "Default domain ID, default=default", "OS_DEFAULT_DOMAIN")
	secret(&g.token, "os-token", "Token", "OS_TOKEN")
	s(&g.appCredID, "os-application-credential-id", "Application credential ID", "OS_APPLICATION_CREDENTIAL_ID")
	s(&g.appCredName, "os-application-credential-name", "Application credential name", "OS_APPLICATION_CREDENTIAL_NAME")
	secret(&g.appCredSecret, "os-application-credential-secret", "Application credential auth secret", "OS_APPLICATION_CREDENTIAL_SECRET")
	s(&g.regionName, "os-region-name", "Authentication region name", "OS_REGION_NAME")
	s(&g.iface, "os-interface", "Select an interface type. Valid interface types: [admin, public, internal]. default=public", "OS_INTERFACE")
	s(&g.cacert, "os-cacert", "CA certificate bundle file", "OS_CACERT")
	s(&g.cert, "os-cert", "Client certificate bundle file", "OS_CERT")
	s(&g.key, "os-key", "Client certificate key file", "OS_KEY")
	f.BoolVar(&g.insecure, "insecure", isTrue(a.env("OS_INSECURE")), "Disable server certificate verification")
	f.StringVar(&g.haAPIVersion, "os-ha-api-version", a.envOr("OS_HA_API_VERSION", defaultHAAPIVersion),
		"ha API version, default="+defaultHAAPIVersion+" (Env: OS_HA_API_VERSION)")
	s(&g.identityAPIVersion, "os-identity-api-version", "Identity API version (only 3 is supported)", "OS_IDENTITY_API_VERSION")
	f.BoolVar(&g.debug, "debug", false, "Accepted for compatibility")
	f.CountVarP(&g.verbose, "verbose", "v", "Accepted for compatibility")
	f.BoolVarP(&g.quiet, "quiet", "q", false, "Accepted for compatibility")
	s(&g.timeout, "timeout", "Set request timeout (in seconds)")
}

func envHelp(env []string) string {
	if len(env) == 0 {
		return ""
	}
	return " (Env: " + env[0] + ")"
}

func (a *app) envOr(k, def string) string {
	if v := a.getenv(k); v != "" {
		return v
	}
	return def
}

func isTrue(s string) bool {
	switch strings.ToLower(s) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// settings is the resolved configuration: clouds.yaml under, then the
// OS_* variables and options over it.
//
// This merge stays here rather than in gophercloud's clouds.Parse (see
// cloudConfig): it is osc-lib's precedence (option > OS_* > clouds.yaml,
// --os-default-domain, the auth type guessed from what is set), and the
// TLS files are read here because clouds' TLS helper is unexported and
// reads OS_CACERT/OS_CERT/OS_KEY from the process environment itself.
type settings struct {
	authType                                                 string
	authURL, endpoint, username, userID, password            string
	projectName, projectID, userDomainName, userDomainID     string
	projectDomainName, projectDomainID, domainName, domainID string
	token, appCredID, appCredName, appCredSecret             string
	regionName, iface, cacert, cert, key                     string
	insecure                                                 bool
}

// resolve merges clouds.yaml (when --os-cloud or OS_CLOUD names a cloud)
// with the options, which win where set.
func (a *app) resolve() (settings, error) {
	var s settings
	g := a.g
	for _, sec := range []struct {
		p   *string
		env string
	}{{&g.password, "OS_PASSWORD"}, {&g.token, "OS_TOKEN"}, {&g.appCredSecret, "OS_APPLICATION_CREDENTIAL_SECRET"}} {
		if *sec.p == "" {
			*sec.p = a.env(sec.env)
		}
	}
	if g.cloud != "" {
		c, err := findCloud(a.getenv, g.cloud)
		if err != nil {
			return s, err
		}
		au := c.AuthInfo
		s = settings{
			authType: string(c.AuthType), authURL: au.AuthURL, endpoint: cmp.Or(c.InstanceHAEndpoint, c.AuthEndpoint),
			username: au.Username, userID: au.UserID, password: au.Password,
			projectName: cmp.Or(au.ProjectName, c.TenantName), projectID: cmp.Or(au.ProjectID, c.TenantID),
			userDomainName: au.UserDomainName, userDomainID: au.UserDomainID,
			projectDomainName: au.ProjectDomainName, projectDomainID: au.ProjectDomainID,
			domainName: au.DomainName, domainID: au.DomainID,
			token: au.Token, appCredID: au.ApplicationCredentialID,
			appCredName: au.ApplicationCredentialName, appCredSecret: au.ApplicationCredentialSecret,
			regionName: c.RegionName, iface: cmp.Or(c.EndpointType, c.Interface),
			cacert: c.CACertFile, cert: c.ClientCertFile, key: c.ClientKeyFile,
		}
		if c.Verify != nil && !*c.Verify {
			s.insecure = true
		}
		if c.HAAPIVersion != "" && a.getenv("OS_HA_API_VERSION") == "" && !a.versionFlagSet {
			a.g.haAPIVersion = c.HAAPIVersion
		}
	}
	over := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	over(&s.authType, g.authType)
	over(&s.authURL, g.authURL)
	over(&s.endpoint, g.endpoint)
	over(&s.username, g.username)
	over(&s.userID, g.userID)
	over(&s.password, g.password)
	over(&s.projectName, g.projectName)
	over(&s.projectID, g.projectID)
	over(&s.userDomainName, g.userDomainName)
	over(&s.userDomainID, g.userDomainID)
	over(&s.projectDomainName, g.projectDomainName)
	over(&s.projectDomainID, g.projectDomainID)
	over(&s.domainName, g.domainName)
	over(&s.domainID, g.domainID)
	over(&s.token, g.token)
	over(&s.appCredID, g.appCredID)
	over(&s.appCredName, g.appCredName)
	over(&s.appCredSecret, g.appCredSecret)
	over(&s.regionName, g.regionName)
	over(&s.iface, g.iface)
	over(&s.cacert, g.cacert)
	over(&s.cert, g.cert)
	over(&s.key, g.key)
	s.insecure = s.insecure || g.insecure
	if g.defaultDomain != "" {
		// --os-default-domain fills both domain ids when nothing else names them.
		if s.userDomainID == "" && s.userDomainName == "" {
			s.userDomainID = g.defaultDomain
		}
		if s.projectDomainID == "" && s.projectDomainName == "" {
			s.projectDomainID = g.defaultDomain
		}
	}
	if s.authType == "" {
		// osc-lib's choice when no type is given.
		switch {
		case s.appCredSecret != "":
			s.authType = "v3applicationcredential"
		case s.token != "" && s.endpoint != "" && s.authURL == "":
			s.authType = "token_endpoint"
		case s.token != "" && s.password == "":
			s.authType = "token"
		default:
			s.authType = "password"
		}
	}
	if s.iface == "" {
		s.iface = "public"
	}
	return s, nil
}

// availability maps --os-interface (public, publicURL, …) to gophercloud's.
func availability(iface string) (gophercloud.Availability, error) {
	switch strings.TrimSuffix(strings.ToLower(iface), "url") {
	case "public":
		return gophercloud.AvailabilityPublic, nil
	case "internal":
		return gophercloud.AvailabilityInternal, nil
	case "admin":
		return gophercloud.AvailabilityAdmin, nil
	}
	return "", cmdErrorf("Invalid interface %q: valid interface types are admin, public, internal", iface)
}

func (s settings) httpClient() (*http.Client, error) {
	tc := &tls.Config{InsecureSkipVerify: s.insecure} //nolint:gosec // --insecure asks for exactly this.
	if s.cacert != "" {
		pem, err := os.ReadFile(s.cacert)
		if err != nil {
			return nil, fmt.Errorf("read --os-cacert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, cmdErrorf("no certificate found in %s", s.cacert)
		}
		tc.RootCAs = pool
	}
	if s.cert != "" {
		keyFile := s.key
		if keyFile == "" {
			keyFile = s.cert
		}
		cert, err := tls.LoadX509KeyPair(s.cert, keyFile)
		if err != nil {
			return nil, fmt.Errorf("load client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	return &http.Client{Transport: tr}, nil
}

// authOptions are the gophercloud options for the resolved auth type.
func (s settings) authOptions() (gophercloud.AuthOptions, error) {
	ao := gophercloud.AuthOptions{IdentityEndpoint: s.authURL, AllowReauth: true}
	scope := &gophercloud.AuthScope{ProjectID: s.projectID, ProjectName: s.projectName,
		DomainID: s.projectDomainID, DomainName: s.projectDomainName}
	if s.projectID == "" && s.projectName == "" {
		scope = nil
		if s.domainID != "" || s.domainName != "" {
			scope = &gophercloud.AuthScope{DomainID: s.domainID, DomainName: s.domainName}
		}
	}
	switch s.authType {
	case "password", "v3password":
		if s.authURL == "" {
			return ao, cmdErrorf("Missing value auth-url required for auth plugin password")
		}
		ao.Username, ao.UserID, ao.Password = s.username, s.userID, s.password
		ao.DomainID, ao.DomainName = s.userDomainID, s.userDomainName
		ao.Scope = scope
	case "token", "v3token":
		if s.authURL == "" {
			return ao, cmdErrorf("Missing value auth-url required for auth plugin token")
		}
		ao.TokenID = s.token
		ao.Scope = scope
	case "v3applicationcredential", "applicationcredential":
		if s.authURL == "" {
			return ao, cmdErrorf("Missing value auth-url required for auth plugin v3applicationcredential")
		}
		ao.ApplicationCredentialID, ao.ApplicationCredentialName = s.appCredID, s.appCredName
		ao.ApplicationCredentialSecret = s.appCredSecret
		ao.Username, ao.UserID = s.username, s.userID
		ao.DomainID, ao.DomainName = s.userDomainID, s.userDomainName
	default:
		return ao, cmdErrorf("An auth plugin is required to determine endpoint URL")
	}
	return ao, nil
}

// connectAPI builds the instance-ha client the way the openstack CLI
// would for the resolved settings.
func connectAPI(ctx context.Context, a *app) (*api, error) {
	s, err := a.resolve()
	if err != nil {
		return nil, err
	}
	hc, err := s.httpClient()
	if err != nil {
		return nil, err
	}
	switch s.authType {
	case "none", "noauth", "token_endpoint", "admin_token":
		if s.endpoint == "" {
			return nil, cmdErrorf("Missing value endpoint required for auth plugin %s", s.authType)
		}
		c, err := v1.NewNoAuthClient(s.endpoint, hc)
		if err != nil {
			return nil, cmdErrorf("%s", err)
		}
		if s.authType != "none" && s.authType != "noauth" {
			c.ProviderClient.SetToken(s.token)
		}
		c.Microversion = a.microversion()
		endpoint := s.endpoint
		return &api{client: c, unreachable: func(string, error) error {
			return cmdErrorf("Unable to find a version discovery document at %s, the service is unavailable or misconfigured. Required version range (any - any), version hack disabled.", endpoint)
		}}, nil
	}
	ao, err := s.authOptions()
	if err != nil {
		return nil, err
	}
	avail, err := availability(s.iface)
	if err != nil {
		return nil, err
	}
	provider, err := config.NewProviderClient(ctx, ao, config.WithHTTPClient(*hc))
	if err != nil {
		return nil, authError(err, ao.IdentityEndpoint)
	}
	var c *gophercloud.ServiceClient
	if s.endpoint != "" {
		c = &gophercloud.ServiceClient{ProviderClient: provider, Endpoint: gophercloud.NormalizeURL(s.endpoint), Type: v1.ServiceType}
	} else {
		c, err = v1.NewInstanceHAV1(provider, gophercloud.EndpointOpts{Region: s.regionName, Availability: avail})
		if err != nil {
			return nil, endpointError(s)
		}
	}
	c.Microversion = a.microversion()
	return &api{client: c, unreachable: func(u string, err error) error {
		return cmdErrorf("Unable to establish connection to %s: %s", u, rootCause(err))
	}}, nil
}

// authError renders a keystone failure as keystoneauth would.
func authError(err error, authURL string) error {
	if gophercloud.ResponseCodeIs(err, http.StatusUnauthorized) {
		return cmdErrorf("The request you have made requires authentication. (HTTP 401)")
	}
	if gophercloud.ResponseCodeIs(err, http.StatusForbidden) {
		return cmdErrorf("You are not authorized to perform the requested action. (HTTP 403)")
	}
	return cmdErrorf("Failed to discover available identity versions when contacting %s. Attempting to parse version from URL.\nUnable to establish connection to %s: %s", authURL, authURL, rootCause(err))
}

func endpointError(s settings) error {
	region := s.regionName
	msg := "public endpoint for instance-ha service"
	if s.iface != "" {
		msg = s.iface + " endpoint for instance-ha service"
	}
	if region != "" {
		msg += " in " + region + " region"
	}
	return cmdErrorf("%s not found", msg)
}

func rootCause(err error) string {
	return err.Error()
}
