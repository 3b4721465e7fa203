package sts

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fedstore/fedstore/internal/state"
)

// Session is one issued session as recorded under sts/sessions/<ak>.
type Session struct {
	AccessKey   string    `json:"access_key"`
	Subject     string    `json:"subject"`
	Provider    string    `json:"provider"`
	Issuer      string    `json:"issuer"`
	Policies    []string  `json:"policies"`
	SessionName string    `json:"session_name"`
	ARN         string    `json:"arn"`
	SourceIP    string    `json:"source_ip,omitempty"`
	IssuedAt    time.Time `json:"issued_at"`
	ExpiresAt   time.Time `json:"expires_at"`
	// Revoked is set by List (never stored).
	Revoked bool `json:"revoked,omitempty"`
}

func decodeSession(kv state.KV) (Session, error) {
	var s Session
	if err := json.Unmarshal(kv.Value, &s); err != nil {
		return s, fmt.Errorf("sts: session record %s: %w", kv.Key, err)
	}
	return s, nil
}

// recorder writes session records to the store.
//
// With a state.Batcher (the embedded bolt store) it group-commits: records
// that arrive while a commit runs (or within the linger) share the next
// transaction, so one fsync serves many exchanges. Two modes:
//
//   - window == 0: each exchange waits until its own record is committed,
//     so nothing handed out is ever unrecorded.
//   - window > 0 (the server's default, --sts-record-window): an exchange
//     returns once its record is queued; the recorder commits what is
//     queued at least every window. A crash (power loss, kill -9) loses
//     the records queued in the last window plus the commit running then.
//     What that costs depends on the token format. Sealed tokens: those
//     sessions' credentials keep working until they expire (the token
//     carries everything a node needs), but they are missing from
//     `fedstore sts list` and can be revoked by subject only, not by
//     access key. Reference tokens (reference.go): the session is its
//     record, so those credentials stop working at the restart (InvalidToken,
//     "unknown or lost session") and their clients exchange again; until
//     the crash the issuing node served them from memory. A clean shutdown
//     commits everything queued. While the store fails to commit,
//     exchanges wait for their records again (so the failure reaches the
//     caller) until a commit succeeds; records whose commit failed are kept
//     in memory until their sessions expire (reference tokens keep working
//     on this node until a restart).
//
// Without a Batcher (etcd) each record is one create-only Put.
type recorder struct {
	st      state.Store
	batcher state.Batcher
	reqs    chan recordReq
	linger  time.Duration
	max     int
	window  time.Duration
	done    <-chan struct{}
	log     *slog.Logger

	// failing is set while the last commit failed (async mode).
	failing atomic.Bool
	// recent holds the access keys queued in the current and previous
	// second (async mode): a colliding key is refused before it is handed
	// out, since a create-only conflict found at commit time would be too
	// late to draw another. Keys embed their issue second, so only keys of
	// the same second can collide.
	recentMu  sync.Mutex
	recent    [2]map[string]struct{}
	recentSec int64

	// pending holds the records queued and not committed yet (async mode,
	// when the service issues reference tokens; nil otherwise), by key:
	// reference tokens find their session there before its commit
	// (reference.go). A record leaves once committed; one whose commit
	// failed stays until its session expires (pruneFailed), so that its
	// credentials keep working on this node until a restart.
	pendingMu sync.Mutex
	pending   map[string]pendingRecord
}

type pendingRecord struct {
	value   []byte
	expires time.Time
	failed  bool
}

type recordReq struct {
	kv  state.KV
	res chan error // nil: nobody waits (async)
}

// asyncQueue bounds the records queued in async mode; when it is full,
// exchanges wait (the loss window is bounded in count as well as time).
const asyncQueue = 8192

