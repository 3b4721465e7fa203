package server

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/fedstore/fedstore/internal/rootcred"
)

// State store kinds accepted in Config.State.
const (
	StateBolt = "bolt"
	StateEtcd = "etcd"
)

// Defaults used when a Config field is left zero.
const (
	DefaultAddress         = "127.0.0.1:9000"
	DefaultRegion          = "us-east-1"
	DefaultShutdownTimeout = 30 * time.Second
	// DefaultMaxHeaderBytes bounds request headers; S3 itself allows 8 KiB of
	// user metadata, SigV4 headers and presigned tokens fit well within this.
	DefaultMaxHeaderBytes = 64 << 10
)

// ErrConfig marks a configuration error (bad flag or environment value).
var ErrConfig = errors.New("invalid configuration")

// Config is everything New needs. Zero values take the documented defaults.
type Config struct {
	// DataDir holds the objects (DATA/BUCKET/KEY) and fedstore's own files
	// under DATA/.fedstore (state store, root credentials). Required.
	DataDir string
	// Address to listen on, host:port; port 0 picks a free port (see Addr).
	Address string
	// TLSCertFile and TLSKeyFile, both or neither: serve HTTPS (TLS >= 1.2).
	TLSCertFile string
	TLSKeyFile  string
	// State names the state store implementation: "bolt" (default) or
	// "etcd" (a cluster: see cluster.go and docs/cluster.md).
	State string
	// EtcdEndpoints, EtcdPrefix (default "/fedstore/"), TLS files and
	// credentials of the etcd cluster (--state etcd). EtcdPassword comes
	// from FEDSTORE_ETCD_PASSWORD only.
	EtcdEndpoints []string
	EtcdPrefix    string
	EtcdCAFile    string
	EtcdCertFile  string
	EtcdKeyFile   string
	EtcdUsername  string
	EtcdPassword  string
	// NodeID names this node in the cluster registry (--node-id, default
	// HOSTNAME:PORT); AdvertiseURL is the URL other nodes and operators
	// reach it at (--advertise-url, default the listening URL).
	NodeID       string
	AdvertiseURL string
	// Region is the SigV4 region the server accepts and reports.
	Region string
	// Domain enables virtual-hosted-style addressing (BUCKET.Domain).
	Domain string
	// RootUser and RootPassword, both or neither (from FEDSTORE_ROOT_USER /
	// FEDSTORE_ROOT_PASSWORD). Neither: load them from the data dir, or
	// generate, store (0600) and print them once.
	RootUser     string
	RootPassword string

	// Version is reported by the admin API ("dev" when empty).
	Version string

	// STSMaxDuration is the longest STS session (--sts-max-duration,
	// default 12h, at least 15m, at most 12h).
	STSMaxDuration time.Duration
	// STSCleanupInterval is how often expired sessions and revocations are
	// deleted (--sts-cleanup-interval, default 1m).
	STSCleanupInterval time.Duration
	// STSRecordWindow > 0 records sessions in the embedded store
	// asynchronously, committing at least this often (--sts-record-window,
	// default DefaultSTSRecordWindow; at most 1s): an exchange does not
	// wait for its record, and a crash loses at most the records of the
	// last window (see docs/operations.md). Zero: each exchange waits for
	// its record's commit. The etcd store always records synchronously.
	STSRecordWindow time.Duration
	// STSTokenFormat is the session tokens issued (--sts-token-format):
	// STSTokenAuto (the default when empty: reference with the embedded
	// store, sealed with etcd), STSTokenSealed (the token carries the
	// session, sealed; any node opens it alone) or STSTokenReference (a
	// 50-byte token naming the session record; embedded store only, since
	// a cluster node must accept a session the moment another issued it,
	// without reading the store). Every node accepts every format.
	STSTokenFormat string
	// STSMinDuration is the shortest STS session (default AWS's 15m);
	// only tests lower it (hidden flag --sts-min-duration).
	STSMinDuration time.Duration
	// AccountID is the account in session ARNs (--account-id, 12 digits,
	// default 000000000000).
	AccountID string
	// STSRateLimit limits STS requests per source IP (--sts-rate-limit,
	// requests per second, burst the same number; 0 = no limit). Excess
	// requests get Throttling (400).
	STSRateLimit float64

	// Dev runs the built-in development identity provider (loopback
	// addresses only, plain http), configures the OIDC provider "dev"
	// against it and adds a sample policy (see oidc.go).
	Dev bool

	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
	// Stdout receives what people read once: generated credentials and the
	// "fedstore listening on URL" line. Nil discards it.
	Stdout io.Writer
	// Clock is the time source; nil means time.Now.
	Clock func() time.Time
	// Rand is the random source for request ids and generated credentials;
	// nil means crypto/rand.
	Rand io.Reader
	// ReadHeaderTimeout, TransferIdleTimeout and IdleTimeout bound slow
	// clients (--read-header-timeout, --transfer-idle-timeout,
	// --idle-timeout; see deadlines.go). Zero takes the default.
	ReadHeaderTimeout   time.Duration
	TransferIdleTimeout time.Duration
	IdleTimeout         time.Duration
	// DebugAddress, when set, is a loopback host:port where Run serves Go's
	// pprof profiles (--debug-address; see debug.go). Off by default.
	DebugAddress string
	// ShutdownTimeout bounds how long Run waits for in-flight requests after
	// its context ends (default 30 s); then connections are closed.
	ShutdownTimeout time.Duration
}

func (c *Config) applyDefaults() {
	if c.Address == "" {
		c.Address = DefaultAddress
	}
	if c.State == "" {
		c.State = StateBolt
	}
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Stdout == nil {
		c.Stdout = io.Discard
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	c.applySTSDefaults()
	c.applyTimeoutDefaults()
}

func (c *Config) validate() error {
	if c.DataDir == "" {
		return fmt.Errorf("%w: the data directory (--data) must not be empty", ErrConfig)
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		return fmt.Errorf("%w: --tls-cert and --tls-key must be given together", ErrConfig)
	}
	switch c.State {
	case StateBolt:
	case StateEtcd:
		if len(c.EtcdEndpoints) == 0 {
			return fmt.Errorf("%w: --state etcd needs --etcd-endpoints", ErrConfig)
		}
	default:
		return fmt.Errorf("%w: unknown state store %q (want bolt or etcd)", ErrConfig, c.State)
	}
	if err := c.validateCluster(); err != nil {
		return err
	}
	if err := c.validateDev(); err != nil {
		return err
	}
	if err := c.validateSTS(); err != nil {
		return err
	}
	if err := c.validateTimeouts(); err != nil {
		return err
	}
	if err := c.validateDebug(); err != nil {
		return err
	}
	return validateRootPair(c.RootUser, c.RootPassword)
}

// validateRootPair checks root credentials given through the environment,
// with the same rules as stored ones (rootcred).
func validateRootPair(user, password string) error {
	switch {
	case user == "" && password == "":
		return nil
	case user == "":
		return fmt.Errorf("%w: %s is set but %s is not (set both or neither)", ErrConfig, rootcred.EnvPassword, rootcred.EnvUser)
	case password == "":
		return fmt.Errorf("%w: %s is set but %s is not (set both or neither)", ErrConfig, rootcred.EnvUser, rootcred.EnvPassword)
	}
	if err := (rootcred.Credentials{AccessKey: user, SecretKey: password}).Validate(); err != nil {
		return fmt.Errorf("%w: %s / %s: %w", ErrConfig, rootcred.EnvUser, rootcred.EnvPassword, err)
	}
	return nil
}
