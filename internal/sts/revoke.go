package sts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/fedstore/fedstore/internal/state"
)

// ErrNoSuchSession: no live session has the access key.
var ErrNoSuchSession = errors.New("no live session has this access key")

// revocation is stored under sts/revoked/<ak> and
// sts/revoked-subjects/<escaped subject>.
type revocation struct {
	AccessKey string    `json:"access_key,omitempty"`
	Subject   string    `json:"subject,omitempty"`
	RevokedAt time.Time `json:"revoked_at"`
	// ExpiresAt is when the record may be deleted: the session's expiry,
	// or for a subject, RevokedAt plus the longest session.
	ExpiresAt time.Time `json:"expires_at"`
}

// revocations is every node's in-memory view of the revocation records.
type revocations struct {
	mu       sync.RWMutex
	keys     map[string]struct{}
	subjects map[string]time.Time // subject -> sessions issued at or before are revoked
}

func newRevocations() *revocations {
	return &revocations{keys: map[string]struct{}{}, subjects: map[string]time.Time{}}
}

func (r *revocations) resetKeys(kvs []state.KV) error {
	m := make(map[string]struct{}, len(kvs))
	for _, kv := range kvs {
		m[strings.TrimPrefix(kv.Key, PrefixRevoked)] = struct{}{}
	}
	r.mu.Lock()
	r.keys = m
	r.mu.Unlock()
	return nil
}

func (r *revocations) applyKey(ev state.Event) error {
	ak := strings.TrimPrefix(ev.KV.Key, PrefixRevoked)
	r.mu.Lock()
	defer r.mu.Unlock()
	if ev.Type == state.EventDelete {
		delete(r.keys, ak)
	} else {
		r.keys[ak] = struct{}{}
	}
	return nil
}

func decodeRevocation(kv state.KV) (revocation, error) {
	var rv revocation
	if err := json.Unmarshal(kv.Value, &rv); err != nil {
		return rv, fmt.Errorf("sts: revocation %s: %w", kv.Key, err)
	}
	return rv, nil
}

func (r *revocations) resetSubjects(kvs []state.KV) error {
	m := make(map[string]time.Time, len(kvs))
	var errs []error
	for _, kv := range kvs {
		rv, err := decodeRevocation(kv)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		m[rv.Subject] = rv.RevokedAt
	}
	r.mu.Lock()
	r.subjects = m
	r.mu.Unlock()
	return errors.Join(errs...)
}

func (r *revocations) applySubject(ev state.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ev.Type == state.EventDelete {
		sub, err := url.PathUnescape(strings.TrimPrefix(ev.KV.Key, PrefixRevokedSubjects))
		if err == nil {
			delete(r.subjects, sub)
		}
		return nil
	}
	rv, err := decodeRevocation(ev.KV)
	if err != nil {
		return err
	}
	r.subjects[rv.Subject] = rv.RevokedAt
	return nil
}

// revoked reports whether the session is revoked, and why.
func (r *revocations) revoked(p *payload) (bool, string) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if _, ok := r.keys[p.AccessKey]; ok {
		return true, "the session was revoked"
	}
	if at, ok := r.subjects[p.Subject]; ok && !time.UnixMilli(p.Issued).After(at) {
		return true, "the sessions of its subject were revoked"
	}
	return false, ""
}

func subjectKey(sub string) string { return PrefixRevokedSubjects + url.PathEscape(sub) }

// Revoke stops the session with access key ak on every node (each follows
// the revocation records by Watch). A missing or expired session is
// ErrNoSuchSession.
func (s *Service) Revoke(ctx context.Context, ak string) (Session, error) {
	if !IsSessionAccessKey(ak) {
		return Session{}, fmt.Errorf("%w: %q is not a session access key (ASIA...)", ErrNoSuchSession, ak)
	}
	if err := s.rec.flush(ctx); err != nil { // a session issued a moment ago
		return Session{}, fmt.Errorf("sts: read session %s: %w", ak, err)
	}
	kv, err := s.cfg.Store.Get(ctx, PrefixSessions+ak)
	if errors.Is(err, state.ErrNotFound) {
		return Session{}, fmt.Errorf("%w: %s", ErrNoSuchSession, ak)
	}
	if err != nil {
		return Session{}, fmt.Errorf("sts: read session %s: %w", ak, err)
	}
	sess, err := decodeSession(kv)
	if err != nil {
		return Session{}, err
	}
	now := s.cfg.Clock().UTC()
	if !sess.ExpiresAt.After(now) {
		return Session{}, fmt.Errorf("%w: %s expired at %s", ErrNoSuchSession, ak, sess.ExpiresAt.Format(time.RFC3339))
	}
	b, err := json.Marshal(revocation{AccessKey: ak, Subject: sess.Subject, RevokedAt: now, ExpiresAt: sess.ExpiresAt})
	if err != nil {
		return Session{}, fmt.Errorf("sts: encode revocation: %w", err)
	}
	if _, err := s.cfg.Store.Put(ctx, PrefixRevoked+ak, b, state.AnyRevision); err != nil {
		return Session{}, fmt.Errorf("sts: store revocation: %w", err)
	}
	s.revoked.applyKey(state.Event{Type: state.EventPut, KV: state.KV{Key: PrefixRevoked + ak}})
	s.log.Info("sts session revoked", "access_key", ak, "subject", sess.Subject)
	return sess, nil
}

// RevokeSubject stops every session of subject issued up to now, on every
// node, and returns the live sessions it found (sessions issued later are
// not affected). The record lives MaxDuration, longer than any session it
// can stop.
func (s *Service) RevokeSubject(ctx context.Context, subject string) ([]Session, error) {
	if subject == "" {
		return nil, errors.New("sts: empty subject")
	}
	now := s.cfg.Clock().UTC()
	b, err := json.Marshal(revocation{Subject: subject, RevokedAt: now, ExpiresAt: now.Add(s.cfg.MaxDuration)})
	if err != nil {
		return nil, fmt.Errorf("sts: encode revocation: %w", err)
	}
	key := subjectKey(subject)
	if err := state.CheckKey(key); err != nil {
		return nil, fmt.Errorf("sts: subject: %w", err)
	}
	if _, err := s.cfg.Store.Put(ctx, key, b, state.AnyRevision); err != nil {
		return nil, fmt.Errorf("sts: store revocation: %w", err)
	}
	s.revoked.mu.Lock()
	s.revoked.subjects[subject] = now
	s.revoked.mu.Unlock()
	s.log.Info("sts sessions of subject revoked", "subject", subject)
	sessions, err := s.List(ctx, ListOptions{Subject: subject, IncludeRevoked: true})
	if err != nil {
		return nil, err
	}
	return sessions, nil
}
