package sts

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/fedstore/fedstore/internal/oidc"
	"github.com/fedstore/fedstore/internal/state"
)

// Defaults of Config.
const (
	// DefaultAccountID is the account in session ARNs unless --account-id
	// says otherwise.
	DefaultAccountID = "000000000000"
	// DefaultMaxDuration bounds sessions (AWS's API maximum, 12 h). Retired
	// signing keys and subject revocations are kept this long.
	DefaultMaxDuration = 12 * time.Hour
	// DefaultCleanupInterval is how often expired session records and
	// revocations are deleted.
	DefaultCleanupInterval = time.Minute
	// DefaultBatchMax caps the session records written in one transaction.
	DefaultBatchMax = 256
	// MaxSessionTokenLen is the longest session token issued (bytes).
	MaxSessionTokenLen = 2048
)

// Session token formats of Config.TokenFormat.
const (
	TokenFormatSealed    = "sealed"
	TokenFormatReference = "reference"
)

// Store key prefixes of the package (all under "sts/").
const (
	PrefixKeys            = "sts/keys/"
	PrefixSessions        = "sts/sessions/"
	PrefixRevoked         = "sts/revoked/"
	PrefixRevokedSubjects = "sts/revoked-subjects/"
)

// Verifier verifies web identity tokens; *oidc.Registry implements it.
type Verifier interface {
	Verify(ctx context.Context, raw string) (*oidc.Claims, error)
	Explain(ctx context.Context, raw string) oidc.Explanation
}

// Policies answers which IAM policies exist and which are attached to an
// identity; iam.Store implements it (from its cache, case-sensitive).
type Policies interface {
	HasPolicy(name string) bool
	AttachedPolicies(user string, groups []string) []string
}

// Config configures a Service. Store, Verifier and Policies are required.
type Config struct {
	Store    state.Store
	Verifier Verifier
	Policies Policies
	// AccountID fills session ARNs (DefaultAccountID when empty).
	AccountID string
	// MaxDuration is the server's longest session (DefaultMaxDuration when
	// zero): how long retired keys and subject revocations are kept.
	MaxDuration time.Duration
	// CleanupInterval: how often expired records are deleted
	// (DefaultCleanupInterval when zero; negative disables the routine).
	CleanupInterval time.Duration
	// BatchLinger is how long the session recorder waits for more records
	// before committing a batch (0: commit what is queued at once; under
	// load records queue while the previous commit runs).
	BatchLinger time.Duration
	// BatchMax caps the records of one commit (DefaultBatchMax when zero).
	BatchMax int
	// RecordWindow > 0 records sessions asynchronously in stores with
	// state.Batcher: an exchange returns once its record is queued and the
	// queue is committed at least every RecordWindow (see recorder). Zero:
	// each exchange waits for its record's commit.
	RecordWindow time.Duration
	// TokenFormat is the session tokens issued: TokenFormatSealed (the
	// default when empty: the token carries the session, sealed, and any
	// node opens it without the store) or TokenFormatReference (a 50-byte
	// token naming the session recorded under sts/sessions/; a node that
	// did not issue it reads the record). Every format is accepted
	// whichever is issued.
	TokenFormat string
	// Clock, Rand and Logger: time.Now, crypto/rand and a discarding
	// logger when nil.
	Clock  func() time.Time
	Rand   io.Reader
	Logger *slog.Logger
}

func (c *Config) applyDefaults() error {
	if c.Store == nil || c.Verifier == nil || c.Policies == nil {
		return errors.New("sts: Config.Store, Verifier and Policies are required")
	}
	if c.AccountID == "" {
		c.AccountID = DefaultAccountID
	}
	if c.MaxDuration <= 0 {
		c.MaxDuration = DefaultMaxDuration
	}
	if c.CleanupInterval == 0 {
		c.CleanupInterval = DefaultCleanupInterval
	}
	switch c.TokenFormat {
	case "":
		c.TokenFormat = TokenFormatSealed
	case TokenFormatSealed, TokenFormatReference:
	default:
		return fmt.Errorf("sts: unknown token format %q (want %q or %q)", c.TokenFormat, TokenFormatSealed, TokenFormatReference)
	}
	if c.BatchMax <= 0 {
		c.BatchMax = DefaultBatchMax
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}
