package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fedstore/fedstore/internal/authn"
	"github.com/fedstore/fedstore/internal/sts"
	"github.com/fedstore/fedstore/internal/stsapi"
)

// STS metric names (operations contract).
const (
	MetricSTSExchanges   = "fedstore_sts_exchanges_total"
	MetricSTSLiveSession = "fedstore_sts_sessions_live"
)

// STS defaults and bounds of Config.
const (
	DefaultSTSMaxDuration     = stsapi.DefaultMaxDuration
	DefaultSTSCleanupInterval = sts.DefaultCleanupInterval
	DefaultSTSRecordWindow    = 20 * time.Millisecond
	maxSTSRecordWindow        = time.Second
	DefaultAccountID          = sts.DefaultAccountID
	minSTSMaxDuration         = stsapi.DefaultMinDuration
	maxSTSMaxDuration         = 12 * time.Hour
	stsSetupLimit             = 30 * time.Second
)

// Values of Config.STSTokenFormat (--sts-token-format).
const (
	STSTokenAuto      = "auto"
	STSTokenSealed    = sts.TokenFormatSealed
	STSTokenReference = sts.TokenFormatReference
)

// validateSTS checks the STS settings (after defaults).
func (c *Config) validateSTS() error {
	if c.STSMaxDuration < minSTSMaxDuration || c.STSMaxDuration > maxSTSMaxDuration {
		return fmt.Errorf("%w: --sts-max-duration %s must lie between %s and %s", ErrConfig, c.STSMaxDuration, minSTSMaxDuration, maxSTSMaxDuration)
	}
	if c.STSMinDuration < 0 || c.STSMinDuration > c.STSMaxDuration {
		return fmt.Errorf("%w: --sts-min-duration %s must lie between 0 (AWS's 15m) and --sts-max-duration %s", ErrConfig, c.STSMinDuration, c.STSMaxDuration)
	}
	if c.STSRecordWindow < 0 || c.STSRecordWindow > maxSTSRecordWindow {
		return fmt.Errorf("%w: --sts-record-window %s must lie between 0 (wait for every commit) and %s", ErrConfig, c.STSRecordWindow, maxSTSRecordWindow)
	}
	switch c.STSTokenFormat {
	case STSTokenAuto, STSTokenSealed:
	case STSTokenReference:
		if c.State == StateEtcd {
			return fmt.Errorf("%w: --sts-token-format reference needs the embedded state store: with --state etcd every node must accept a session the moment another node issued it, from its token alone, so tokens are sealed (use auto or sealed)", ErrConfig)
		}
	default:
		return fmt.Errorf("%w: --sts-token-format %q must be auto, sealed or reference", ErrConfig, c.STSTokenFormat)
	}
	if c.STSCleanupInterval < time.Second {
		return fmt.Errorf("%w: --sts-cleanup-interval %s must be at least 1s", ErrConfig, c.STSCleanupInterval)
	}
	if len(c.AccountID) != 12 || c.AccountID != onlyDigits(c.AccountID) {
		return fmt.Errorf("%w: --account-id %q must be 12 digits", ErrConfig, c.AccountID)
	}
	return c.validateRateLimit()
}