func newRecorder(st state.Store, linger time.Duration, batchMax int, window time.Duration, keepPending bool, done <-chan struct{}, log *slog.Logger) *recorder {
	r := &recorder{st: st, linger: linger, max: batchMax, done: done, log: log}
	if keepPending {
		r.pending = map[string]pendingRecord{}
	}
	if b, ok := st.(state.Batcher); ok {
		r.batcher = b
		q := batchMax
		if window > 0 {
			r.window, r.linger, r.max, q = window, window, max(batchMax, asyncQueue/4), asyncQueue
		}
		r.reqs = make(chan recordReq, q)
	}
	return r
}

// record stores kv (create-only), the record of a session that expires at
// expires. In sync mode it returns once the record is committed; a key
// that exists already is an ErrConflict and leaves the existing record. In
// async mode it returns once the record is queued (and pending).
func (r *recorder) record(ctx context.Context, kv state.KV, now, expires time.Time) error {
	if r.batcher == nil {
		_, err := r.st.Put(ctx, kv.Key, kv.Value, state.MustNotExist)
		return err
	}
	async := r.window > 0 && !r.failing.Load()
	if async && !r.reserve(kv.Key, now) {
		return fmt.Errorf("%w: %s was issued a moment ago", state.ErrConflict, kv.Key)
	}
	req := recordReq{kv: kv}
	keep := async && r.pending != nil
	if !async {
		req.res = make(chan error, 1)
	} else if keep {
		r.pendingMu.Lock()
		r.pending[kv.Key] = pendingRecord{value: kv.Value, expires: expires}
		r.pendingMu.Unlock()
	}
	if err := r.enqueue(ctx, req); err != nil || async {
		if err != nil && keep {
			r.pendingMu.Lock()
			delete(r.pending, kv.Key)
			r.pendingMu.Unlock()
		}
		return err
	}
	// On ctx.Done the record may still be committed; the credentials are
	// not handed out, and cleanup deletes the record at its expiry.
	return r.wait(ctx, req)
}

// flush returns once every record queued before it is committed (or its
// commit failed): admin reads after an exchange (list, revoke) see it.
func (r *recorder) flush(ctx context.Context) error {
	if r.batcher == nil || r.window == 0 {
		return nil // every record is committed before its exchange returns
	}
	req := recordReq{res: make(chan error, 1)} // a barrier: no record
	if err := r.enqueue(ctx, req); err != nil {
		return err
	}
	return r.wait(ctx, req)
}

func (r *recorder) enqueue(ctx context.Context, req recordReq) error {
	select {
	case r.reqs <- req:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-r.done:
		return state.ErrClosed
	}
}

