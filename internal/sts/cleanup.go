package sts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fedstore/fedstore/internal/state"
)

// CleanupResult counts what one Cleanup pass deleted and kept.
type CleanupResult struct {
	Sessions    int `json:"sessions_deleted"`
	Revocations int `json:"revocations_deleted"`
	Keys        int `json:"keys_deleted"`
	Live        int `json:"live_sessions"`
}

// runCleanup calls Cleanup every CleanupInterval until ctx ends.
func (s *Service) runCleanup(ctx context.Context) {
	t := time.NewTicker(s.cfg.CleanupInterval)
	defer t.Stop()
	for {
		if res, err := s.Cleanup(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Warn("sts cleanup failed", "error", err.Error())
		} else if res.Sessions+res.Revocations+res.Keys > 0 {
			s.log.Info("sts cleanup", "sessions_deleted", res.Sessions, "revocations_deleted", res.Revocations,
				"keys_deleted", res.Keys, "live_sessions", res.Live)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Cleanup deletes expired session records, revocations that can no longer
// matter, and sealing keys superseded more than MaxDuration ago. Each
// delete is conditional on the revision it read, and a record another
// node deleted first is skipped, so passes on many nodes at once are safe.
func (s *Service) Cleanup(ctx context.Context) (CleanupResult, error) {
	var res CleanupResult
	now := s.cfg.Clock()
	s.rec.pruneFailed(now)
	err := s.sweep(ctx, PrefixSessions, func(kv state.KV) bool {
		sess, err := decodeSession(kv)
		if err != nil {
			return false // never delete what cannot be read
		}
		if sess.ExpiresAt.After(now) {
			res.Live++
			return false
		}
		return true
	}, &res.Sessions)
	if err != nil {
		return res, err
	}
	s.live.Store(int64(res.Live))
	expiredRevocation := func(kv state.KV) bool {
		rv, err := decodeRevocation(kv)
		return err == nil && !rv.ExpiresAt.After(now)
	}
	for _, prefix := range []string{PrefixRevoked, PrefixRevokedSubjects} {
		if err := s.sweep(ctx, prefix, expiredRevocation, &res.Revocations); err != nil {
			return res, err
		}
	}
	// A key may go once a newer key has been current for MaxDuration: no
	// token it sealed can still be live.
	infos := s.keys.infos()
	for i := 0; i+1 < len(infos); i++ {
		if now.Sub(infos[i+1].CreatedAt) <= s.cfg.MaxDuration {
			continue
		}
		err := s.cfg.Store.Delete(ctx, PrefixKeys+infos[i].ID, state.AnyRevision)
		switch {
		case err == nil:
			res.Keys++
		case !errors.Is(err, state.ErrNotFound):
			return res, fmt.Errorf("sts: delete key %s: %w", infos[i].ID, err)
		}
	}
	return res, nil
}

// sweep deletes the entries under prefix that expired reports, counting
// the deletes in n.
func (s *Service) sweep(ctx context.Context, prefix string, expired func(state.KV) bool, n *int) error {
	opts := state.ListOptions{Limit: 1000}
	for {
		page, err := s.cfg.Store.List(ctx, prefix, opts)
		if err != nil {
			return fmt.Errorf("sts: cleanup list %s: %w", prefix, err)
		}
		for _, kv := range page.KVs {
			if !expired(kv) {
				continue
			}
			err := s.cfg.Store.Delete(ctx, kv.Key, kv.Revision)
			switch {
			case err == nil:
				*n++
			case errors.Is(err, state.ErrNotFound), errors.Is(err, state.ErrConflict):
				// Another node got there first, or the record changed.
			default:
				return fmt.Errorf("sts: cleanup delete %s: %w", kv.Key, err)
			}
		}
		if !page.More || len(page.KVs) == 0 {
			return nil
		}
		opts.StartAfter = page.KVs[len(page.KVs)-1].Key
	}
}
