package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fedstore/fedstore/internal/cluster"
	"github.com/fedstore/fedstore/internal/iam"
	"github.com/fedstore/fedstore/internal/object/posix"
	"github.com/fedstore/fedstore/internal/observe"
	"github.com/fedstore/fedstore/internal/state"
	"github.com/fedstore/fedstore/internal/sts"
)

// metaDirName is fedstore's own directory inside the data dir.
const metaDirName = ".fedstore"

// Server is one running fedstore node.
type Server struct {
	cfg Config
	log *slog.Logger
	// accessLog's handler: its lines may wait in memory for a moment when
	// the logger was made with observe.NewBufferedLogger.
	accessLines slog.Handler
	clock       func() time.Time
	rand        io.Reader
	metrics     *observe.Metrics

	store state.Store
	// objects is the object backend; Close checkpoints its journal.
	objects *posix.Backend
	oidc    oidcParts
	// iam holds policies and attachments (read by STS and authorization).
	iam    *iam.Store
	stsSvc *sts.Service
	// cluster is this node's entry in the node registry (cluster.go).
	cluster *cluster.Registry

	// Mounted handlers; sts stays nil until the STS API exists.
	s3             http.Handler
	admin          http.Handler
	sts            http.Handler
	signin         http.Handler // sign-in page and public providers list (signin.go)
	metricsHandler http.Handler

	listener net.Listener
	scheme   string
	httpSrv  *http.Server

	closeOnce sync.Once
	closeErr  error

	debug debugState // the opt-in pprof listener (debug.go)
}

