package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/lazarus-ha/lazarus/monitors/event"
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
type APISender struct {
	cfg    APIConfig
	log    *slog.Logger
	client *http.Client

	mu       sync.Mutex
	token    string
	expires  time.Time
	endpoint string
}

// NewAPISender returns an APISender.
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
	return &APISender{cfg: cfg, log: log, client: &http.Client{Timeout: cfg.Timeout},
		endpoint: strings.TrimRight(cfg.Endpoint, "/")}
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
	body, err := json.Marshal(map[string]any{"notification": map[string]any{
		"type":           e.Notification.Type,
		"hostname":       e.Notification.Hostname,
		"generated_time": e.Notification.GeneratedTime.UTC().Format(masakariTime),
		"payload":        e.Notification.Payload,
	}})
	if err != nil {
		return fmt.Errorf("encode notification: %w", err)
	}
	for reauth := 0; reauth < 2; reauth++ {
		token, endpoint, err := s.auth(ctx, reauth > 0)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/notifications", bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("build request: %w", err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("X-Lazarus-Event-Id", e.ID)
		if token != "" {
			req.Header.Set("X-Auth-Token", token)
		}
		resp, err := s.client.Do(req)
		if err != nil {
			return fmt.Errorf("post notification: %w", err)
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		switch {
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			return nil
		case resp.StatusCode == http.StatusConflict:
			s.log.Info("notification already known to the API", "event_id", e.ID)
			return nil
		case resp.StatusCode == http.StatusUnauthorized && token != "" && reauth == 0:
			continue
		default:
			return fmt.Errorf("post notification: HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(msg)))
		}
	}
	return errors.New("post notification: unauthorized after re-authentication")
}

// auth returns a token (empty without Keystone) and the endpoint.
func (s *APISender) auth(ctx context.Context, force bool) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.AuthURL == "" {
		if s.endpoint == "" {
			return "", "", errors.New("api_endpoint is required without auth_url")
		}
		return "", s.endpoint, nil
	}
	if !force && s.token != "" && time.Until(s.expires) > time.Minute {
		return s.token, s.endpoint, nil
	}
	var req struct {
		Auth struct {
			Identity struct {
				Methods  []string `json:"methods"`
				Password struct {
					User struct {
						Name     string            `json:"name"`
						Domain   map[string]string `json:"domain"`
						Password string            `json:"password"`
					} `json:"user"`
				} `json:"password"`
			} `json:"identity"`
			Scope struct {
				Project struct {
					Name   string            `json:"name"`
					Domain map[string]string `json:"domain"`
				} `json:"project"`
			} `json:"scope"`
		} `json:"auth"`
	}
	req.Auth.Identity.Methods = []string{"password"}
	u := &req.Auth.Identity.Password.User
	u.Name, u.Password, u.Domain = s.cfg.Username, s.cfg.Password, map[string]string{"name": s.cfg.UserDomainName}
	pr := &req.Auth.Scope.Project
	pr.Name, pr.Domain = s.cfg.ProjectName, map[string]string{"name": s.cfg.ProjectDomainName}
	body, err := json.Marshal(req)
	if err != nil {
		return "", "", fmt.Errorf("encode auth request: %w", err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(s.cfg.AuthURL, "/")+"/auth/tokens", bytes.NewReader(body))
	if err != nil {
		return "", "", fmt.Errorf("build auth request: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(hreq)
	if err != nil {
		return "", "", fmt.Errorf("authenticate to keystone: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return "", "", fmt.Errorf("authenticate to keystone: HTTP %d", resp.StatusCode)
	}
	var tok struct {
		Token struct {
			ExpiresAt time.Time `json:"expires_at"`
			Catalog   []struct {
				Type      string `json:"type"`
				Endpoints []struct {
					Interface string `json:"interface"`
					Region    string `json:"region"`
					URL       string `json:"url"`
				} `json:"endpoints"`
			} `json:"catalog"`
		} `json:"token"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&tok); err != nil {
		return "", "", fmt.Errorf("decode keystone token: %w", err)
	}
	s.token = resp.Header.Get("X-Subject-Token")
	s.expires = tok.Token.ExpiresAt
	if s.cfg.Endpoint == "" {
		s.endpoint = ""
		for _, svc := range tok.Token.Catalog {
			if svc.Type != "instance-ha" {
				continue
			}
			for _, ep := range svc.Endpoints {
				if ep.Interface == s.cfg.Interface && (s.cfg.RegionName == "" || ep.Region == s.cfg.RegionName) {
					s.endpoint = strings.TrimRight(ep.URL, "/")
				}
			}
		}
		if s.endpoint == "" {
			return "", "", fmt.Errorf("no %s instance-ha endpoint in the keystone catalog", s.cfg.Interface)
		}
	}
	return s.token, s.endpoint, nil
}

// Close does nothing; it makes APISender a Sender.
func (s *APISender) Close() error { return nil }
