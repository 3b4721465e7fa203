package oidc

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateSignIn(t *testing.T) {
	t.Parallel()
	base := ProviderConfig{ConfigURL: "https://idp.example.com", Audiences: []string{"cli", "api"}}
	tests := []struct {
		name              string
		clientID, redirct string
		want              string // "" = valid
	}{
		{"neither", "", "", ""},
		{"client id only", "cli", "", ""},
		{"both", "cli", "https://s3.example.com/login/callback", ""},
		{"loopback http", "cli", "http://127.0.0.1:9000/login/callback", ""},
		{"client id not an audience", "other", "", "must also be an accepted audience"},
		{"redirect without client id", "", "https://s3.example.com/login/callback", "needs a client id"},
		{"wrong path", "cli", "https://s3.example.com/callback", "/login/callback"},
		{"query", "cli", "https://s3.example.com/login/callback?x=1", "without query"},
		{"plain http remote", "cli", "http://s3.example.com/login/callback", "use https"},
		{"space in client id", "c li", "", "spaces"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := base
			c.ClientID, c.RedirectURL = tc.clientID, tc.redirct
			c.Audiences = append([]string{"c li"}, c.Audiences...)
			err := c.WithDefaults().Validate(false)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate = %v, want ErrInvalidConfig with %q", err, tc.want)
			}
		})
	}
}

func TestSignInEnabled(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		c    ProviderConfig
		want bool
	}{
		{ProviderConfig{}, false},
		{ProviderConfig{ClientID: "x"}, false},
		{ProviderConfig{ClientID: "x", RedirectURL: "https://a/login/callback"}, true},
	} {
		if got := tc.c.SignInEnabled(); got != tc.want {
			t.Errorf("%+v: SignInEnabled = %v", tc.c, got)
		}
	}
}