// New validates cfg, loads the TLS pair, binds the listener, then opens the
// state store and the object backend, resolves the root credentials
// (printing generated ones once to cfg.Stdout) and builds the APIs. Bad
// configuration is refused before anything is written. Run serves; a Server
// that is never Run must be Closed.
func New(cfg Config) (*Server, error) {
	cfg.applyDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:         cfg,
		log:         cfg.Logger,
		accessLines: observe.Deferred(cfg.Logger.Handler()),
		clock:       cfg.Clock,
		rand:        cfg.Rand,
		metrics:     observe.NewMetrics(),
		scheme:      "http",
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	s.metricsHandler = s.metrics.Handler()

	var tlsConf *tls.Config
	if cfg.TLSCertFile != "" {
		var err error
		if tlsConf, err = loadTLS(cfg.TLSCertFile, cfg.TLSKeyFile); err != nil {
			return nil, err
		}
		s.scheme = "https"
	}
	// Listen first: a busy port must not leave generated credentials behind
	// that nobody saw.
	ln, err := net.Listen("tcp", cfg.Address)
	if err != nil {
		return nil, fmt.Errorf("server: listen on %s: %w", cfg.Address, err)
	}
	s.listener = ln
	s.httpSrv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    DefaultMaxHeaderBytes,
		TLSConfig:         tlsConf,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if err := s.open(); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// open prepares the data dir, opens the state store, resolves the root
// credentials and builds the APIs.
func (s *Server) open() error {
	if s.cfg.State == StateEtcd {
		// A remote store first: an unreachable cluster leaves nothing behind.
		store, err := openStore(s.cfg)
		if err != nil {
			return err
		}
		s.store = store
	}
	// Objects are plain files others may be allowed to read (group); fedstore's
	// own files are private.
	if err := os.MkdirAll(s.cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("server: data directory: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(s.cfg.DataDir, metaDirName), 0o700); err != nil {
		return fmt.Errorf("server: data directory: %w", err)
	}
	if s.store == nil {
		store, err := openStore(s.cfg)
		if err != nil {
			return err
		}
		s.store = store
	}
	creds, err := s.rootCredentials()
	if err != nil {
		return err
	}
	if err := s.wire(creds); err != nil {
		return err
	}
	if creds.generated {
		return s.printGenerated(creds)
	}
	return nil
}

// Addr is the address the server listens on (the real port when cfg.Address
// asked for port 0).
func (s *Server) Addr() net.Addr { return s.listener.Addr() }

// URL is the base URL clients use: scheme://host:port, with an unspecified
// listen address (0.0.0.0, ::) shown as 127.0.0.1.
func (s *Server) URL() string {
	host, port, err := net.SplitHostPort(s.Addr().String())
	if err != nil {
		return s.scheme + "://" + s.Addr().String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return s.scheme + "://" + net.JoinHostPort(host, port)
}

// Metrics exposes the registry so later components register their collectors.
func (s *Server) Metrics() *observe.Metrics { return s.metrics }

// Run (once) serves until ctx is done, then stops accepting connections, waits up to
// cfg.ShutdownTimeout for in-flight requests, closes what is left and the
// state store. It returns nil after a clean shutdown.
func (s *Server) Run(ctx context.Context) error {
	stopDebug, err := s.startDebug(ctx)
	if err != nil {
		_ = s.Close()
		return err
	}
	defer stopDebug()
	serveErr := make(chan error, 1)
	go func() {
		if s.httpSrv.TLSConfig != nil {
			// ServeTLS clones TLSConfig and adds HTTP/2; the pair is loaded.
			serveErr <- s.httpSrv.ServeTLS(s.listener, "", "")
			return
		}
		serveErr <- s.httpSrv.Serve(s.listener)
	}()
	stopOIDC := s.startOIDC(ctx)
	stopCluster := s.startCluster(ctx)
	s.log.InfoContext(ctx, "fedstore listening", slog.String("url", s.scheme+"://"+s.Addr().String()))
	if _, err := fmt.Fprintf(s.cfg.Stdout, "fedstore listening on %s://%s\n", s.scheme, s.Addr()); err != nil {
		s.log.Warn("cannot write to stdout", slog.String("error", err.Error()))
	}

	select {
	case err := <-serveErr:
		// Serve failed on its own (not through Shutdown).
		stopOIDC()
		stopCluster()
		_ = s.Close()
		return fmt.Errorf("server: serve: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down: finishing in-flight requests", slog.Duration("timeout", s.cfg.ShutdownTimeout))
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	shutErr := s.httpSrv.Shutdown(shutCtx)
	if shutErr != nil {
		s.log.Warn("shutdown timed out: closing remaining connections", slog.String("error", shutErr.Error()))
		_ = s.httpSrv.Close()
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.log.Warn("serve ended with an error", slog.String("error", err.Error()))
	}
	stopOIDC()
	stopCluster()
	if err := s.Close(); err != nil {
		return err
	}
	s.log.Info("shutdown complete") // writes the access lines waiting first
	return nil
}

// Close releases the listener and the state store without waiting for
// requests; Run calls it after a graceful shutdown. Safe to call twice.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		if s.httpSrv != nil {
			if err := s.httpSrv.Close(); err != nil {
				errs = append(errs, fmt.Errorf("server: close http: %w", err))
			}
		}
		if s.listener != nil {
			if err := s.listener.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
				errs = append(errs, fmt.Errorf("server: close listener: %w", err))
			}
		}
		s.closeSTS()
		if err := observe.Flush(s.log.Handler()); err != nil {
			errs = append(errs, fmt.Errorf("server: write the access log: %w", err))
		}
		if s.objects != nil {
			if err := s.objects.Close(); err != nil {
				errs = append(errs, fmt.Errorf("server: close object backend: %w", err))
			}
		}
		if s.iam != nil {
			s.iam.Close()
		}
		if err := s.closeStore(); err != nil {
			errs = append(errs, err)
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

func (s *Server) closeStore() error {
	if s.store == nil {
		return nil
	}
	// The field stays set: a handler cut off by a shutdown timeout may still
	// hold it, and then gets state.ErrClosed.
	err := s.store.Close()
	if err != nil && !errors.Is(err, state.ErrClosed) {
		return fmt.Errorf("server: close state store: %w", err)
	}
	return nil
}

// loadTLS reads the certificate pair and returns a TLS >= 1.2 configuration.
func loadTLS(certFile, keyFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("%w: TLS certificate %s / key %s: %w", ErrConfig, certFile, keyFile, err)
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
	}, nil
}
