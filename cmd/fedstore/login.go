package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fedstore/fedstore/internal/awsconfig"
	"github.com/fedstore/fedstore/internal/server"
	"github.com/fedstore/fedstore/internal/signin"
	"github.com/fedstore/fedstore/internal/signin/oauth"
)

const (
	defaultLoginProfile = "fedstore"
	loginRoleName       = "fedstore-login"
	loginCallbackPath   = "/callback"
	maxLoginAnswer      = 1 << 20
)

// loginOptions are the flags of `fedstore login`.
type loginOptions struct {
	endpoint, provider, profile, scope string
	device, open, noBrowser            bool
	duration, timeout                  time.Duration
	port                               int
}

// loginEnv are a login's dependencies (injected for tests).
type loginEnv struct {
	getenv func(string) string
	hc     *http.Client
	out    io.Writer // progress and the URL to open (stderr)
	clock  func() time.Time
	rand   io.Reader
}

func newLoginCmd(getenv func(string) string) *cobra.Command {
	var o loginOptions
	cmd := &cobra.Command{
		Use:   "login --endpoint URL [--provider NAME] [--profile NAME] [--device]",
		Short: "Sign in at your identity provider and store temporary S3 credentials in an AWS CLI profile",
		Long: `Sign in at your OpenID Connect identity provider and store temporary S3
credentials for fedstore in the AWS shared credentials file, so that
'aws --profile fedstore s3 ls' just works.

The provider is found through the server's public endpoint
(URL/_fedstore/providers: each provider's issuer and public client id). By
default the authorization code flow with PKCE runs through a loopback redirect
(http://127.0.0.1:PORT/callback): the sign-in URL is printed, and opened in a
browser with --open or when xdg-open exists (--no-browser to never open one).
With --device the device flow runs instead: open the printed URL on any device
and enter the code.

The ID token is exchanged at the server's STS (AssumeRoleWithWebIdentity); its
audience is the client id, which the provider must accept (--audience). The
credentials go to ~/.aws/credentials (or $AWS_SHARED_CREDENTIALS_FILE) under
[PROFILE] with aws_session_token and fedstore_expiration, and the endpoint to
~/.aws/config ([profile PROFILE] services = PROFILE-svc, and
[services PROFILE-svc] with s3 and sts endpoint_url). Other profiles and
comments are kept; both files are written atomically with mode 0600.

The ID and access tokens are never written to disk. The refresh token, if the
IdP issues one, is kept in $XDG_CONFIG_HOME/fedstore/login/PROFILE.json (mode
0600) so that 'fedstore credentials' can renew the credentials without a new
sign-in.`,
		Example: `  fedstore login --endpoint https://s3.example.com
  fedstore login --endpoint https://s3.example.com --provider keycloak --profile work
  fedstore login --endpoint https://s3.example.com --device
  aws --profile fedstore s3 ls`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env := loginEnv{getenv: getenv, hc: &http.Client{Timeout: 30 * time.Second}, out: cmd.ErrOrStderr(), clock: time.Now, rand: rand.Reader}
			ctx, cancel := context.WithTimeout(cmdContext(cmd), o.timeout)
			defer cancel()
			res, err := runLogin(ctx, env, o)
			if err != nil {
				return fmt.Errorf("login: %w", err)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "Signed in with %s as %s. Credentials for profile %q expire at %s.\nTry: aws --profile %s s3 ls\n",
				res.provider, res.subject, o.profile, res.creds.Expiration.UTC().Format(time.RFC3339), o.profile)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.endpoint, "endpoint", "", "fedstore's URL (default $"+envEndpoint+")")
	f.StringVar(&o.provider, "provider", "", "provider name (needed when several offer sign-in)")
	f.StringVar(&o.profile, "profile", defaultLoginProfile, "AWS CLI profile to write")
	f.StringVar(&o.scope, "scope", oauth.DefaultScope, "scopes to request (offline_access asks for a refresh token)")
	f.BoolVar(&o.device, "device", false, "use the device flow: enter a code on any device")
	f.BoolVar(&o.open, "open", false, "open the sign-in URL in a browser (xdg-open)")
	f.BoolVar(&o.noBrowser, "no-browser", false, "never open a browser; only print the URL")
	f.DurationVar(&o.duration, "duration", time.Hour, "session lifetime to ask for (the server bounds it)")
	f.DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long to wait for the sign-in")
	f.IntVar(&o.port, "port", 0, "loopback port for the redirect (0: any free port)")
	return cmd
}

type loginResult struct {
	provider, subject string
	creds             awsconfig.Credentials
}

