package sts

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/fedstore/fedstore/internal/state"
)

// follower keeps an in-memory view of one store prefix current: a full
// load, then a Watch; when the watch ends while ctx is live (compaction, a
// slow watcher cut off, a store hiccup) it reloads and watches again.
type follower struct {
	st     state.Store
	prefix string
	reset  func(kvs []state.KV) error
	apply  func(ev state.Event) error
	log    *slog.Logger
	retry  time.Duration
}

// load lists the prefix and hands it to reset; it returns the revision to
// watch from.
func (f *follower) load(ctx context.Context) (int64, error) {
	var all []state.KV
	opts := state.ListOptions{Limit: 1000}
	var rev int64
	for {
		res, err := f.st.List(ctx, f.prefix, opts)
		if err != nil {
			return 0, fmt.Errorf("sts: load %s: %w", f.prefix, err)
		}
		if rev == 0 {
			rev = res.Revision
		}
		all = append(all, res.KVs...)
		if !res.More || len(res.KVs) == 0 {
			break
		}
		opts.StartAfter = res.KVs[len(res.KVs)-1].Key
	}
	if err := f.reset(all); err != nil {
		f.log.Warn("sts: ignored unreadable records", "prefix", f.prefix, "error", err.Error())
	}
	return rev, nil
}

// run watches from rev+1 until ctx ends, reloading when a watch breaks.
func (f *follower) run(ctx context.Context, rev int64) {
	for ctx.Err() == nil {
		ch, err := f.st.Watch(ctx, f.prefix, rev+1)
		if err == nil {
			for ev := range ch {
				rev = ev.KV.Revision
				if err := f.apply(ev); err != nil {
					f.log.Warn("sts: ignored unreadable record", "key", ev.KV.Key, "error", err.Error())
				}
			}
		}
		if ctx.Err() != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(f.retry):
		}
		if r, err := f.load(ctx); err == nil {
			rev = r
		} else if ctx.Err() == nil {
			f.log.Warn("sts: reload failed", "prefix", f.prefix, "error", err.Error())
		}
	}
}
