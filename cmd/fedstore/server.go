package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/fedstore/fedstore/internal/observe"
	"github.com/fedstore/fedstore/internal/server"
)

// Environment variables the server reads.
const (
	envRootUser     = "FEDSTORE_ROOT_USER"
	envRootPassword = "FEDSTORE_ROOT_PASSWORD"
	envEtcdPassword = "FEDSTORE_ETCD_PASSWORD"
)

type serverFlags struct {
	dataDir   string
	address   string
	tlsCert   string
	tlsKey    string
	state     string
	region    string
	domain    string
	logFormat string
	logLevel  string
	// accessLogFlush: access-log lines wait in memory at most this long.
	accessLogFlush time.Duration
	dev            bool
	sts            stsServerFlags
	stsMin         time.Duration // hidden --sts-min-duration (tests; login.go)
	timeouts       timeoutFlags
	cluster        clusterServerFlags
	debug          debugFlags
}

// Bounds of --access-log-flush: write the access log in batches, as nginx's
// and Envoy's buffered access logs do; a line per write(2) was a few percent
// of a small GET's CPU.
const (
	defaultAccessLogFlush = 100 * time.Millisecond
	maxAccessLogFlush     = 10 * time.Second
)

func newServerCmd() *cobra.Command {
	return newServerCmdWithEnv(os.Getenv)
}

func newServerCmdWithEnv(getenv func(string) string) *cobra.Command {
	var f serverFlags
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the fedstore server (S3, STS and admin API on one port)",
		Long: `Run the fedstore server: the S3 API, the admin API (/_fedstore/admin/v1/),
health checks (/health/live, /health/ready) and Prometheus metrics (/metrics),
all on one address.

Objects are plain files under the data directory (DATA/BUCKET/KEY); fedstore's
own state lives in DATA/.fedstore.

With --state etcd the control state (providers, policies, sessions, keys) lives
in etcd instead, and several nodes sharing the etcd cluster and one data
directory (a shared filesystem) serve the same objects and sessions behind a
load balancer; see docs/cluster.md and 'fedstore cluster status'.

Root credentials come from FEDSTORE_ROOT_USER and FEDSTORE_ROOT_PASSWORD (both
or neither; user at least 3 characters, password at least 8). Without them, the
first start generates root credentials, stores them in
DATA/.fedstore/root-credentials.json (mode 0600) and prints them once; later
starts reuse them.

With --dev (loopback addresses only, plain http) the server also runs a
development identity provider under /_fedstore/dev-idp, configures the OIDC
provider "dev" against it (audience "fedstore", roles claim "roles"), creates
the sample policy "s3admin" (s3:* on *) unless one exists, and prints the AWS
CLI commands that exchange a token from 'fedstore dev token' for temporary
credentials. Its signing key is DATA/.fedstore/dev-idp-key.pem (mode 0600).

The server prints "fedstore listening on URL" when it accepts requests, and on
SIGINT or SIGTERM stops accepting, finishes in-flight requests (up to 30 s)
and closes its state store.`,
		Example: `  fedstore server --data /var/lib/fedstore
  FEDSTORE_ROOT_USER=admin FEDSTORE_ROOT_PASSWORD=change-me-now fedstore server
  fedstore server --address 0.0.0.0:9443 --tls-cert cert.pem --tls-key key.pem --log-format json
  fedstore server --dev --data /tmp/fedstore-dev
  fedstore server --state etcd --etcd-endpoints http://etcd-0:2379,http://etcd-1:2379 --data /mnt/shared/fedstore`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServer(cmd, f, getenv)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dataDir, "data", "./data", "data directory: objects and fedstore's state")
	fl.StringVar(&f.address, "address", server.DefaultAddress, "address to listen on (host:port; port 0 picks a free one)")
	fl.StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate file (PEM); serve HTTPS with --tls-key")
	fl.StringVar(&f.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	fl.StringVar(&f.state, "state", server.StateBolt, "state store: bolt (embedded, in the data directory) or etcd (a cluster of nodes; see --etcd-endpoints)")
	fl.StringVar(&f.region, "region", server.DefaultRegion, "region the server signs for and reports")
	fl.StringVar(&f.domain, "domain", "", "domain for virtual-hosted-style requests (BUCKET.DOMAIN)")
	fl.StringVar(&f.logFormat, "log-format", observe.FormatText, "log format: text or json (logs go to stderr)")
	fl.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fl.DurationVar(&f.accessLogFlush, "access-log-flush", defaultAccessLogFlush,
		"access-log lines (one per request) are written together, at the latest this long after the first waits\n"+
			"(any other line writes them first; 0 writes each at once; at most "+maxAccessLogFlush.String()+")")
	fl.BoolVar(&f.dev, "dev", false, "development mode: a built-in identity provider (loopback addresses only), the OIDC provider \"dev\" and a sample policy \"s3admin\"; prints the commands to try it")
	addSTSServerFlags(fl, &f.sts)
	addSTSMinDurationFlag(fl, &f.stsMin) // login.go
	addTimeoutServerFlags(fl, &f.timeouts)
	addClusterServerFlags(fl, &f.cluster)
	addDebugServerFlags(fl, &f.debug)
	return cmd
}