// loginCache is what `fedstore credentials` needs to renew a profile. It
// holds the refresh token, never an ID or access token.
type loginCache struct {
	Endpoint     string `json:"endpoint"`
	Provider     string `json:"provider"`
	Issuer       string `json:"issuer"`
	ClientID     string `json:"client_id"`
	RoleArn      string `json:"role_arn"`
	Region       string `json:"region"`
	Duration     int64  `json:"duration_seconds"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

func runLogin(ctx context.Context, env loginEnv, o loginOptions) (loginResult, error) {
	if o.endpoint == "" {
		o.endpoint = env.getenv(envEndpoint)
	}
	o.endpoint = strings.TrimSuffix(strings.TrimSpace(o.endpoint), "/")
	if u, err := url.Parse(o.endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return loginResult{}, fmt.Errorf("--endpoint %q must be fedstore's http(s) URL", o.endpoint)
	}
	if err := checkProfileName(o.profile); err != nil {
		return loginResult{}, err
	}
	doc, err := fetchProviders(ctx, env.hc, o.endpoint)
	if err != nil {
		return loginResult{}, err
	}
	p, err := pickProvider(doc, o.provider)
	if err != nil {
		return loginResult{}, err
	}
	d, err := oauth.Discover(ctx, env.hc, p.Issuer)
	if err != nil {
		return loginResult{}, err //nolint:wrapcheck // names the URL and the reason
	}
	var tok oauth.Tokens
	if o.device {
		tok, err = deviceLogin(ctx, env, d, p.ClientID, o.scope)
	} else {
		tok, err = browserLogin(ctx, env, d, p.ClientID, o)
	}
	if err != nil {
		return loginResult{}, err
	}
	cache := loginCache{Endpoint: o.endpoint, Provider: p.Name, Issuer: p.Issuer, ClientID: p.ClientID,
		RoleArn: "arn:aws:iam::" + doc.AccountID + ":role/" + loginRoleName, Region: doc.Region,
		Duration: int64(o.duration / time.Second), RefreshToken: tok.RefreshToken}
	res, err := exchangeAndStore(ctx, env, o.profile, cache, tok.IDToken)
	if err != nil {
		return loginResult{}, err
	}
	paths, err := awsconfig.DefaultPaths(env.getenv)
	if err != nil {
		return loginResult{}, err //nolint:wrapcheck // says what is missing
	}
	if err := awsconfig.WriteEndpoint(paths.Config, o.profile, o.endpoint, doc.Region); err != nil {
		return loginResult{}, err //nolint:wrapcheck // names the file
	}
	if err := saveLoginCache(env.getenv, o.profile, cache); err != nil {
		return loginResult{}, err
	}
	return res, nil
}

func checkProfileName(p string) error {
	if p == "" || len(p) > 64 || strings.ContainsAny(p, "[]=#;/\\ \t\n\r") {
		return fmt.Errorf("--profile %q: use letters, digits, '-', '_' or '.'", p)
	}
	return nil
}

func fetchProviders(ctx context.Context, hc *http.Client, endpoint string) (server.ProvidersDocument, error) {
	var doc server.ProvidersDocument
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+server.PathProviders, nil)
	if err != nil {
		return doc, fmt.Errorf("providers: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return doc, fmt.Errorf("cannot reach fedstore at %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxLoginAnswer))
	if err != nil {
		return doc, fmt.Errorf("providers: %w", err)
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &doc) != nil {
		return doc, fmt.Errorf("%s%s answered HTTP %d, not a provider list: is this a fedstore server?", endpoint, server.PathProviders, resp.StatusCode)
	}
	return doc, nil
}

func pickProvider(doc server.ProvidersDocument, name string) (server.PublicProvider, error) {
	var usable []server.PublicProvider
	var names []string
	for _, p := range doc.Providers {
		if p.ClientID != "" {
			usable = append(usable, p)
			names = append(names, p.Name)
		}
	}
	if name != "" {
		for _, p := range doc.Providers {
			if p.Name == name {
				if p.ClientID == "" {
					return p, fmt.Errorf("provider %q has no public client id; an administrator sets one with 'fedstore oidc configure --client-id'", name)
				}
				return p, nil
			}
		}
		return server.PublicProvider{}, fmt.Errorf("no provider %q; providers with sign-in: %s", name, listOrNone(names))
	}
	switch len(usable) {
	case 0:
		return server.PublicProvider{}, errors.New("no provider of this server offers sign-in (none has a public client id; see 'fedstore oidc configure --client-id')")
	case 1:
		return usable[0], nil
	}
	return server.PublicProvider{}, fmt.Errorf("several providers offer sign-in, choose one with --provider: %s", strings.Join(names, ", "))
}

func listOrNone(n []string) string {
	if len(n) == 0 {
		return "none"
	}
	return strings.Join(n, ", ")
}

// browserLogin runs the authorization code flow with PKCE through a
// loopback redirect.
func browserLogin(ctx context.Context, env loginEnv, d oauth.Discovery, clientID string, o loginOptions) (oauth.Tokens, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(o.port)))
	if err != nil {
		return oauth.Tokens{}, fmt.Errorf("loopback redirect: %w", err)
	}
	redirect := "http://" + ln.Addr().String() + loginCallbackPath
	var state, nonce, verifier string
	for _, dst := range []*string{&state, &nonce, &verifier} {
		if *dst, err = oauth.RandomString(env.rand, 32); err != nil {
			_ = ln.Close()
			return oauth.Tokens{}, err //nolint:wrapcheck // says random
		}
	}
	type result struct {
		code string
		err  error
	}
	done := make(chan result, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != loginCallbackPath {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		var res result
		switch {
		case !signinEqual(q.Get("state"), state):
			res.err = errors.New("the redirect's state does not match this sign-in (forged or stale); no credentials were issued")
		case q.Get("error") != "":
			res.err = &oauth.Error{Code: q.Get("error"), Description: q.Get("error_description")}
		case q.Get("code") == "":
			res.err = errors.New("the identity provider sent no authorization code")
		default:
			res.code = q.Get("code")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		msg := "Signed in. You can close this window and return to the terminal."
		if res.err != nil {
			w.WriteHeader(http.StatusBadRequest)
			msg = "Sign-in failed: " + res.err.Error()
		}
		_, _ = fmt.Fprintf(w, "<!DOCTYPE html><title>fedstore login</title><p id=\"result\">%s</p>\n", html.EscapeString(msg))
		if f, ok := w.(http.Flusher); ok {
			f.Flush() // the page is out before the command may end
		}
		select {
		case done <- res:
		default:
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		// Shutdown, not Close: the handler that just answered the redirect
		// finishes its page first (Close cut it off: the browser showed a
		// dropped connection instead of the result).
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	authURL := d.AuthURL(oauth.AuthRequest{ClientID: clientID, RedirectURI: redirect, State: state, Nonce: nonce, Verifier: verifier, Scope: o.scope})
	if _, err := fmt.Fprintf(env.out, "Open this URL to sign in:\n\n  %s\n\nWaiting for the sign-in (redirect to %s)...\n", authURL, redirect); err != nil {
		return oauth.Tokens{}, fmt.Errorf("print: %w", err)
	}
	maybeOpenBrowser(env, o, authURL)
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		return oauth.Tokens{}, fmt.Errorf("no sign-in within the timeout: %w", ctx.Err())
	}
	if res.err != nil {
		return oauth.Tokens{}, res.err
	}
	tok, err := d.ExchangeCode(ctx, env.hc, clientID, res.code, redirect, verifier)
	if err != nil {
		return oauth.Tokens{}, err //nolint:wrapcheck // oauth errors say which request failed
	}
	claims, err := oauth.Claims(tok.IDToken)
	if err != nil {
		return oauth.Tokens{}, err //nolint:wrapcheck // as above
	}
	if n, _ := claims["nonce"].(string); !signinEqual(n, nonce) {
		return oauth.Tokens{}, errors.New("the ID token does not carry this sign-in's nonce; no credentials were issued")
	}
	return tok, nil
}

func maybeOpenBrowser(env loginEnv, o loginOptions, u string) {
	if o.noBrowser {
		return
	}
	xdg, err := exec.LookPath("xdg-open")
	if err != nil {
		if o.open {
			_, _ = fmt.Fprintln(env.out, "(--open: xdg-open not found; open the URL yourself)")
		}
		return
	}
	cmd := exec.Command(xdg, u)
	if err := cmd.Start(); err == nil {
		go func() { _ = cmd.Wait() }()
	}
}

// deviceLogin runs the device authorization grant.
func deviceLogin(ctx context.Context, env loginEnv, d oauth.Discovery, clientID, scope string) (oauth.Tokens, error) {
	a, err := d.StartDevice(ctx, env.hc, clientID, scope)
	if err != nil {
		return oauth.Tokens{}, err //nolint:wrapcheck // says what failed
	}
	show := a.VerificationURIComplete
	if show == "" {
		show = a.VerificationURI
	}
	if _, err := fmt.Fprintf(env.out, "To sign in, open %s and enter the code: %s\n(or open %s)\nWaiting for approval...\n",
		a.VerificationURI, a.UserCode, show); err != nil {
		return oauth.Tokens{}, fmt.Errorf("print: %w", err)
	}
	return d.PollDevice(ctx, env.hc, clientID, a) //nolint:wrapcheck // as above
}

func signinEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// exchangeAndStore trades an ID token at fedstore's STS and writes the
// credentials under profile.
func exchangeAndStore(ctx context.Context, env loginEnv, profile string, c loginCache, idToken string) (loginResult, error) {
	claims, err := oauth.Claims(idToken)
	if err != nil {
		return loginResult{}, err //nolint:wrapcheck // says why
	}
	sub, _ := claims["sub"].(string)
	creds, err := stsExchange(ctx, env.hc, c, signin.SessionName(sub), idToken)
	if err != nil {
		return loginResult{}, err
	}
	paths, err := awsconfig.DefaultPaths(env.getenv)
	if err != nil {
		return loginResult{}, err //nolint:wrapcheck // says what is missing
	}
	if err := awsconfig.WriteCredentials(paths.Credentials, profile, creds); err != nil {
		return loginResult{}, err //nolint:wrapcheck // names the file
	}
	return loginResult{provider: c.Provider, subject: sub, creds: creds}, nil
}

// stsExchange calls AssumeRoleWithWebIdentity (unsigned POST).
func stsExchange(ctx context.Context, hc *http.Client, c loginCache, sessionName, token string) (awsconfig.Credentials, error) {
	form := url.Values{
		"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"},
		"RoleArn": {c.RoleArn}, "RoleSessionName": {sessionName}, "WebIdentityToken": {token},
	}
	if c.Duration > 0 {
		form.Set("DurationSeconds", strconv.FormatInt(c.Duration, 10))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Endpoint+"/", strings.NewReader(form.Encode()))
	if err != nil {
		return awsconfig.Credentials{}, fmt.Errorf("sts: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return awsconfig.Credentials{}, fmt.Errorf("sts: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxLoginAnswer))
	if err != nil {
		return awsconfig.Credentials{}, fmt.Errorf("sts: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Code    string `xml:"Error>Code"`
			Message string `xml:"Error>Message"`
		}
		if xml.Unmarshal(body, &e) == nil && e.Code != "" {
			return awsconfig.Credentials{}, fmt.Errorf("fedstore's STS refused the token: %s: %s", e.Code, e.Message)
		}
		return awsconfig.Credentials{}, fmt.Errorf("fedstore's STS answered HTTP %d", resp.StatusCode)
	}
	var out struct {
		AK      string    `xml:"AssumeRoleWithWebIdentityResult>Credentials>AccessKeyId"`
		Secret  string    `xml:"AssumeRoleWithWebIdentityResult>Credentials>SecretAccessKey"`
		Token   string    `xml:"AssumeRoleWithWebIdentityResult>Credentials>SessionToken"`
		Expires time.Time `xml:"AssumeRoleWithWebIdentityResult>Credentials>Expiration"`
	}
	if err := xml.Unmarshal(body, &out); err != nil || out.AK == "" || out.Secret == "" || out.Token == "" {
		return awsconfig.Credentials{}, errors.New("fedstore's STS answer lacks credentials")
	}
	return awsconfig.Credentials{AccessKeyID: out.AK, SecretAccessKey: out.Secret, SessionToken: out.Token, Expiration: out.Expires}, nil
}

// loginCachePath is $XDG_CONFIG_HOME/fedstore/login/PROFILE.json.
func loginCachePath(getenv func(string) string, profile string) (string, error) {
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home := getenv("HOME")
		if home == "" {
			return "", errors.New("neither XDG_CONFIG_HOME nor HOME is set: no place for the refresh token cache")
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "fedstore", "login", profile+".json"), nil
}

func saveLoginCache(getenv func(string) string, profile string, c loginCache) error {
	p, err := loginCachePath(getenv, profile)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("login cache: %w", err)
	}
	return awsconfig.WriteFileAtomic(p, append(b, '\n')) //nolint:wrapcheck // names the file
}

// addSTSMinDurationFlag registers the hidden --sts-min-duration server
// flag: end-to-end tests lower AWS's 15-minute minimum session to watch
// credentials expire and renew.
func addSTSMinDurationFlag(fl *pflag.FlagSet, d *time.Duration) {
	fl.DurationVar(d, "sts-min-duration", 0, "shortest STS session (tests only; 0: AWS's 15m)")
	_ = fl.MarkHidden("sts-min-duration")
}
