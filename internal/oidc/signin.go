package oidc

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// SignInCallbackPath is the path of fedstore's sign-in callback; a
// provider's RedirectURL must end with it.
const SignInCallbackPath = "/login/callback"

// SignInEnabled reports whether the sign-in page offers this provider: it
// has a public client id and a redirect URL.
func (c ProviderConfig) SignInEnabled() bool { return c.ClientID != "" && c.RedirectURL != "" }

// validateSignIn checks ClientID and RedirectURL (both optional; a
// redirect URL needs a client id).
func (c ProviderConfig) validateSignIn(insecureAllowHTTP bool) error {
	if len(c.ClientID) > maxConfigStringLen {
		return fmt.Errorf("%w: client id is longer than %d characters", ErrInvalidConfig, maxConfigStringLen)
	}
	if strings.ContainsFunc(c.ClientID, func(r rune) bool { return r < 0x21 || r == 0x7f }) {
		return fmt.Errorf("%w: client id %s must not contain spaces or control characters", ErrInvalidConfig, q(c.ClientID))
	}
	if c.ClientID != "" && !slices.Contains(c.Audiences, c.ClientID) {
		return fmt.Errorf("%w: client id %s must also be an accepted audience (add --audience %s): the ID tokens of interactive sign-in carry the client id as aud",
			ErrInvalidConfig, q(c.ClientID), c.ClientID)
	}
	if c.RedirectURL == "" {
		return nil
	}
	if c.ClientID == "" {
		return fmt.Errorf("%w: a redirect URL needs a client id (--client-id)", ErrInvalidConfig)
	}
	if len(c.RedirectURL) > maxConfigStringLen {
		return fmt.Errorf("%w: redirect URL is longer than %d characters", ErrInvalidConfig, maxConfigStringLen)
	}
	u, err := url.Parse(c.RedirectURL)
	if err != nil {
		return fmt.Errorf("%w: redirect URL %s is not a URL: %w", ErrInvalidConfig, q(c.RedirectURL), err)
	}
	if err := checkFetchURL(u, insecureAllowHTTP); err != nil {
		return fmt.Errorf("%w: redirect URL %s %w", ErrInvalidConfig, q(c.RedirectURL), err)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.Path != SignInCallbackPath {
		return fmt.Errorf("%w: redirect URL %s must be fedstore's URL followed by %s, without query or fragment",
			ErrInvalidConfig, q(c.RedirectURL), SignInCallbackPath)
	}
	return nil
}
