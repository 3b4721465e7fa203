package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fedstore/fedstore/internal/devidp"
	"github.com/fedstore/fedstore/internal/iam"
	"github.com/fedstore/fedstore/internal/oidc"
	"github.com/fedstore/fedstore/internal/oidcstore"
)

// Development mode (--dev) settings.
const (
	DevProviderName = "dev"
	DevPolicyName   = "s3admin"
	// DevPolicy is the sample policy --dev creates when none of that name
	// exists: everything S3 can do, on everything.
	DevPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "DevAdmin", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}
  ]
}`
	devSetupLimit = 30 * time.Second
)

// oidcParts are the OIDC pieces of a server: the provider store (and its
// live registry), and in --dev mode the built-in IdP.
type oidcParts struct {
	providers *oidcstore.Store
	dev       *devidp.IdP
	devHTTP   http.Handler
	wg        sync.WaitGroup
}

// OIDCProviders is the provider store; its Registry() verifies tokens
// (sts.Exchanger uses Verify/Explain).
func (s *Server) OIDCProviders() *oidcstore.Store { return s.oidc.providers }

// OIDCRegistry is the live registry of configured providers.
func (s *Server) OIDCRegistry() *oidc.Registry { return s.oidc.providers.Registry() }

// wireOIDC loads the stored providers (without contacting the IdPs) and,
// with --dev, prepares the built-in IdP and its signing key.
func (s *Server) wireOIDC() error {
	m, err := oidcstore.NewMetrics(s.metrics.Registerer())
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	s.oidc.providers = oidcstore.New(s.store, oidcstore.Options{
		Provider: oidc.Options{Metrics: m, Logger: s.log, Clock: s.clock},
		Logger:   s.log,
		Clock:    s.clock,
	})
	ctx, cancel := context.WithTimeout(context.Background(), devSetupLimit)
	defer cancel()
	if err := s.oidc.providers.Load(ctx); err != nil {
		return fmt.Errorf("server: %w", err)
	}
	if !s.cfg.Dev {
		return nil
	}
	key, err := devidp.LoadOrCreateKey(filepath.Join(s.cfg.DataDir, metaDirName, devidp.KeyFileName), s.rand)
	if err != nil {
		return fmt.Errorf("server: --dev: %w", err)
	}
	idp, err := devidp.New(s.URL()+devidp.PathPrefix, key, s.clock)
	if err != nil {
		return fmt.Errorf("server: --dev: %w", err)
	}
	s.oidc.dev, s.oidc.devHTTP = idp, idp.Handler()
	return nil
}

// isDevIdPRequest: an unsigned GET/HEAD under the dev IdP's path (--dev).
func (s *Server) isDevIdPRequest(r *http.Request) bool {
	return s.oidc.devHTTP != nil && strings.HasPrefix(r.URL.Path, devidp.PathPrefix+"/") && !hasSigV4Header(r)
}

// startOIDC runs the provider store (watch, JWKS refresh) and, with --dev,
// configures the dev provider against the now-serving IdP and prints the
// commands to try it. The returned func stops everything and waits.
func (s *Server) startOIDC(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	s.oidc.wg.Add(1)
	go func() {
		defer s.oidc.wg.Done()
		_ = s.oidc.providers.Run(ctx)
	}()
	if s.oidc.dev != nil {
		s.oidc.wg.Add(1)
		go func() {
			defer s.oidc.wg.Done()
			if err := s.setupDev(ctx); err != nil {
				s.log.Error("--dev setup failed", slog.String("error", err.Error()))
				_, _ = fmt.Fprintf(s.cfg.Stdout, "fedstore --dev: setup failed: %v\n", err)
			}
		}()
	}
	return func() {
		cancel()
		s.oidc.wg.Wait()
	}
}

// setupDev configures the provider "dev", records the issuer for `fedstore
// dev token`, adds the sample policy if missing and prints the commands.
func (s *Server) setupDev(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, devSetupLimit)
	defer cancel()
	idp := s.oidc.dev
	if _, _, err := s.oidc.providers.Configure(ctx, oidc.ProviderConfig{
		Name: DevProviderName, ConfigURL: idp.Issuer(), Audiences: []string{devidp.DefaultAudience},
		ClaimName: oidc.DefaultClaimName,
	}); err != nil {
		return fmt.Errorf("configure provider %q: %w", DevProviderName, err)
	}
	info := devidp.Info{Issuer: idp.Issuer(), Audience: devidp.DefaultAudience, Provider: DevProviderName}
	if err := devidp.WriteInfo(filepath.Join(s.cfg.DataDir, metaDirName, devidp.InfoFileName), info); err != nil {
		return err
	}
	created, err := s.addDevPolicy(ctx)
	if err != nil {
		return err
	}
	policyNote := "kept the existing policy"
	if created {
		policyNote = "created the sample policy"
	}
	s.log.Info("development mode ready", slog.String("issuer", idp.Issuer()), slog.String("provider", DevProviderName),
		slog.String("policy", DevPolicyName), slog.Bool("policy_created", created))
	_, err = fmt.Fprint(s.cfg.Stdout, s.devInstructions(policyNote))
	return err
}

