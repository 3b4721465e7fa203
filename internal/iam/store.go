package iam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/fedstore/fedstore/internal/policy"
	"github.com/fedstore/fedstore/internal/state"
)

// Keys in the state store.
const (
	Prefix             = "iam/"
	policyPrefix       = Prefix + "policies/"
	userPrefix         = Prefix + "attachments/user/"
	groupPrefix        = Prefix + "attachments/group/"
	bucketPolicyPrefix = Prefix + "bucket-policies/"
)

// Stored records (JSON values).
type policyRecord struct {
	Document string    `json:"document"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
}

type attachRecord struct {
	Policies []string `json:"policies"`
}

type bucketRecord struct {
	Document string    `json:"document"`
	Updated  time.Time `json:"updated"`
}

// Options configure a Store.
type Options struct {
	// Logger receives watch and reload problems; nil discards.
	Logger *slog.Logger
	// Clock stamps created/updated times; nil means time.Now.
	Clock func() time.Time
	// RetryDelay is the pause before retrying a failed watch or reload
	// (default 200ms).
	RetryDelay time.Duration
}

// cachedPolicy is one compiled policy in the cache.
type cachedPolicy struct {
	policy *policy.Policy
}

// Store is the IAM state: policies, attachments and bucket policies over a
// state.Store, with a cache kept current by a Watch. Reads named "from the
// cache" never touch the state store; admin reads and all writes do. Safe
// for concurrent use.
type Store struct {
	st    state.Store
	log   *slog.Logger
	clock func() time.Time
	retry time.Duration

	mu       sync.RWMutex
	rev      int64 // revision the cache reflects
	changed  chan struct{}
	policies map[string]cachedPolicy
	users    map[string][]string
	groups   map[string][]string
	buckets  map[string]cachedPolicy

	cancel context.CancelFunc
	done   chan struct{}
}

// New loads the IAM state from st and starts following it. Close stops it.
func New(ctx context.Context, st state.Store, opts Options) (*Store, error) {
	if st == nil {
		return nil, errors.New("iam: no state store")
	}
	s := &Store{
		st:      st,
		log:     opts.Logger,
		clock:   opts.Clock,
		retry:   opts.RetryDelay,
		changed: make(chan struct{}),
		done:    make(chan struct{}),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.retry <= 0 {
		s.retry = 200 * time.Millisecond
	}
	if err := s.reload(ctx); err != nil {
		return nil, fmt.Errorf("iam: load: %w", err)
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	go s.follow(wctx)
	return s, nil
}

// Close stops following the state store. The cache stays readable.
func (s *Store) Close() {
	s.cancel()
	<-s.done
}

// Revision is the state revision the cache reflects.
func (s *Store) Revision() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.rev
}

// HasPolicy reports whether a policy of exactly that name exists (cache).
func (s *Store) HasPolicy(name string) bool {
	s.mu.RLock()
	_, ok := s.policies[name]
	s.mu.RUnlock()
	return ok
}

// Policy returns the compiled policy of that name (cache).
func (s *Store) Policy(name string) (*policy.Policy, bool) {
	s.mu.RLock()
	p, ok := s.policies[name]
	s.mu.RUnlock()
	return p.policy, ok
}

// BucketPolicy returns the bucket's compiled policy (cache).
func (s *Store) BucketPolicy(bucket string) (*policy.Policy, bool) {
	s.mu.RLock()
	p, ok := s.buckets[bucket]
	s.mu.RUnlock()
	return p.policy, ok
}

// AttachedPolicies returns the names of the policies attached to the user id
// and to each group, deduplicated, in attachment order (cache). Names whose
// policy no longer exists are included: they simply contribute nothing.
func (s *Store) AttachedPolicies(user string, groups []string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	add := func(names []string) {
		for _, n := range names {
			if !contains(out, n) {
				out = append(out, n)
			}
		}
	}
	if user != "" {
		add(s.users[user])
	}
	for _, g := range groups {
		add(s.groups[g])
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// follow keeps the cache current until ctx ends: watch from the last
// revision; on a closed channel or ErrCompacted, reload and watch again.
func (s *Store) follow(ctx context.Context) {
	defer close(s.done)
	for ctx.Err() == nil {
		ch, err := s.st.Watch(ctx, Prefix, s.Revision()+1)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if !errors.Is(err, state.ErrCompacted) {
				s.log.Warn("iam: watch failed, reloading", slog.String("error", err.Error()))
				s.pause(ctx)
			}
			s.reloadUntilDone(ctx)
			continue
		}
		for ev := range ch {
			s.apply(ev)
		}
		if ctx.Err() != nil {
			return
		}
		// The watch ended while we still want it (fell behind, compaction,
		// store restart): the cache may have missed changes.
		s.reloadUntilDone(ctx)
	}
}

func (s *Store) pause(ctx context.Context) {
	t := time.NewTimer(s.retry)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// reloadUntilDone reloads until it succeeds or ctx ends, backing off from
// RetryDelay up to 5s between attempts.
func (s *Store) reloadUntilDone(ctx context.Context) {
	delay := s.retry
	for ctx.Err() == nil {
		err := s.reload(ctx)
		if err == nil {
			return
		}
		if ctx.Err() == nil {
			s.log.Warn("iam: reload failed, retrying", slog.String("error", err.Error()), slog.Duration("retry_in", delay))
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
		delay = min(delay*2, 5*time.Second)
	}
}

// reload replaces the cache with a full listing.
func (s *Store) reload(ctx context.Context) error {
	res, err := s.st.List(ctx, Prefix, state.ListOptions{})
	if err != nil {
		return err
	}
	policies := map[string]cachedPolicy{}
	users := map[string][]string{}
	groups := map[string][]string{}
	buckets := map[string]cachedPolicy{}
	for _, kv := range res.KVs {
		s.decodeInto(kv, policies, users, groups, buckets)
	}
	s.mu.Lock()
	s.policies, s.users, s.groups, s.buckets = policies, users, groups, buckets
	if res.Revision > s.rev {
		s.rev = res.Revision
	}
	s.notifyLocked()
	s.mu.Unlock()
	return nil
}

// apply updates the cache with one watch event.
func (s *Store) apply(ev state.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ev.Type == state.EventDelete {
		k := ev.KV.Key
		switch {
		case strings.HasPrefix(k, policyPrefix):
			delete(s.policies, strings.TrimPrefix(k, policyPrefix))
		case strings.HasPrefix(k, userPrefix):
			delete(s.users, strings.TrimPrefix(k, userPrefix))
		case strings.HasPrefix(k, groupPrefix):
			delete(s.groups, strings.TrimPrefix(k, groupPrefix))
		case strings.HasPrefix(k, bucketPolicyPrefix):
			delete(s.buckets, strings.TrimPrefix(k, bucketPolicyPrefix))
		}
	} else {
		s.decodeInto(ev.KV, s.policies, s.users, s.groups, s.buckets)
	}
	if ev.KV.Revision > s.rev {
		s.rev = ev.KV.Revision
	}
	s.notifyLocked()
}

func (s *Store) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// decodeInto adds one stored entry to the maps. An entry that no longer
// decodes or compiles is logged and left out (it then grants nothing).
func (s *Store) decodeInto(kv state.KV, policies map[string]cachedPolicy, users, groups map[string][]string, buckets map[string]cachedPolicy) {
	k := kv.Key
	switch {
	case strings.HasPrefix(k, policyPrefix):
		name := strings.TrimPrefix(k, policyPrefix)
		var rec policyRecord
		if err := json.Unmarshal(kv.Value, &rec); err != nil {
			s.log.Error("iam: stored policy does not decode", slog.String("policy", name), slog.String("error", err.Error()))
			delete(policies, name)
			return
		}
		p, err := policy.ParseIdentity([]byte(rec.Document))
		if err != nil {
			s.log.Error("iam: stored policy does not compile", slog.String("policy", name), slog.String("error", err.Error()))
			delete(policies, name)
			return
		}
		policies[name] = cachedPolicy{policy: p}
	case strings.HasPrefix(k, userPrefix), strings.HasPrefix(k, groupPrefix):
		m, p := users, userPrefix
		if strings.HasPrefix(k, groupPrefix) {
			m, p = groups, groupPrefix
		}
		var rec attachRecord
		if err := json.Unmarshal(kv.Value, &rec); err != nil {
			s.log.Error("iam: stored attachment does not decode", slog.String("key", k), slog.String("error", err.Error()))
			delete(m, strings.TrimPrefix(k, p))
			return
		}
		m[strings.TrimPrefix(k, p)] = rec.Policies
	case strings.HasPrefix(k, bucketPolicyPrefix):
		b := strings.TrimPrefix(k, bucketPolicyPrefix)
		var rec bucketRecord
		if err := json.Unmarshal(kv.Value, &rec); err != nil {
			s.log.Error("iam: stored bucket policy does not decode", slog.String("bucket", b), slog.String("error", err.Error()))
			delete(buckets, b)
			return
		}
		p, err := policy.ParseResource([]byte(rec.Document))
		if err != nil {
			s.log.Error("iam: stored bucket policy does not compile", slog.String("bucket", b), slog.String("error", err.Error()))
			delete(buckets, b)
			return
		}
		buckets[b] = cachedPolicy{policy: p}
	}
}

// waitRev waits (at most a second) until the cache reflects rev, so that a
// caller reads its own write through the cache on this node.
func (s *Store) waitRev(ctx context.Context, rev int64) {
	t := time.NewTimer(time.Second)
	defer t.Stop()
	for {
		s.mu.RLock()
		ok, ch := s.rev >= rev, s.changed
		s.mu.RUnlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-t.C:
			return
		case <-ctx.Done():
			return
		}
	}
}
