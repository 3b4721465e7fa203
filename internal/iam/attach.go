package iam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/fedstore/fedstore/internal/state"
)

// Attachment is one policy attached to one target.
type Attachment struct {
	Policy string `json:"policy"`
	Target
}

// Attach attaches an existing policy to a user or group. Attaching twice is
// not an error (it reports changed false).
func (s *Store) Attach(ctx context.Context, name string, t Target) (changed bool, err error) {
	if err := ValidPolicyName(name); err != nil {
		return false, err
	}
	key, err := t.key()
	if err != nil {
		return false, err
	}
	if _, err := s.st.Get(ctx, policyPrefix+name); errors.Is(err, state.ErrNotFound) {
		return false, fmt.Errorf("%w: %q (names are case-sensitive)", ErrNoSuchPolicy, name)
	} else if err != nil {
		return false, fmt.Errorf("policy %q: %w", name, err)
	}
	return s.updateAttachment(ctx, key, t, func(list []string) ([]string, error) {
		if contains(list, name) {
			return nil, nil
		}
		return append(list, name), nil
	})
}

// Detach removes a policy from a user or group: ErrNotAttached if it was not
// attached there. The policy itself need not exist any more.
func (s *Store) Detach(ctx context.Context, name string, t Target) error {
	if err := ValidPolicyName(name); err != nil {
		return err
	}
	key, err := t.key()
	if err != nil {
		return err
	}
	_, err = s.updateAttachment(ctx, key, t, func(list []string) ([]string, error) {
		out := make([]string, 0, len(list))
		for _, p := range list {
			if p != name {
				out = append(out, p)
			}
		}
		if len(out) == len(list) {
			return nil, fmt.Errorf("%w: policy %q is not attached to %s", ErrNotAttached, name, t)
		}
		return out, nil
	})
	return err
}

// updateAttachment applies edit to the record at key with compare-and-swap.
// edit returns nil, nil for "no change"; an empty list deletes the record.
func (s *Store) updateAttachment(ctx context.Context, key string, t Target, edit func([]string) ([]string, error)) (bool, error) {
	for range maxCASAttempts {
		var rec attachRecord
		expect := state.MustNotExist
		kv, err := s.st.Get(ctx, key)
		switch {
		case err == nil:
			if err := json.Unmarshal(kv.Value, &rec); err != nil {
				return false, fmt.Errorf("attachments of %s: stored record does not decode: %w", t, err)
			}
			expect = kv.Revision
		case !errors.Is(err, state.ErrNotFound):
			return false, fmt.Errorf("attachments of %s: %w", t, err)
		}
		list, err := edit(rec.Policies)
		if err != nil {
			return false, err
		}
		if list == nil {
			return false, nil
		}
		if len(list) == 0 {
			err = s.st.Delete(ctx, key, expect)
			if errors.Is(err, state.ErrConflict) {
				continue
			}
			if err != nil && !errors.Is(err, state.ErrNotFound) {
				return false, fmt.Errorf("attachments of %s: %w", t, err)
			}
			s.sync(ctx)
			return true, nil
		}
		val, err := json.Marshal(attachRecord{Policies: list})
		if err != nil {
			return false, fmt.Errorf("attachments of %s: encode: %w", t, err)
		}
		rev, err := s.st.Put(ctx, key, val, expect)
		if errors.Is(err, state.ErrConflict) {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("attachments of %s: %w", t, err)
		}
		s.waitRev(ctx, rev)
		return true, nil
	}
	return false, fmt.Errorf("attachments of %s: %w", t, ErrBusy)
}

// ListAttachments reads every attachment from the state store, sorted by
// target kind, target name, then attachment order.
func (s *Store) ListAttachments(ctx context.Context) ([]Attachment, error) {
	recs, err := s.listAttachments(ctx)
	if err != nil {
		return nil, err
	}
	out := []Attachment{}
	for _, r := range recs {
		for _, p := range r.policies {
			out = append(out, Attachment{Policy: p, Target: r.target})
		}
	}
	return out, nil
}
