package iam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/fedstore/fedstore/internal/policy"
	"github.com/fedstore/fedstore/internal/state"
)

// maxCASAttempts bounds the compare-and-swap retries of one write.
const maxCASAttempts = 16

// TargetKind is what a policy is attached to.
type TargetKind string

// Target kinds.
const (
	// TargetUser is a user id: the value of a token's user claim (sub by
	// default), which becomes aws:username of the session.
	TargetUser TargetKind = "user"
	// TargetGroup is a value of the provider's groups claim.
	TargetGroup TargetKind = "group"
)

// Target is one user or group.
type Target struct {
	Kind TargetKind `json:"kind"`
	Name string     `json:"name"`
}

func (t Target) String() string { return string(t.Kind) + " " + fmt.Sprintf("%q", t.Name) }

func (t Target) key() (string, error) {
	switch t.Kind {
	case TargetUser:
		return userPrefix + t.Name, validTarget("user id", t.Name)
	case TargetGroup:
		return groupPrefix + t.Name, validTarget("group name", t.Name)
	}
	return "", fmt.Errorf("%w: attachment target kind %q (want user or group)", ErrInvalidName, t.Kind)
}

// PolicyInfo describes a stored policy.
type PolicyInfo struct {
	Name string `json:"name"`
	// Document is the policy JSON as it was added.
	Document   string    `json:"document"`
	Statements int       `json:"statements"`
	Created    time.Time `json:"created"`
	Updated    time.Time `json:"updated"`
	// Users and Groups it is attached to, sorted.
	Users  []string `json:"users"`
	Groups []string `json:"groups"`
}

// PutPolicy validates doc as an identity policy and stores it under name,
// creating it or replacing its document. It returns the compiled policy (whose
// Warnings the caller may show) and whether the policy was created. A bad
// document is an error wrapping policy.ErrMalformedPolicy (a
// *policy.ValidationError naming the place) or policy.ErrPolicyTooLarge, and
// stores nothing.
func (s *Store) PutPolicy(ctx context.Context, name string, doc []byte) (*policy.Policy, bool, error) {
	if err := ValidPolicyName(name); err != nil {
		return nil, false, err
	}
	p, err := policy.ParseIdentity(doc)
	if err != nil {
		return nil, false, fmt.Errorf("policy %q: %w", name, err)
	}
	key := policyPrefix + name
	for range maxCASAttempts {
		now := s.clock().UTC().Truncate(time.Second)
		rec := policyRecord{Document: string(doc), Created: now, Updated: now}
		expect := state.MustNotExist
		kv, err := s.st.Get(ctx, key)
		switch {
		case err == nil:
			var old policyRecord
			if json.Unmarshal(kv.Value, &old) == nil && !old.Created.IsZero() {
				rec.Created = old.Created
			}
			expect = kv.Revision
		case !errors.Is(err, state.ErrNotFound):
			return nil, false, fmt.Errorf("policy %q: %w", name, err)
		}
		val, err := json.Marshal(rec)
		if err != nil {
			return nil, false, fmt.Errorf("policy %q: encode: %w", name, err)
		}
		rev, err := s.st.Put(ctx, key, val, expect)
		if errors.Is(err, state.ErrConflict) {
			continue
		}
		if err != nil {
			return nil, false, fmt.Errorf("policy %q: %w", name, err)
		}
		s.waitRev(ctx, rev)
		return p, expect == state.MustNotExist, nil
	}
	return nil, false, fmt.Errorf("policy %q: %w", name, ErrBusy)
}

// GetPolicy reads one policy and its attachments from the state store.
func (s *Store) GetPolicy(ctx context.Context, name string) (PolicyInfo, error) {
	if err := ValidPolicyName(name); err != nil {
		return PolicyInfo{}, err
	}
	kv, err := s.st.Get(ctx, policyPrefix+name)
	if errors.Is(err, state.ErrNotFound) {
		return PolicyInfo{}, fmt.Errorf("%w: %q (names are case-sensitive)", ErrNoSuchPolicy, name)
	}
	if err != nil {
		return PolicyInfo{}, fmt.Errorf("policy %q: %w", name, err)
	}
	att, err := s.attachments(ctx)
	if err != nil {
		return PolicyInfo{}, err
	}
	return s.info(name, kv, att)
}