// addDevPolicy creates the sample policy unless one of that name exists.
func (s *Server) addDevPolicy(ctx context.Context) (bool, error) {
	st := s.iam
	if st == nil {
		var err error
		if st, err = iam.New(ctx, s.store, iam.Options{Logger: s.log, Clock: s.clock}); err != nil {
			return false, fmt.Errorf("sample policy: %w", err)
		}
		defer st.Close()
	}
	if st.HasPolicy(DevPolicyName) {
		return false, nil
	}
	if _, _, err := st.PutPolicy(ctx, DevPolicyName, []byte(DevPolicy)); err != nil {
		return false, fmt.Errorf("sample policy %q: %w", DevPolicyName, err)
	}
	return true, nil
}

// devInstructions are the ready-to-paste commands printed at start.
func (s *Server) devInstructions(policyNote string) string {
	url := s.URL()
	data := s.cfg.DataDir
	if strings.ContainsAny(data, " \t'\"$\\") {
		data = "'" + strings.ReplaceAll(data, "'", `'\''`) + "'"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `
fedstore --dev: development identity provider at %[1]s
  OIDC provider %[2]q (audience %[3]q, roles claim "roles"); %[4]s %[5]q (s3:* on *).
  Development only: anyone who can read %[6]s can mint tokens.

Try it with the AWS CLI (in another shell):

  fedstore dev token --data %[7]s --roles %[5]s > token
  export AWS_ENDPOINT_URL=%[8]s AWS_DEFAULT_REGION=%[9]s
  aws sts assume-role-with-web-identity --endpoint-url %[8]s --role-arn arn:aws:iam::%[10]s:role/%[5]s \
    --role-session-name dev --web-identity-token file://token \
    --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text > creds
  export AWS_ACCESS_KEY_ID=$(cut -f1 creds) AWS_SECRET_ACCESS_KEY=$(cut -f2 creds) AWS_SESSION_TOKEN=$(cut -f3 creds)
  aws s3 ls

`, s.oidc.dev.Issuer(), DevProviderName, devidp.DefaultAudience, policyNote, DevPolicyName,
		filepath.Join(s.cfg.DataDir, metaDirName, devidp.KeyFileName), data, url, s.cfg.Region, s.cfg.AccountID)
	return b.String()
}

// validateDev refuses --dev on an address other machines can reach, and
// with TLS (the dev IdP is plain http on loopback).
func (c *Config) validateDev() error {
	if !c.Dev {
		return nil
	}
	if err := devidp.CheckLoopback(c.Address); err != nil {
		return fmt.Errorf("%w: --dev: %w", ErrConfig, err)
	}
	if c.TLSCertFile != "" {
		return fmt.Errorf("%w: --dev serves plain http on a loopback address; drop --tls-cert and --tls-key", ErrConfig)
	}
	return nil
}