func (r *recorder) wait(ctx context.Context, req recordReq) error {
	select {
	case err := <-req.res:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// reserve notes key as queued; false if it was queued within the last
// second or two.
func (r *recorder) reserve(key string, now time.Time) bool {
	sec := now.Unix()
	r.recentMu.Lock()
	defer r.recentMu.Unlock()
	switch {
	case r.recent[0] == nil || sec > r.recentSec+1 || sec < r.recentSec:
		r.recent = [2]map[string]struct{}{{}, {}}
		r.recentSec = sec
	case sec == r.recentSec+1:
		r.recent = [2]map[string]struct{}{{}, r.recent[0]}
		r.recentSec = sec
	}
	if _, ok := r.recent[0][key]; ok {
		return false
	}
	if _, ok := r.recent[1][key]; ok {
		return false
	}
	r.recent[0][key] = struct{}{}
	return true
}

// run commits batches until done is closed.
func (r *recorder) run() {
	if r.batcher == nil {
		return
	}
	batch := make([]recordReq, 0, r.max)
	for {
		select {
		case <-r.done:
			r.drain()
			return
		case req := <-r.reqs:
			batch = append(batch[:0], req)
		}
		// A linger cut short by shutdown still commits what it holds; the
		// next turn sees done and drains the rest.
		r.commit(r.collect(batch))
	}
}

// commit writes one batch and answers whoever waits for it.
func (r *recorder) commit(batch []recordReq) {
	// Barriers (flush) carry no record; idx maps a request to its entry.
	entries := make([]state.BatchEntry, 0, len(batch))
	idx := make([]int, len(batch))
	for i, req := range batch {
		idx[i] = -1
		if req.kv.Key != "" {
			idx[i] = len(entries)
			entries = append(entries, state.BatchEntry{Key: req.kv.Key, Value: req.kv.Value, CreateOnly: true})
		}
	}
	var (
		res []state.BatchResult
		err error
	)
	if len(entries) > 0 {
		// The batch is not bound to any one caller's context.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		res, err = r.batcher.PutBatch(ctx, entries)
		cancel()
		if err == nil && len(res) != len(entries) {
			err = fmt.Errorf("sts: the store returned %d results for %d session records", len(res), len(entries))
		}
	}
	if r.window > 0 {
		if err != nil && !r.failing.Swap(true) {
			r.log.Error("sts: session records could not be committed; exchanges wait for their records until a commit succeeds",
				"records", len(batch), "err", err)
		}
		if err == nil && r.failing.Swap(false) {
			r.log.Info("sts: session records are committed again")
		}
	}
	r.pendingMu.Lock()
	for i, req := range batch {
		if r.pending == nil || req.res != nil || idx[i] < 0 {
			continue
		}
		if err == nil && res[idx[i]].Err == nil {
			delete(r.pending, req.kv.Key)
		} else if pr, ok := r.pending[req.kv.Key]; ok {
			pr.failed = true
			r.pending[req.kv.Key] = pr
		}
	}
	r.pendingMu.Unlock()
	for i, req := range batch {
		rerr := err
		if err == nil && idx[i] >= 0 {
			rerr = res[idx[i]].Err
		}
		if req.res != nil {
			req.res <- rerr
			continue
		}
		if rerr != nil && err == nil {
			// Only a collision with a record of an earlier process in the
			// same second can get here (55 random bits).
			r.log.Error("sts: a session record was not written", "access_key", strings.TrimPrefix(req.kv.Key, PrefixSessions), "err", rerr)
		}
	}
}

// pendingValue returns the record under key if it is queued (or its commit
// failed).
func (r *recorder) pendingValue(key string) ([]byte, bool) {
	r.pendingMu.Lock()
	defer r.pendingMu.Unlock()
	pr, ok := r.pending[key]
	return pr.value, ok
}

// pruneFailed forgets the records that could not be committed whose
// sessions expired by now.
func (r *recorder) pruneFailed(now time.Time) {
	r.pendingMu.Lock()
	defer r.pendingMu.Unlock()
	for key, pr := range r.pending {
		if pr.failed && !pr.expires.After(now) {
			delete(r.pending, key)
		}
	}
}

// collect adds queued records to batch: what is queued now, and with a
// linger whatever arrives within it, up to max.
func (r *recorder) collect(batch []recordReq) []recordReq {
	linger := r.linger
	if r.window > 0 && batch[0].res != nil {
		linger = 0 // someone waits (a flush): commit what is queued now
	}
	var timeout <-chan time.Time
	if linger > 0 {
		t := time.NewTimer(linger)
		defer t.Stop()
		timeout = t.C
	}
	for len(batch) < r.max {
		if timeout == nil {
			select {
			case req := <-r.reqs:
				batch = append(batch, req)
				continue
			default:
				return batch
			}
		}
		select {
		case req := <-r.reqs:
			batch = append(batch, req)
			if r.window > 0 && req.res != nil {
				return batch // someone waits (a flush): commit now
			}
		case <-timeout:
			return batch
		case <-r.done:
			return batch
		}
	}
	return batch
}

// drain runs at shutdown: in async mode it commits whatever is queued (the
// store is closed after the service); in sync mode it fails the waiters.
func (r *recorder) drain() {
	var batch []recordReq
	for {
		select {
		case req := <-r.reqs:
			if req.res != nil {
				req.res <- state.ErrClosed
				continue
			}
			batch = append(batch, req)
			if len(batch) == r.max {
				r.commit(batch)
				batch = batch[:0]
			}
		default:
			if len(batch) > 0 {
				r.commit(batch)
			}
			return
		}
	}
}
