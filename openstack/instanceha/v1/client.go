package v1

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gophercloud/gophercloud/v2"
)

// ServiceType is the keystone catalog type of the instance-ha service. It is
// also the service token of the OpenStack-API-Version request header.
const ServiceType = "instance-ha"

// NoAuthToken is the token sent when no keystone is involved. Masakari's and
// Lazarus's noauth2 middleware want some X-Auth-Token; openstacksdk sends the
// same value with --os-auth-type none.
const NoAuthToken = "notused"

// NewInstanceHAV1 returns a service client for the instance-ha v1 API found
// in the provider's service catalog (type "instance-ha" unless eo.Type says
// otherwise).
func NewInstanceHAV1(provider *gophercloud.ProviderClient, eo gophercloud.EndpointOpts) (*gophercloud.ServiceClient, error) {
	eo.ApplyDefaults(ServiceType)
	endpoint, err := provider.EndpointLocator(eo)
	if err != nil {
		return nil, fmt.Errorf("find the %s endpoint: %w", eo.Type, err)
	}
	return &gophercloud.ServiceClient{
		ProviderClient: provider,
		Endpoint:       gophercloud.NormalizeURL(endpoint),
		Type:           ServiceType,
	}, nil
}

// NewNoAuthClient returns a service client that talks to endpoint (for
// example http://127.0.0.1:15868/v1) without keystone, as the openstack CLI
// does with --os-auth-type none --os-endpoint URL. A nil httpClient means
// http.DefaultClient.
func NewNoAuthClient(endpoint string, httpClient *http.Client) (*gophercloud.ServiceClient, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("parse endpoint %q: %w", endpoint, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("parse endpoint %q: want an http or https URL", endpoint)
	}
	provider := &gophercloud.ProviderClient{}
	if httpClient != nil {
		provider.HTTPClient = *httpClient
	}
	provider.UseTokenLock()
	provider.SetToken(NoAuthToken)
	return &gophercloud.ServiceClient{
		ProviderClient: provider,
		Endpoint:       gophercloud.NormalizeURL(endpoint),
		Type:           ServiceType,
	}, nil
}

// GetRaw fetches url and returns the response body exactly as the server sent
// it, so callers that must reproduce the server's key order and number
// spelling (the CLI's output formatters) can decode it themselves.
func GetRaw(ctx context.Context, client *gophercloud.ServiceClient, url string) (json.RawMessage, error) {
	var raw json.RawMessage
	_, err := client.Get(ctx, url, &raw, &gophercloud.RequestOpts{OkCodes: []int{http.StatusOK}})
	if err != nil {
		return nil, err
	}
	return bytes.Clone(raw), nil
}
