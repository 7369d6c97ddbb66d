package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/config"

	"github.com/lazarus-ha/lazarus/monitors/event"
	v1 "github.com/lazarus-ha/lazarus/openstack/instanceha/v1"
	"github.com/lazarus-ha/lazarus/openstack/instanceha/v1/notifications"
)

// APIConfig configures an APISender.
type APIConfig struct {
	// Endpoint is the API base including /v1 (events go to
	// Endpoint+"/notifications"). Empty means the instance-ha endpoint of
	// the Keystone catalog.
	Endpoint string
	// AuthURL is Keystone v3; empty means no authentication (noauth2).
	AuthURL           string
	Username          string
	Password          string
	ProjectName       string
	UserDomainName    string
	ProjectDomainName string
	RegionName        string
	// Interface is the catalog interface. Default public, as Masakari's
	// monitors use.
	Interface string
	// RetryInterval is the wait between tries of one event. Default 10s.
	RetryInterval time.Duration
	// RetryMax is how many times one event is retried within a Send before
	// the batch gives up (the event stays spooled and Run tries again).
	RetryMax int
	// Timeout bounds one HTTP request. Default 30s.
	Timeout time.Duration
}

// APISender posts events to a Masakari-compatible POST /v1/notifications,
// the way masakari-monitors do: 2xx is delivered, 409 means the API already
// knows the notification (also delivered), anything else is retried.
//
// It talks through openstack/instanceha/v1 on a gophercloud client: the
// Keystone token is kept and, when the API answers 401 (expired or
// revoked), gophercloud authenticates again and repeats the request once.
type APISender struct {
	cfg APIConfig
	log *slog.Logger

	mu     sync.Mutex
	client *gophercloud.ServiceClient // nil until the first connect succeeds
}

// NewAPISender returns an APISender. It connects (and authenticates) on the
// first Send, so a monitor starts while Keystone is down.
func NewAPISender(cfg APIConfig, log *slog.Logger) *APISender {
	if cfg.RetryInterval <= 0 {
		cfg.RetryInterval = 10 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Interface == "" {
		cfg.Interface = "public"
	}
	return &APISender{cfg: cfg, log: log}
}

// masakariTime is how masakari-monitors encode generated_time: a naive UTC
// ISO 8601 timestamp with microseconds.
const masakariTime = "2006-01-02T15:04:05.000000"

// Send posts each event in order. After an event exhausts its retries the
// rest of the batch fails at once, so a dead API does not cost
// RetryMax×RetryInterval per spooled event.
func (s *APISender) Send(ctx context.Context, batch []*event.Event) []error {
	errs := make([]error, len(batch))
	for i, e := range batch {
		var err error
		for attempt := 0; ; attempt++ {
			err = s.post(ctx, e)
			if err == nil || attempt >= s.cfg.RetryMax || ctx.Err() != nil {
				break
			}
			s.log.Warn("post notification failed, retrying", "event_id", e.ID, "attempt", attempt+1, "err", err)
			t := time.NewTimer(s.cfg.RetryInterval)
			select {
			case <-ctx.Done():
				t.Stop()
			case <-t.C:
			}
		}
		if err != nil {
			for j := i; j < len(batch); j++ {
				errs[j] = err
			}
			return errs
		}
	}
	return errs
}

func (s *APISender) post(ctx context.Context, e *event.Event) error {
	c, err := s.connect(ctx)
	if err != nil {
		return err
	}
	payload := make(map[string]any, len(e.Notification.Payload))
	for k, v := range e.Notification.Payload {
		payload[k] = v
	}
	err = notifications.Create(ctx, c, notifications.CreateOpts{
		Type:          e.Notification.Type,
		Hostname:      e.Notification.Hostname,
		GeneratedTime: e.Notification.GeneratedTime.UTC().Format(masakariTime),
		Payload:       payload,
		EventID:       e.ID,
	}).Err
	switch {
	case err == nil:
		return nil
	case gophercloud.ResponseCodeIs(err, http.StatusConflict):
		s.log.Info("notification already known to the API", "event_id", e.ID)
		return nil
	}
	return fmt.Errorf("post notification: %w", err)
}

// connect returns the instance-ha client, authenticating to Keystone the
// first time (or talking noauth2 to Endpoint without an AuthURL).
func (s *APISender) connect(ctx context.Context) (*gophercloud.ServiceClient, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client != nil {
		return s.client, nil
	}
	hc := http.Client{Timeout: s.cfg.Timeout}
	if s.cfg.AuthURL == "" {
		if s.cfg.Endpoint == "" {
			return nil, errors.New("api_endpoint is required without auth_url")
		}
		c, err := v1.NewNoAuthClient(s.cfg.Endpoint, &hc)
		if err != nil {
			return nil, err
		}
		s.client = c
		return c, nil
	}
	provider, err := config.NewProviderClient(ctx, gophercloud.AuthOptions{
		IdentityEndpoint: s.cfg.AuthURL,
		Username:         s.cfg.Username,
		Password:         s.cfg.Password,
		DomainName:       s.cfg.UserDomainName,
		Scope:            &gophercloud.AuthScope{ProjectName: s.cfg.ProjectName, DomainName: s.cfg.ProjectDomainName},
		AllowReauth:      true,
	}, config.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("authenticate to keystone: %w", err)
	}
	var c *gophercloud.ServiceClient
	if s.cfg.Endpoint != "" {
		c = &gophercloud.ServiceClient{ProviderClient: provider, Endpoint: gophercloud.NormalizeURL(s.cfg.Endpoint), Type: v1.ServiceType}
	} else {
		c, err = v1.NewInstanceHAV1(provider, gophercloud.EndpointOpts{
			Region: s.cfg.RegionName, Availability: gophercloud.Availability(s.cfg.Interface),
		})
		if err != nil {
			return nil, fmt.Errorf("no %s instance-ha endpoint in the keystone catalog: %w", s.cfg.Interface, err)
		}
	}
	s.client = c
	return c, nil
}

// Close does nothing; it makes APISender a Sender.
func (s *APISender) Close() error { return nil }
