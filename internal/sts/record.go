package sts

import (
	"context"
	"encoding/json"
	"fmt"
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

// recorder writes session records durably before their credentials are
// handed out. With a state.Batcher it group-commits: records that arrive
// while a commit runs (or within BatchLinger) share the next transaction,
// so one fsync serves many exchanges; each caller still waits for its own
// record to be committed, so nothing acknowledged is lost. Without a
// Batcher each record is one Put.
type recorder struct {
	st      state.Store
	batcher state.Batcher
	reqs    chan recordReq
	linger  time.Duration
	max     int
	done    <-chan struct{}
}

type recordReq struct {
	kv  state.KV
	res chan error
}

func newRecorder(st state.Store, linger time.Duration, max int, done <-chan struct{}) *recorder {
	r := &recorder{st: st, linger: linger, max: max, done: done}
	if b, ok := st.(state.Batcher); ok {
		r.batcher = b
		r.reqs = make(chan recordReq, max)
	}
	return r
}

// record stores kv (create-only) and returns once it is committed; a key
// that exists already is an ErrConflict and leaves the existing record.
func (r *recorder) record(ctx context.Context, kv state.KV) error {
	if r.batcher == nil {
		_, err := r.st.Put(ctx, kv.Key, kv.Value, state.MustNotExist)
		return err
	}
	req := recordReq{kv: kv, res: make(chan error, 1)}
	select {
	case r.reqs <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-r.done:
		return state.ErrClosed
	}
	select {
	case err := <-req.res:
		return err
	case <-ctx.Done():
		// The record may still be committed; the credentials are not
		// handed out, and cleanup deletes the record at its expiry.
		return ctx.Err()
	}
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
		batch = r.collect(batch)
		entries := make([]state.BatchEntry, len(batch))
		for i, req := range batch {
			entries[i] = state.BatchEntry{Key: req.kv.Key, Value: req.kv.Value, CreateOnly: true}
		}
		// The batch is not bound to any one caller's context.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		res, err := r.batcher.PutBatch(ctx, entries)
		cancel()
		if err == nil && len(res) != len(batch) {
			err = fmt.Errorf("sts: the store returned %d results for %d session records", len(res), len(batch))
		}
		for i, req := range batch {
			if err != nil {
				req.res <- err
				continue
			}
			req.res <- res[i].Err
		}
	}
}

// collect adds queued records to batch: what is queued now, and with a
// linger whatever arrives within it, up to max.
func (r *recorder) collect(batch []recordReq) []recordReq {
	var timeout <-chan time.Time
	if r.linger > 0 {
		t := time.NewTimer(r.linger)
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
		case <-timeout:
			return batch
		}
	}
	return batch
}

// drain fails whatever is still queued at shutdown.
func (r *recorder) drain() {
	for {
		select {
		case req := <-r.reqs:
			req.res <- state.ErrClosed
		default:
			return
		}
	}
}