// ListPolicies reads every policy, sorted by name, with its attachments.
func (s *Store) ListPolicies(ctx context.Context) ([]PolicyInfo, error) {
	res, err := s.st.List(ctx, policyPrefix, state.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list policies: %w", err)
	}
	att, err := s.attachments(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]PolicyInfo, 0, len(res.KVs))
	for _, kv := range res.KVs {
		pi, err := s.info(strings.TrimPrefix(kv.Key, policyPrefix), kv, att)
		if err != nil {
			return nil, err
		}
		out = append(out, pi)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (s *Store) info(name string, kv state.KV, att map[string][]Target) (PolicyInfo, error) {
	var rec policyRecord
	if err := json.Unmarshal(kv.Value, &rec); err != nil {
		return PolicyInfo{}, fmt.Errorf("policy %q: stored record does not decode: %w", name, err)
	}
	pi := PolicyInfo{Name: name, Document: rec.Document, Created: rec.Created, Updated: rec.Updated, Users: []string{}, Groups: []string{}}
	if p, err := policy.ParseIdentity([]byte(rec.Document)); err == nil {
		pi.Statements = p.Len()
	}
	for _, t := range att[name] {
		if t.Kind == TargetUser {
			pi.Users = append(pi.Users, t.Name)
		} else {
			pi.Groups = append(pi.Groups, t.Name)
		}
	}
	sort.Strings(pi.Users)
	sort.Strings(pi.Groups)
	return pi, nil
}

// attachedRecord is one attachment record as read from the store.
type attachedRecord struct {
	target   Target
	policies []string
	revision int64
}

// listAttachments reads every attachment record.
func (s *Store) listAttachments(ctx context.Context) ([]attachedRecord, error) {
	var out []attachedRecord
	for _, pf := range []struct {
		prefix string
		kind   TargetKind
	}{{userPrefix, TargetUser}, {groupPrefix, TargetGroup}} {
		res, err := s.st.List(ctx, pf.prefix, state.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("list attachments: %w", err)
		}
		for _, kv := range res.KVs {
			var rec attachRecord
			if err := json.Unmarshal(kv.Value, &rec); err != nil {
				return nil, fmt.Errorf("attachment %q: stored record does not decode: %w", kv.Key, err)
			}
			out = append(out, attachedRecord{
				target:   Target{Kind: pf.kind, Name: strings.TrimPrefix(kv.Key, pf.prefix)},
				policies: rec.Policies,
				revision: kv.Revision,
			})
		}
	}
	return out, nil
}

// attachments maps policy name -> targets.
func (s *Store) attachments(ctx context.Context) (map[string][]Target, error) {
	recs, err := s.listAttachments(ctx)
	if err != nil {
		return nil, err
	}
	m := map[string][]Target{}
	for _, r := range recs {
		for _, p := range r.policies {
			m[p] = append(m[p], r.target)
		}
	}
	return m, nil
}

// DeletePolicy removes a policy. If it is attached to users or groups it
// refuses with ErrPolicyAttached (naming them) unless force, which first
// detaches it everywhere; the detached targets are returned. Sessions that
// list the name keep it, and it grants them nothing from then on.
func (s *Store) DeletePolicy(ctx context.Context, name string, force bool) ([]Target, error) {
	if err := ValidPolicyName(name); err != nil {
		return nil, err
	}
	key := policyPrefix + name
	for range maxCASAttempts {
		kv, err := s.st.Get(ctx, key)
		if errors.Is(err, state.ErrNotFound) {
			return nil, fmt.Errorf("%w: %q (names are case-sensitive)", ErrNoSuchPolicy, name)
		}
		if err != nil {
			return nil, fmt.Errorf("policy %q: %w", name, err)
		}
		att, err := s.attachments(ctx)
		if err != nil {
			return nil, err
		}
		targets := att[name]
		if len(targets) > 0 && !force {
			names := make([]string, 0, len(targets))
			for _, t := range targets {
				names = append(names, t.String())
			}
			return nil, fmt.Errorf("%w: %q is attached to %s; detach it first or remove it with --force",
				ErrPolicyAttached, name, strings.Join(names, ", "))
		}
		for _, t := range targets {
			if err := s.Detach(ctx, name, t); err != nil && !errors.Is(err, ErrNotAttached) {
				return nil, err
			}
		}
		err = s.st.Delete(ctx, key, kv.Revision)
		if errors.Is(err, state.ErrConflict) {
			continue
		}
		if err != nil && !errors.Is(err, state.ErrNotFound) {
			return nil, fmt.Errorf("policy %q: %w", name, err)
		}
		s.sync(ctx)
		return targets, nil
	}
	return nil, fmt.Errorf("policy %q: %w", name, ErrBusy)
}

// sync waits until the cache reflects the store's current revision (after a
// Delete, which does not report its revision).
func (s *Store) sync(ctx context.Context) {
	res, err := s.st.List(ctx, Prefix, state.ListOptions{Limit: 1})
	if err == nil {
		s.waitRev(ctx, res.Revision)
	}
}
