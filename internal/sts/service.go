package sts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fedstore/fedstore/internal/oidc"
	"github.com/fedstore/fedstore/internal/policy"
	"github.com/fedstore/fedstore/internal/state"
)

// Service is the web-identity exchange (it implements stsapi.Exchanger),
// the credential source of session keys (authn.CredentialSource), and the
// administration of sessions (list, revoke, explain, key rotation).
type Service struct {
	cfg     Config
	log     *slog.Logger
	keys    *keyring
	revoked *revocations
	sealer  sealer
	rec     *recorder
	opened  openCache // opened session tokens (opencache.go)

	randMu sync.Mutex // cfg.Rand need not be safe for concurrent use
	live   atomic.Int64

	stop   context.CancelFunc
	wg     sync.WaitGroup
	closed sync.Once
}

// New loads the sealing keys (creating the first one on a new store) and
// the revocations, then follows them by Watch and runs the session
// recorder and the cleanup routine until Close.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if err := cfg.applyDefaults(); err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, log: cfg.Logger, keys: newKeyring(), revoked: newRevocations()}
	s.opened.max = maxOpenCache
	followers := []*follower{
		{prefix: PrefixKeys, reset: s.keys.reset, apply: s.keys.apply},
		{prefix: PrefixRevoked, reset: s.revoked.resetKeys, apply: s.revoked.applyKey},
		{prefix: PrefixRevokedSubjects, reset: s.revoked.resetSubjects, apply: s.revoked.applySubject},
	}
	revs := make([]int64, len(followers))
	for i, f := range followers {
		f.st, f.log, f.retry = cfg.Store, s.log, 200*time.Millisecond
		rev, err := f.load(ctx)
		if err != nil {
			return nil, err
		}
		revs[i] = rev
	}
	if s.keys.currentKey() == nil {
		k, err := createKey(ctx, cfg.Store, s.lockedRand(), cfg.Clock())
		if err != nil {
			return nil, err
		}
		s.keys.add(k)
		s.log.Info("sts sealing key created", "key_id", k.hexID)
	}
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stop = stop
	s.rec = newRecorder(cfg.Store, cfg.BatchLinger, cfg.BatchMax, cfg.RecordWindow,
		cfg.TokenFormat == TokenFormatReference, runCtx.Done(), s.log)
	s.goRun(s.rec.run)
	for i, f := range followers {
		s.goRun(func() { f.run(runCtx, revs[i]) })
	}
	if cfg.CleanupInterval > 0 {
		s.goRun(func() { s.runCleanup(runCtx) })
	}
	return s, nil
}

func (s *Service) goRun(f func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
}

// Close stops the background routines and waits for them. Exchanges still
// running fail with ErrUnavailable. The store is not closed.
func (s *Service) Close() error {
	s.closed.Do(func() {
		s.stop()
		s.wg.Wait()
	})
	return nil
}

type lockedReader struct {
	mu *sync.Mutex
	r  io.Reader
}