func onlyDigits(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

func (c *Config) applySTSDefaults() {
	if c.STSMaxDuration == 0 {
		c.STSMaxDuration = DefaultSTSMaxDuration
	}
	if c.STSCleanupInterval == 0 {
		c.STSCleanupInterval = DefaultSTSCleanupInterval
	}
	if c.AccountID == "" {
		c.AccountID = DefaultAccountID
	}
	if c.STSTokenFormat == "" {
		c.STSTokenFormat = STSTokenAuto
	}
}

// stsTokenFormat resolves --sts-token-format: auto is reference on the
// embedded store (one node: the session records are its own) and sealed on
// etcd (a cluster).
func (c *Config) stsTokenFormat() string {
	if c.STSTokenFormat != STSTokenAuto {
		return c.STSTokenFormat
	}
	if c.State == StateEtcd {
		return sts.TokenFormatSealed
	}
	return sts.TokenFormatReference
}

// wireSTS builds the exchange service over the state store, the live OIDC
// registry and the IAM policies, mounts the STS API and registers its
// metrics. It returns the credential source that chains the root
// credentials and the sessions.
func (s *Server) wireSTS(root authn.CredentialSource, policies sts.Policies) (authn.CredentialSource, error) {
	ctx, cancel := context.WithTimeout(context.Background(), stsSetupLimit)
	defer cancel()
	svc, err := sts.New(ctx, sts.Config{
		Store:           s.store,
		Verifier:        s.OIDCRegistry(),
		Policies:        policies,
		AccountID:       s.cfg.AccountID,
		MaxDuration:     s.cfg.STSMaxDuration,
		CleanupInterval: s.cfg.STSCleanupInterval,
		RecordWindow:    s.cfg.STSRecordWindow,
		TokenFormat:     s.cfg.stsTokenFormat(),
		Clock:           s.clock,
		Rand:            s.rand,
		Logger:          s.log,
	})
	if err != nil {
		return nil, fmt.Errorf("server: sts: %w", err)
	}
	s.stsSvc = svc
	exchanges := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: MetricSTSExchanges,
		Help: "STS AssumeRoleWithWebIdentity requests by outcome (success, refused, error) and STS error code.",
	}, []string{"outcome", "code"})
	live := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: MetricSTSLiveSession,
		Help: "Live (unexpired) STS sessions: the count at the last cleanup pass plus those this node issued since.",
	}, func() float64 { return float64(svc.LiveSessions()) })
	if err := errors.Join(s.metrics.Registerer().Register(exchanges), s.metrics.Registerer().Register(live)); err != nil {
		return nil, fmt.Errorf("server: sts metrics: %w", err)
	}
	limiter, err := s.stsRateLimiter()
	if err != nil {
		return nil, err
	}
	s.sts = stsapi.New(stsapi.Config{
		Exchanger:   svc,
		Logger:      s.log,
		Clock:       s.clock,
		Rand:        s.rand,
		MaxDuration: s.cfg.STSMaxDuration,
		MinDuration: s.cfg.STSMinDuration,
		OnExchange:  func(outcome, code string) { exchanges.WithLabelValues(outcome, code).Inc() },
		RateLimiter: limiter,
	})
	return ChainSource{root, svc}, nil
}

// STS is the exchange service (nil before New returns).
func (s *Server) STS() *sts.Service { return s.stsSvc }

// closeSTS stops the STS background routines (before the store closes).
func (s *Server) closeSTS() {
	if s.stsSvc != nil {
		_ = s.stsSvc.Close()
	}
}

// ChainSource asks each source in turn; the next one is tried only when a
// source does not know the access key (authn.ErrInvalidAccessKeyId), so
// the root credentials come first and sessions (ASIA... keys) after.
type ChainSource []authn.CredentialSource

// keyOwner is a CredentialSource that can tell cheaply (without building
// the error of a miss) whether it knows an access key at all: when it does
// not, its LookupCredential returns authn.ErrInvalidAccessKeyId. A chain
// skips such a source unless it is the last, whose error is the chain's.
type keyOwner interface {
	ownsKey(accessKey string) bool
}

// LookupCredential implements authn.CredentialSource.
func (c ChainSource) LookupCredential(ctx context.Context, accessKey, sessionToken string) (authn.Credential, error) {
	var err error
	for i, src := range c {
		if o, ok := src.(keyOwner); ok && i < len(c)-1 && !o.ownsKey(accessKey) {
			continue
		}
		var cred authn.Credential
		cred, err = src.LookupCredential(ctx, accessKey, sessionToken)
		if err == nil || !errors.Is(err, authn.ErrInvalidAccessKeyId) {
			return cred, err
		}
	}
	if err == nil { // an empty chain
		err = unknownKeyError(accessKey)
	}
	return authn.Credential{}, err
}
