package sts

import (
	"context"
	"fmt"
	"sort"

	"github.com/fedstore/fedstore/internal/state"
)

// MaxList bounds the sessions List returns.
const MaxList = 10000

// ListOptions filter List.
type ListOptions struct {
	// Subject keeps only that subject's sessions.
	Subject string
	// IncludeRevoked keeps revoked sessions (marked Revoked).
	IncludeRevoked bool
	// Limit caps the result (MaxList when zero or larger).
	Limit int
}

// List returns the live (unexpired) sessions, soonest expiry first.
func (s *Service) List(ctx context.Context, o ListOptions) ([]Session, error) {
	if o.Limit <= 0 || o.Limit > MaxList {
		o.Limit = MaxList
	}
	if err := s.rec.flush(ctx); err != nil {
		return nil, fmt.Errorf("sts: list sessions: %w", err)
	}
	now := s.cfg.Clock()
	var out []Session
	opts := state.ListOptions{Limit: 1000}
	for {
		res, err := s.cfg.Store.List(ctx, PrefixSessions, opts)
		if err != nil {
			return nil, fmt.Errorf("sts: list sessions: %w", err)
		}
		for _, kv := range res.KVs {
			sess, err := decodeSession(kv)
			if err != nil || !sess.ExpiresAt.After(now) || (o.Subject != "" && sess.Subject != o.Subject) {
				continue
			}
			sess.Revoked, _ = s.revoked.revoked(&payload{AccessKey: sess.AccessKey, Subject: sess.Subject, Issued: sess.IssuedAt.UnixMilli()})
			if sess.Revoked && !o.IncludeRevoked {
				continue
			}
			out = append(out, sess)
		}
		if !res.More || len(res.KVs) == 0 || len(out) >= o.Limit {
			break
		}
		opts.StartAfter = res.KVs[len(res.KVs)-1].Key
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].ExpiresAt.Equal(out[j].ExpiresAt) {
			return out[i].ExpiresAt.Before(out[j].ExpiresAt)
		}
		return out[i].AccessKey < out[j].AccessKey
	})
	if len(out) > o.Limit {
		out = out[:o.Limit]
	}
	return out, nil
}
