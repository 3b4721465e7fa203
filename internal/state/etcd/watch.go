package etcd

import (
	"context"
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/fedstore/fedstore/internal/state"
)

// Watch implements state.Store.
//
// Start: fromRev 0 is resolved to the current revision + 1 with one read, so
// a write that returns after Watch returns is always delivered. For fromRev > 0
// one read at that revision tells whether its history was compacted
// (state.ErrCompacted, returned at once); a future revision is fine.
//
// While running, the etcd client keeps the watch across connection losses: it
// reconnects (to any endpoint) and resumes from the last delivered revision
// + 1, so an outage delays events but loses none. The channel closes, and the
// consumer must reload with List and watch again, when:
//   - ctx is done or the store is closed;
//   - the history the watch needs was compacted meanwhile (a long outage);
//   - the member lost its leader (the watch requires one, so a partitioned
//     member cannot silently stall it);
//   - the consumer fell WatchQueue events behind.
func (s *Store) Watch(ctx context.Context, prefix string, fromRev int64) (<-chan state.Event, error) {
	if fromRev < 0 {
		return nil, fmt.Errorf("%w: negative revision %d", state.ErrInvalid, fromRev)
	}
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	full := s.key(prefix)
	start, err := s.watchStart(ctx, full, fromRev)
	if err != nil {
		return nil, err
	}
	wctx, wcancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	stop := context.AfterFunc(s.ctx, wcancel)
	wch := s.cli.Watch(wctx, full, clientv3.WithPrefix(), clientv3.WithRev(start))
	out := make(chan state.Event, s.cfg.WatchQueue)
	go func() {
		defer close(out)
		defer stop()
		defer wcancel()
		s.pump(wctx, wch, out, prefix)
	}()
	return out, nil
}

// watchStart returns the revision to start the etcd watch at.
func (s *Store) watchStart(ctx context.Context, full string, fromRev int64) (int64, error) {
	cctx, cancel := s.call(ctx)
	defer cancel()
	if fromRev == 0 {
		resp, err := s.cli.Get(cctx, full, clientv3.WithCountOnly())
		if err != nil {
			return 0, fmt.Errorf("etcd state: watch: %w", s.mapErr(ctx, err))
		}
		return resp.Header.Revision + 1, nil
	}
	_, err := s.cli.Get(cctx, full, clientv3.WithCountOnly(), clientv3.WithRev(fromRev))
	switch {
	case err == nil, errors.Is(err, rpctypes.ErrFutureRev):
		return fromRev, nil
	case errors.Is(err, rpctypes.ErrCompacted):
		return 0, fmt.Errorf("%w: watch from revision %d", state.ErrCompacted, fromRev)
	}
	return 0, fmt.Errorf("etcd state: watch: %w", s.mapErr(ctx, err))
}

// pump forwards events until the watch ends; it never blocks on out.
func (s *Store) pump(ctx context.Context, wch clientv3.WatchChan, out chan<- state.Event, prefix string) {
	log := s.cfg.Logger.With("prefix", prefix)
	for {
		select {
		case <-ctx.Done():
			return
		case resp, ok := <-wch:
			if !ok {
				return
			}
			if err := resp.Err(); err != nil {
				if ctx.Err() == nil {
					log.Warn("etcd state: watch ended; watcher must reload", "err", err)
				}
				return
			}
			for _, ev := range resp.Events {
				select {
				case out <- s.event(ev):
				default:
					log.Warn("etcd state: watcher fell behind; closing its watch", "queue", cap(out))
					return
				}
			}
		}
	}
}

func (s *Store) event(ev *clientv3.Event) state.Event {
	kv := state.KV{Key: string(ev.Kv.Key[len(s.prefix):]), Revision: ev.Kv.ModRevision}
	if ev.Type == mvccpb.DELETE {
		return state.Event{Type: state.EventDelete, KV: kv}
	}
	kv.Value = ev.Kv.Value
	if kv.Value == nil {
		kv.Value = []byte{}
	}
	return state.Event{Type: state.EventPut, KV: kv}
}