func runServer(cmd *cobra.Command, f serverFlags, getenv func(string) string) error {
	tuneGC(getenv) // gc.go
	if f.accessLogFlush < 0 || f.accessLogFlush > maxAccessLogFlush {
		return fmt.Errorf("--access-log-flush %s: must lie between 0 (every line at once) and %s", f.accessLogFlush, maxAccessLogFlush)
	}
	log, err := observe.NewBufferedLogger(cmd.ErrOrStderr(), f.logFormat, f.logLevel, f.accessLogFlush)
	if err != nil {
		return fmt.Errorf("--log-format/--log-level: %w", err)
	}
	srv, err := server.New(server.Config{
		DataDir:      f.dataDir,
		Address:      f.address,
		TLSCertFile:  f.tlsCert,
		TLSKeyFile:   f.tlsKey,
		State:        f.state,
		Region:       f.region,
		Domain:       f.domain,
		RootUser:     getenv(envRootUser),
		RootPassword: getenv(envRootPassword),
		Logger:       log,
		Stdout:       cmd.OutOrStdout(),
		Version:      version,
		Dev:          f.dev,

		STSMaxDuration:     f.sts.maxDuration,
		STSCleanupInterval: f.sts.cleanupInterval,
		STSRecordWindow:    f.sts.recordWindow,
		STSTokenFormat:     f.sts.tokenFormat,
		STSMinDuration:     f.stsMin,
		AccountID:          f.sts.accountID,
		STSRateLimit:       f.sts.rateLimit,

		ReadHeaderTimeout:   f.timeouts.readHeader,
		TransferIdleTimeout: f.timeouts.transferIdle,
		IdleTimeout:         f.timeouts.idle,

		EtcdEndpoints: f.cluster.etcdEndpoints,
		EtcdPrefix:    f.cluster.etcdPrefix,
		EtcdCAFile:    f.cluster.etcdCA,
		EtcdCertFile:  f.cluster.etcdCert,
		EtcdKeyFile:   f.cluster.etcdKey,
		EtcdUsername:  f.cluster.etcdUser,
		EtcdPassword:  getenv(envEtcdPassword),
		NodeID:        f.cluster.nodeID,
		AdvertiseURL:  f.cluster.advertiseURL,

		DebugAddress: f.debug.address,
	})
	if err != nil {
		return err //nolint:wrapcheck // server errors already say what failed
	}
	ctx, stop := signal.NotifyContext(cmdContext(cmd), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first signal, a second one ends the process at once.
		<-ctx.Done()
		stop()
	}()
	return srv.Run(ctx) //nolint:wrapcheck // as above
}

func cmdContext(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}
