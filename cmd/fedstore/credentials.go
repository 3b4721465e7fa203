package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/fedstore/fedstore/internal/awsconfig"
	"github.com/fedstore/fedstore/internal/signin/oauth"
)

// processCredentials is the credential_process output (Version 1).
type processCredentials struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken"`
	Expiration      string `json:"Expiration"`
}

func newCredentialsCmd(getenv func(string) string) *cobra.Command {
	var profile string
	var before time.Duration
	cmd := &cobra.Command{
		Use:   "credentials --profile NAME",
		Short: "Print a profile's temporary credentials for AWS credential_process, renewing them when they expire",
		Long: `Print the temporary credentials 'fedstore login' stored under a profile, as the
JSON that the AWS CLI and SDKs read from a credential_process (Version 1,
AccessKeyId, SecretAccessKey, SessionToken, Expiration).

When they expire (or will within --refresh-before), they are renewed without a
new sign-in: the refresh token cached by 'fedstore login' is redeemed at the
identity provider (a rotated refresh token replaces the old one), the new ID
token is exchanged at fedstore's STS, and the credentials file is updated.
Without a usable refresh token, run 'fedstore login' again.

Use it from a second profile, because static keys in the credentials file
take precedence over credential_process in the same profile:

  [profile fedstore-auto]
  credential_process = fedstore credentials --profile fedstore
  services = fedstore-svc`,
		Example: `  fedstore credentials --profile fedstore
  aws --profile fedstore-auto s3 ls`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env := loginEnv{getenv: getenv, hc: &http.Client{Timeout: 30 * time.Second}, out: cmd.ErrOrStderr(), clock: time.Now, rand: rand.Reader}
			ctx, cancel := context.WithTimeout(cmdContext(cmd), 2*time.Minute)
			defer cancel()
			c, err := currentCredentials(ctx, env, profile, before)
			if err != nil {
				return fmt.Errorf("credentials: %w", err)
			}
			return writeProcessJSON(cmd.OutOrStdout(), c)
		},
	}
	cmd.Flags().StringVar(&profile, "profile", defaultLoginProfile, "profile written by 'fedstore login'")
	cmd.Flags().DurationVar(&before, "refresh-before", 2*time.Minute, "renew credentials that expire within this long")
	return cmd
}

func writeProcessJSON(w io.Writer, c awsconfig.Credentials) error {
	b, err := json.Marshal(processCredentials{Version: 1, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey,
		SessionToken: c.SessionToken, Expiration: c.Expiration.UTC().Format(time.RFC3339)})
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// currentCredentials returns the stored credentials, renewed first when
// they expire within before. Concurrent calls are serialized by a lock on
// the cache file, so one rotated refresh token is never redeemed twice.
func currentCredentials(ctx context.Context, env loginEnv, profile string, before time.Duration) (awsconfig.Credentials, error) {
	if err := checkProfileName(profile); err != nil {
		return awsconfig.Credentials{}, err
	}
	paths, err := awsconfig.DefaultPaths(env.getenv)
	if err != nil {
		return awsconfig.Credentials{}, err //nolint:wrapcheck // says what is missing
	}
	fresh := func() (awsconfig.Credentials, bool) {
		c, err := awsconfig.ReadCredentials(paths.Credentials, profile)
		if err != nil || c.AccessKeyID == "" || c.Expiration.IsZero() {
			return c, false
		}
		return c, c.Expiration.Sub(env.clock()) > before
	}
	if c, ok := fresh(); ok {
		return c, nil
	}
	cachePath, err := loginCachePath(env.getenv, profile)
	if err != nil {
		return awsconfig.Credentials{}, err
	}
	unlock, err := lockFile(cachePath + ".lock")
	if err != nil {
		return awsconfig.Credentials{}, err
	}
	defer unlock()
	if c, ok := fresh(); ok { // renewed by another process meanwhile
		return c, nil
	}
	b, err := os.ReadFile(cachePath)
	if errors.Is(err, fs.ErrNotExist) {
		return awsconfig.Credentials{}, fmt.Errorf("profile %q has no sign-in to renew (%s missing); run 'fedstore login --profile %s'", profile, cachePath, profile)
	}
	if err != nil {
		return awsconfig.Credentials{}, fmt.Errorf("login cache: %w", err)
	}
	var cache loginCache
	if err := json.Unmarshal(b, &cache); err != nil {
		return awsconfig.Credentials{}, fmt.Errorf("login cache %s is not valid JSON: %w", cachePath, err)
	}
	if cache.RefreshToken == "" {
		return awsconfig.Credentials{}, fmt.Errorf("the credentials of profile %q expired and the identity provider issued no refresh token; run 'fedstore login --profile %s'", profile, profile)
	}
	d, err := oauth.Discover(ctx, env.hc, cache.Issuer)
	if err != nil {
		return awsconfig.Credentials{}, err //nolint:wrapcheck // names the URL
	}
	tok, err := d.Refresh(ctx, env.hc, cache.ClientID, cache.RefreshToken)
	if err != nil {
		return awsconfig.Credentials{}, fmt.Errorf("renewal refused by the identity provider (%w); run 'fedstore login --profile %s'", err, profile)
	}
	if tok.RefreshToken != "" && tok.RefreshToken != cache.RefreshToken {
		// The old token is spent: keep the rotated one before anything else.
		cache.RefreshToken = tok.RefreshToken
		if err := saveLoginCache(env.getenv, profile, cache); err != nil {
			return awsconfig.Credentials{}, err
		}
	}
	res, err := exchangeAndStore(ctx, env, profile, cache, tok.IDToken)
	if err != nil {
		return awsconfig.Credentials{}, err
	}
	return res.creds, nil
}

// lockFile takes an exclusive flock on path (created 0600).
func lockFile(path string) (func(), error) {
	if err := os.MkdirAll(dirOf(path), 0o700); err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}

func dirOf(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[:i]
		}
	}
	return "."
}
