package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// DeviceAuth is a device authorization answer (RFC 8628 3.2).
type DeviceAuth struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete,omitempty"`
	ExpiresIn               int64  `json:"expires_in"`
	Interval                int64  `json:"interval,omitempty"`
}

// StartDevice asks for a device code and user code.
func (d Discovery) StartDevice(ctx context.Context, hc *http.Client, clientID, scope string) (DeviceAuth, error) {
	if d.DeviceAuthorizationEndpoint == "" {
		return DeviceAuth{}, fmt.Errorf("%w: the identity provider %s does not offer the device flow (no device_authorization_endpoint)", ErrProtocol, d.Issuer)
	}
	if scope == "" {
		scope = DefaultScope
	}
	req, err := postForm(ctx, d.DeviceAuthorizationEndpoint, url.Values{"client_id": {clientID}, "scope": {scope}})
	if err != nil {
		return DeviceAuth{}, err
	}
	var a DeviceAuth
	if err := do(hc, req, &a); err != nil {
		return DeviceAuth{}, fmt.Errorf("oauth: device authorization: %w", err)
	}
	if a.DeviceCode == "" || a.UserCode == "" || a.VerificationURI == "" {
		return DeviceAuth{}, fmt.Errorf("%w: device authorization answer lacks device_code, user_code or verification_uri", ErrProtocol)
	}
	return a, nil
}

// PollDevice polls the token endpoint until the user approves (tokens),
// denies, or the code expires (an *Error), honouring slow_down.
func (d Discovery) PollDevice(ctx context.Context, hc *http.Client, clientID string, a DeviceAuth) (Tokens, error) {
	return d.pollDevice(ctx, hc, clientID, a, 5*time.Second)
}

func (d Discovery) pollDevice(ctx context.Context, hc *http.Client, clientID string, a DeviceAuth, def time.Duration) (Tokens, error) {
	interval := time.Duration(a.Interval) * time.Second
	if interval <= 0 {
		interval = def
	}
	if a.ExpiresIn > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(a.ExpiresIn)*time.Second)
		defer cancel()
	}
	form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "client_id": {clientID}, "device_code": {a.DeviceCode}}
	for {
		if err := sleepCtx(ctx, interval); err != nil {
			return Tokens{}, fmt.Errorf("oauth: device code not approved in time: %w", err)
		}
		t, err := d.token(ctx, hc, form)
		var oe *Error
		switch {
		case err == nil:
			return t, nil
		case errors.As(err, &oe) && oe.Code == "authorization_pending":
		case errors.As(err, &oe) && oe.Code == "slow_down":
			interval += def
		default:
			return Tokens{}, err
		}
	}
}
