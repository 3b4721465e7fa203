package oidcstore

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/fedstore/fedstore/internal/state"
)

// Run keeps the registry current until ctx ends, then returns ctx's error:
// it follows the state store's changes under KeyPrefix (reloading
// everything when the watch is compacted or falls behind), fetches the keys
// of every provider as it starts, and refreshes JWKS in the background
// (oidc.Registry.Run). Call Load first (Run loads if it was not called).
func (s *Store) Run(ctx context.Context) error {
	s.mu.Lock()
	s.runCtx = ctx
	loaded := s.loaded
	for _, p := range s.reg.List() {
		s.refreshLocked(p)
	}
	s.mu.Unlock()
	defer s.bg.Wait()
	if !loaded {
		s.reloadUntil(ctx)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.reg.Run(ctx, s.opts.RefreshTick)
	}()
	defer func() { <-done }()
	for ctx.Err() == nil {
		s.mu.Lock()
		from := s.rev + 1
		s.mu.Unlock()
		ch, err := s.st.Watch(ctx, KeyPrefix, from)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if !errors.Is(err, state.ErrCompacted) {
				s.log.Warn("oidc providers: watch failed; reloading", slog.String("error", err.Error()))
				sleep(ctx, watchRetryDelay)
			}
			s.reloadUntil(ctx)
			continue
		}
		for ev := range ch {
			s.apply(ev)
		}
		if ctx.Err() != nil {
			break
		}
		// Closed while ctx is live: compacted, or too far behind.
		s.log.Info("oidc providers: watch ended; reloading")
		s.reloadUntil(ctx)
	}
	return ctx.Err()
}

func (s *Store) apply(ev state.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch ev.Type {
	case state.EventPut:
		s.applyPutLocked(ev.KV)
	case state.EventDelete:
		s.applyDeleteLocked(ev.KV)
	}
	if ev.KV.Revision > s.rev {
		s.rev = ev.KV.Revision
	}
}

// reloadUntil reloads, retrying every watchRetryDelay until it works or
// ctx ends.
func (s *Store) reloadUntil(ctx context.Context) {
	for ctx.Err() == nil {
		err := s.reload(ctx)
		if err == nil {
			return
		}
		s.log.Warn("oidc providers: reload failed; retrying", slog.String("error", err.Error()))
		sleep(ctx, watchRetryDelay)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