func (l lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

func (s *Service) lockedRand() io.Reader { return lockedReader{mu: &s.randMu, r: s.cfg.Rand} }

// Credential alphabets. akDigits are the base32 digits [A-Z2-7] in byte
// order, so that access keys compare like the numbers they spell.
const (
	akDigits       = "234567ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// Session access key layout after the prefix: akTimeChars digits of the
// issue time (Unix seconds mod 2^25, big-endian, so that keys issued later
// sort after earlier ones and their records are appended at the end of the
// store's key space; the order wraps every 388 days) and akRandChars
// random digits (55 bits; a collision is detected when the session is
// recorded and the key drawn again).
const (
	akTimeChars = 5
	akRandChars = 11
	secretLen   = 40
	// maxIssueAttempts bounds the draws of an access key that collides
	// with a recorded session's.
	maxIssueAttempts = 3
)

// SessionAccessKeyPrefix starts every session access key, as on AWS.
const SessionAccessKeyPrefix = "ASIA"

// IsSessionAccessKey reports whether ak has the form of a session key:
// ASIA and 16 characters of [A-Z2-7].
func IsSessionAccessKey(ak string) bool {
	if len(ak) != 20 || !strings.HasPrefix(ak, SessionAccessKeyPrefix) {
		return false
	}
	for _, c := range ak[4:] {
		if (c < 'A' || c > 'Z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// newCredentials returns an access key issued at now, a 40-character
// secret and a nonce.
func (s *Service) newCredentials(now time.Time) (ak, secret string, nonce []byte, err error) {
	var b [akRandChars + secretLen + nonceLen]byte
	if _, err := io.ReadFull(s.lockedRand(), b[:]); err != nil {
		return "", "", nil, fmt.Errorf("sts: random: %w", err)
	}
	var k [len(SessionAccessKeyPrefix) + akTimeChars + akRandChars]byte
	copy(k[:], SessionAccessKeyPrefix)
	t := uint64(now.Unix())
	for i := len(SessionAccessKeyPrefix) + akTimeChars - 1; i >= len(SessionAccessKeyPrefix); i-- {
		k[i] = akDigits[t&31]
		t >>= 5
	}
	for i, c := range b[:akRandChars] {
		k[len(SessionAccessKeyPrefix)+akTimeChars+i] = akDigits[c&31]
	}
	var sec [secretLen]byte
	for i, c := range b[akRandChars : akRandChars+secretLen] {
		sec[i] = secretAlphabet[c&63]
	}
	return string(k[:]), string(sec[:]), b[akRandChars+secretLen:], nil
}

// verifyError maps an oidc error to the sts sentinel with its reason.
func verifyError(err error) error {
	reason := err.Error()
	var oe *oidc.Error
	if errors.As(err, &oe) {
		reason = oe.Reason
	}
	switch {
	case errors.Is(err, oidc.ErrExpiredToken):
		return fmt.Errorf("%w: %s", ErrExpiredToken, reason)
	case errors.Is(err, oidc.ErrIDPCommunication):
		return fmt.Errorf("%w: %s", ErrIDPCommunication, reason)
	case errors.Is(err, oidc.ErrInvalidToken):
		return fmt.Errorf("%w: %s", ErrInvalidIdentityToken, reason)
	}
	return fmt.Errorf("sts: verify token: %w", err)
}

// AssumeRoleWithWebIdentity implements stsapi.Exchanger: verify the token,
// map its roles and identity to policies, check the session policy, issue
// credentials, record the session durably, and answer.
func (s *Service) AssumeRoleWithWebIdentity(ctx context.Context, in WebIdentityInput) (*WebIdentityOutput, error) {
	claims, err := s.cfg.Verifier.Verify(ctx, in.WebIdentityToken)
	if err != nil {
		s.logRefusal(ctx, err, in)
		return nil, verifyError(err)
	}
	if len(in.PolicyArns) > 0 {
		return nil, fmt.Errorf("%w: PolicyArns are not supported by fedstore; pass the session policy inline as Policy", ErrInvalidParameter)
	}
	m := mapPolicies(s.cfg.Policies, claims, in.RoleArn)
	if len(m.Policies) == 0 {
		s.log.WarnContext(ctx, "sts exchange refused", "reason", m.Denied, "provider", claims.Provider,
			"issuer", claims.Issuer, "subject", claims.Subject, "source_ip", in.SourceIP)
		return nil, fmt.Errorf("%w: %s", ErrAccessDenied, m.Denied)
	}
	if in.Policy != "" {
		if _, err := policy.ParseIdentity([]byte(in.Policy)); err != nil {
			return nil, fmt.Errorf("%w: %s", ErrMalformedPolicy, policyErrText(err))
		}
	}
	now := s.cfg.Clock().UTC()
	exp := now.Add(in.Duration).Truncate(time.Second)
	roleName := m.RoleName
	if roleName == "" {
		roleName = "web-identity"
	}
	arn := "arn:aws:sts::" + s.cfg.AccountID + ":assumed-role/" + roleName + "/" + in.RoleSessionName
	p := &payload{
		Expires: exp.Unix(), Issued: now.UnixMilli(),
		Subject: claims.Subject, Policies: m.Policies, SessionPolicy: in.Policy, ARN: arn,
		SessionName: in.RoleSessionName, Provider: claims.Issuer, Claims: claims.StringClaims(),
	}
	sess := &Session{Subject: claims.Subject, Provider: claims.Provider, Issuer: claims.Issuer,
		Policies: m.Policies, SessionName: in.RoleSessionName, ARN: arn, SourceIP: in.SourceIP, IssuedAt: now, ExpiresAt: exp}
	tok, sealedLen, err := s.issue(ctx, p, sess, now)
	if err != nil {
		return nil, err
	}
	ak, secret := p.AccessKey, p.Secret
	s.live.Add(1)
	s.log.InfoContext(ctx, "sts session issued", "subject", claims.Subject, "provider", claims.Provider,
		"issuer", claims.Issuer, "roles", claims.Roles(""), "policies", m.Policies, "narrowed", m.Narrowed,
		"session_policy", in.Policy != "", "access_key", ak, "session_name", in.RoleSessionName,
		"expires", exp.Format(time.RFC3339), "source_ip", in.SourceIP)
	out := &WebIdentityOutput{
		AccessKeyID: ak, SecretAccessKey: secret, SessionToken: tok, Expiration: exp,
		SubjectFromWebIdentityToken: claims.Subject, AssumedRoleARN: arn,
		AssumedRoleID: ak + ":" + in.RoleSessionName, Provider: claims.Issuer, Audience: claims.MatchedAudience,
	}
	if in.Policy != "" {
		out.PackedPolicySize = (sealedLen*100 + MaxSessionTokenLen - 1) / MaxSessionTokenLen
	}
	return out, nil
}

// issue draws credentials into p and sess, makes the session token (sealed
// or reference, Config.TokenFormat) and records sess durably; it returns
// the token and the length of the sealed token (the token itself when
// sealed). An access key that collides with a recorded session's (the
// store refuses to overwrite it) is drawn again, up to maxIssueAttempts
// times.
func (s *Service) issue(ctx context.Context, p *payload, sess *Session, now time.Time) (string, int, error) {
	k := s.keys.currentKey()
	if k == nil {
		return "", 0, fmt.Errorf("%w: no sealing key", ErrUnavailable)
	}
	reference := s.cfg.TokenFormat == TokenFormatReference
	for attempt := 1; ; attempt++ {
		ak, secret, nonce, err := s.newCredentials(now)
		if err != nil {
			return "", 0, err
		}
		p.AccessKey, p.Secret, sess.AccessKey = ak, secret, ak
		var (
			tok       string
			sealedLen int
			b         []byte
		)
		if reference {
			tok, sealedLen, b, err = s.issueReference(k, p, sess, nonce)
		} else {
			tok, err = s.sealer.seal(k, p, nonce)
			sealedLen = len(tok)
		}
		if errors.Is(err, errTokenTooLarge) {
			return "", 0, fmt.Errorf("%w: the session policy, policy names and identity do not fit a %d-byte session token (%v); shorten the session policy", ErrPackedPolicyTooLarge, MaxSessionTokenLen, err)
		}
		if err != nil {
			return "", 0, err
		}
		if !reference {
			if b, err = json.Marshal(sess); err != nil {
				return "", 0, fmt.Errorf("sts: encode session: %w", err)
			}
		}
		err = s.rec.record(ctx, state.KV{Key: PrefixSessions + ak, Value: b}, now, sess.ExpiresAt)
		switch {
		case err == nil:
			// A reference token's session is not put in the opened-token
			// cache here: a session's first request reads its record once
			// (from the recorder's queue or the store, ~20 µs), and an
			// exchange that fills the cache with sessions nobody may use
			// cost the exchange CPU and the server ~40 MiB of RSS under
			// load.
			return tok, sealedLen, nil
		case ctx.Err() != nil:
			return "", 0, fmt.Errorf("sts: record session: %w", err)
		case errors.Is(err, state.ErrConflict) && attempt < maxIssueAttempts:
			s.log.WarnContext(ctx, "sts access key collision, drawing another", "access_key", ak, "attempt", attempt)
			continue
		case errors.Is(err, state.ErrConflict):
			return "", 0, fmt.Errorf("sts: record session: %d access keys drawn in a row collide with recorded sessions: %w", attempt, err)
		}
		return "", 0, fmt.Errorf("%w: the session could not be recorded: %v", ErrUnavailable, err)
	}
}

func policyErrText(err error) string {
	var ve *policy.ValidationError
	if errors.As(err, &ve) {
		return ve.Error()
	}
	return err.Error()
}

// logRefusal logs a failed verification: provider, issuer, kid, reason;
// never the token.
func (s *Service) logRefusal(ctx context.Context, err error, in WebIdentityInput) {
	attrs := []any{"error", err.Error(), "source_ip", in.SourceIP, "token_len", len(in.WebIdentityToken)}
	var oe *oidc.Error
	if errors.As(err, &oe) {
		attrs = append(attrs, "provider", oe.Provider, "issuer", oe.Issuer, "kid", oe.KeyID)
	}
	s.log.WarnContext(ctx, "sts exchange refused", attrs...)
}

// LiveSessions is the number of live session records at the last cleanup
// pass plus those this node issued since (the live-sessions gauge).
func (s *Service) LiveSessions() int64 { return s.live.Load() }
