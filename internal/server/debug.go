package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sync/atomic"
	"time"
)

// The debug listener (Config.DebugAddress, --debug-address) serves Go's
// pprof profiles on a separate, loopback-only address: CPU and allocation
// profiles, goroutines, the execution tracer. It is off by default, has no
// authentication (profiles reveal memory contents, so it never listens
// beyond the host) and shares nothing with the S3 listener.

// validateDebug checks that a debug address is a loopback address.
func (c *Config) validateDebug() error {
	if c.DebugAddress == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(c.DebugAddress)
	if err != nil {
		return fmt.Errorf("%w: --debug-address %q: %w", ErrConfig, c.DebugAddress, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%w: --debug-address %q must be a loopback address such as 127.0.0.1:6060 (pprof has no authentication)", ErrConfig, c.DebugAddress)
	}
	return nil
}

// debugHandler is the pprof mux of the debug listener.
func debugHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// startDebug starts the debug listener when one is configured and returns
// the function that stops it.
func (s *Server) startDebug(ctx context.Context) (func(), error) {
	if s.cfg.DebugAddress == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", s.cfg.DebugAddress)
	if err != nil {
		return nil, fmt.Errorf("server: debug listener on %s: %w", s.cfg.DebugAddress, err)
	}
	s.debug.addr.Store(ln.Addr())
	srv := &http.Server{
		Handler:           debugHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		// /debug/pprof/profile and /trace stream for ?seconds=N.
		WriteTimeout: 10 * time.Minute,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Warn("debug listener stopped", slog.String("error", err.Error()))
		}
	}()
	s.log.InfoContext(ctx, "debug listener (pprof) on loopback", slog.String("url", "http://"+ln.Addr().String()+"/debug/pprof/"))
	return func() {
		_ = srv.Close()
		<-done
	}, nil
}

// debugState is the Server's part for the debug listener.
type debugState struct {
	addr atomic.Value // net.Addr, once Run started the listener
}

// DebugAddr is the debug listener's address once Run started it (nil when
// there is none).
func (s *Server) DebugAddr() net.Addr {
	a, _ := s.debug.addr.Load().(net.Addr)
	return a
}
