package stsapi

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/fedstore/fedstore/internal/sts"
)

// Bounds and defaults of the API.
const (
	// DefaultMaxDuration is the server's longest session unless
	// --sts-max-duration says otherwise (AWS's API maximum, 43200 s).
	DefaultMaxDuration = 12 * time.Hour
	// DefaultMinDuration is AWS's shortest session (900 s).
	DefaultMinDuration = 15 * time.Minute
	// DefaultDuration applies when DurationSeconds is absent (clamped to the
	// maximum).
	DefaultDuration = time.Hour
	// MaxBodyBytes limits a form body: a 20000-character token, a 2048-character
	// policy escaped three times over and the rest fit easily.
	MaxBodyBytes = 64 << 10
	// Version is the only STS API version.
	Version = "2011-06-15"
)

// Exchanger performs the web-identity exchange (package sts implements it).
// Its errors wrap sts.Err* sentinels; their text becomes the error Message.
type Exchanger interface {
	AssumeRoleWithWebIdentity(ctx context.Context, in sts.WebIdentityInput) (*sts.WebIdentityOutput, error)
}

// Config configures the handler. Exchanger is required.
type Config struct {
	Exchanger Exchanger
	// Logger receives one line per exchange (never a token or secret);
	// slog.Default() when nil.
	Logger *slog.Logger
	// Clock measures exchanges for the log; time.Now when nil.
	Clock func() time.Time
	// Rand makes request ids when the context carries none; crypto/rand when nil.
	Rand io.Reader
	// MaxDuration is the longest session (DefaultMaxDuration when zero).
	MaxDuration time.Duration
	// MinDuration is the shortest session (DefaultMinDuration when zero;
	// tests may lower it).
	MinDuration time.Duration
	// OnExchange, when set, is called once per request with its outcome
	// ("success", "refused" for any STS error code a client caused or the
	// exchange decided, "error" for InternalFailure) and the error code (""
	// on success): the metric of STS exchanges by outcome and reason.
	OnExchange func(outcome, code string)
	// RateLimiter, when set, is asked once per request with the client's
	// source IP before anything is read; a refusal answers Throttling (400)
	// and the exchange does not run (--sts-rate-limit).
	RateLimiter RateLimiter
}

// RateLimiter decides whether a source may make one more request
// (internal/ratelimit implements it).
type RateLimiter interface {
	Allow(key string) bool
}

// New returns the STS query API handler. It panics if cfg.Exchanger is nil
// (a wiring mistake), or if MinDuration exceeds MaxDuration.
func New(cfg Config) http.Handler {
	if cfg.Exchanger == nil {
		panic("stsapi: Config.Exchanger is nil")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.MaxDuration <= 0 {
		cfg.MaxDuration = DefaultMaxDuration
	}
	if cfg.MinDuration <= 0 {
		cfg.MinDuration = DefaultMinDuration
	}
	if cfg.OnExchange == nil {
		cfg.OnExchange = func(string, string) {}
	}
	if cfg.MinDuration > cfg.MaxDuration {
		panic("stsapi: Config.MinDuration exceeds Config.MaxDuration")
	}
	return &handler{cfg: cfg, log: cfg.Logger}
}

type handler struct {
	cfg  Config
	log  *slog.Logger
	bufs sync.Pool // *[]byte: response documents (xml.go)
}
