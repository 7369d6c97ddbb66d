package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// loginClient asks Keystone for status page tokens. It uses the system's
// certificate authorities.
var loginClient = &http.Client{Timeout: 10 * time.Second}

var _ PasswordLogin = (*KeystoneAuth)(nil)

// PasswordLogin implements PasswordLogin: a project-scoped password token
// from Keystone's POST /v3/auth/tokens at AuthURL. A 401 from Keystone is
// ErrUnauthorized.
func (k *KeystoneAuth) PasswordLogin(ctx context.Context, l LoginRequest) (string, time.Time, error) {
	if k.AuthURL == "" {
		return "", time.Time{}, fmt.Errorf("no keystone auth_url")
	}
	u := strings.TrimRight(k.AuthURL, "/")
	if !strings.HasSuffix(u, "/v3") {
		u += "/v3"
	}
	domain := map[string]string{"name": l.Domain}
	body := map[string]any{"auth": map[string]any{
		"identity": map[string]any{
			"methods":  []string{"password"},
			"password": map[string]any{"user": map[string]any{"name": l.Username, "domain": domain, "password": l.Password}},
		},
		"scope": map[string]any{"project": map[string]any{"name": l.Project, "domain": domain}},
	}}
	data, err := json.Marshal(body)
	if err != nil {
		return "", time.Time{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u+"/auth/tokens", bytes.NewReader(data))
	if err != nil {
		return "", time.Time{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := loginClient.Do(req)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("ask keystone for a token: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return "", time.Time{}, ErrUnauthorized
	case resp.StatusCode != http.StatusCreated:
		return "", time.Time{}, fmt.Errorf("keystone answered %s", resp.Status)
	}
	tok := resp.Header.Get("X-Subject-Token")
	if tok == "" {
		return "", time.Time{}, fmt.Errorf("keystone gave no X-Subject-Token")
	}
	var out struct {
		Token struct {
			ExpiresAt time.Time `json:"expires_at"`
		} `json:"token"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return "", time.Time{}, fmt.Errorf("decode keystone token: %w", err)
	}
	return tok, out.Token.ExpiresAt, nil
}
