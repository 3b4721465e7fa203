package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/fedstore/fedstore/internal/state"
)

// readyProbeKey is read (never written) to check the state store answers.
const readyProbeKey = "health/ready-probe"

// readyTimeout bounds one readiness check.
const readyTimeout = 5 * time.Second

func serveLive(w http.ResponseWriter, r *http.Request) {
	writePlain(w, r, http.StatusOK, "ok\n")
}

// serveReady answers 200 when the state store and the data dir are usable,
// else 503 naming the failed check (the log has the details).
func (s *Server) serveReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.checkReady(ctx); err != nil {
		s.log.WarnContext(r.Context(), "not ready", slog.String("error", err.Error()))
		var ce checkError
		name := "server"
		if errors.As(err, &ce) {
			name = ce.check
		}
		writePlain(w, r, http.StatusServiceUnavailable, "not ready: "+name+" unavailable\n")
		return
	}
	writePlain(w, r, http.StatusOK, "ok\n")
}

type checkError struct {
	check string
	err   error
}

func (e checkError) Error() string { return e.check + ": " + e.err.Error() }
func (e checkError) Unwrap() error { return e.err }

// checkReady runs every readiness check.
func (s *Server) checkReady(ctx context.Context) error {
	if p, ok := s.store.(interface{ Ping(context.Context) error }); ok {
		// etcd: a linearizable read, so a node cut off from the quorum is
		// not ready.
		if err := p.Ping(ctx); err != nil {
			return checkError{"state store", err}
		}
	} else if _, err := s.store.Get(ctx, readyProbeKey); err != nil && !errors.Is(err, state.ErrNotFound) {
		return checkError{"state store", err}
	}
	if err := checkDataDir(s.cfg.DataDir); err != nil {
		return checkError{"data directory", err}
	}
	return nil
}

// checkDataDir checks that dir is a directory in which files can be created
// (it creates and removes one under DATA/.fedstore).
func checkDataDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("stat: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	f, err := os.CreateTemp(filepath.Join(dir, metaDirName), ".ready-*")
	if err != nil {
		return fmt.Errorf("create a file: %w", err)
	}
	name := f.Name()
	_, werr := f.Write([]byte("ok"))
	cerr := f.Close()
	rerr := os.Remove(name)
	if err := errors.Join(werr, cerr, rerr); err != nil {
		return fmt.Errorf("write a file: %w", err)
	}
	return nil
}

func writePlain(w http.ResponseWriter, r *http.Request, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, body)
	}
}
