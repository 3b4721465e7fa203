package etcd

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"log/slog"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"

	"github.com/fedstore/fedstore/internal/state"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultPrefix         = "/fedstore/"
	DefaultDialTimeout    = 5 * time.Second
	DefaultRequestTimeout = 5 * time.Second
	DefaultWatchQueue     = 4096
)

// Config says how to reach the etcd cluster. Endpoints is required; every
// other field has a default.
type Config struct {
	// Endpoints are the cluster's client URLs ("http://10.0.0.1:2379",
	// "https://etcd-0:2379", or host:port).
	Endpoints []string
	// Prefix is prepended to every key (default DefaultPrefix). Several
	// fedstore namespaces can share one cluster under different prefixes.
	Prefix string
	// DialTimeout bounds New's first contact with the cluster.
	DialTimeout time.Duration
	// RequestTimeout bounds every single call (Get, Put, Delete, List, the
	// start of Watch). Past it the call fails with state.ErrUnavailable.
	RequestTimeout time.Duration
	// TLS is a ready client TLS configuration. Alternatively give file
	// paths: CAFile (trusted CAs) and, for client certificates, CertFile
	// and KeyFile. Setting both TLS and a file path is an error.
	TLS                       *tls.Config
	CertFile, KeyFile, CAFile string
	// Username and Password authenticate against etcd's auth (optional).
	// The password is never logged.
	Username, Password string
	// WatchQueue bounds each watcher's undelivered events (default
	// DefaultWatchQueue); a watcher further behind has its channel closed.
	WatchQueue int
	// Logger receives the store's and the etcd client's warnings (default:
	// discard).
	Logger *slog.Logger
}

// LogValue keeps the password out of logs when a Config is logged.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Any("endpoints", c.Endpoints),
		slog.String("prefix", c.Prefix),
		slog.Bool("tls", c.TLS != nil || c.CAFile != "" || c.CertFile != ""),
		slog.String("username", c.Username),
		slog.Bool("password_set", c.Password != ""),
	)
}

// withDefaults validates c and fills in the defaults.
func (c Config) withDefaults() (Config, error) {
	bad := func(format string, args ...any) (Config, error) {
		return Config{}, fmt.Errorf("etcd state: %w: %s", state.ErrInvalid, fmt.Sprintf(format, args...))
	}
	if len(c.Endpoints) == 0 {
		return bad("no endpoints")
	}
	for _, e := range c.Endpoints {
		if e == "" {
			return bad("empty endpoint")
		}
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if len(bytes.Trim([]byte(c.Prefix), "\xff")) == 0 {
		return bad("prefix %q has no byte below 0xff", c.Prefix)
	}
	if c.DialTimeout < 0 || c.RequestTimeout < 0 || c.WatchQueue < 0 {
		return bad("negative timeout or queue size")
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.WatchQueue == 0 {
		c.WatchQueue = DefaultWatchQueue
	}
	files := c.CertFile != "" || c.KeyFile != "" || c.CAFile != ""
	if c.TLS != nil && files {
		return bad("both a TLS config and TLS file paths given")
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		return bad("client certificate and key must be given together")
	}
	if c.Password != "" && c.Username == "" {
		return bad("password without username")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// tlsConfig returns the client TLS configuration, or nil for plain text.
func (c Config) tlsConfig() (*tls.Config, error) {
	if c.TLS != nil {
		return c.TLS.Clone(), nil
	}
	if c.CertFile == "" && c.CAFile == "" {
		return nil, nil
	}
	info := transport.TLSInfo{CertFile: c.CertFile, KeyFile: c.KeyFile, TrustedCAFile: c.CAFile}
	cfg, err := info.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("etcd state: TLS files: %w", err)
	}
	cfg.MinVersion = tls.VersionTLS12
	return cfg, nil
}
