package etcd

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/fedstore/fedstore/internal/state"
)

// Store is the etcd-backed state.Store.
type Store struct {
	cfg    Config
	cli    *clientv3.Client
	prefix string

	// ctx is cancelled by Close; every watch ends with it.
	ctx       context.Context
	cancel    context.CancelFunc
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var _ state.Store = (*Store)(nil)

// New connects to the cluster and checks, within cfg.DialTimeout, that it
// answers; an unreachable cluster is an error wrapping state.ErrUnavailable.
func New(cfg Config) (*Store, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	tlsCfg, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   cfg.Endpoints,
		DialTimeout: cfg.DialTimeout,
		TLS:         tlsCfg,
		Username:    cfg.Username,
		Password:    cfg.Password,
		Logger:      zapToSlog(cfg.Logger),
		// Notice a silently dead connection (a watch on it would stall):
		// ping after 10s without traffic (gRPC's minimum; etcd accepts
		// pings every 5s), give up on it 5s later and reconnect.
		DialKeepAliveTime:    10 * time.Second,
		DialKeepAliveTimeout: 5 * time.Second,
	})
	if err != nil {
		// With auth, the client authenticates while connecting.
		return nil, fmt.Errorf("etcd state: connect %v: %w", cfg.Endpoints, classify(err))
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Store{cfg: cfg, cli: cli, prefix: cfg.Prefix, ctx: ctx, cancel: cancel}
	pctx, pcancel := context.WithTimeout(context.Background(), cfg.DialTimeout)
	defer pcancel()
	if _, err := cli.Get(pctx, s.prefix, clientv3.WithCountOnly()); err != nil {
		err = classify(err)
		if errors.Is(err, state.ErrUnavailable) {
			err = fmt.Errorf("%w%s", err, connectionError(cli, s.prefix))
		}
		_ = s.Close()
		return nil, fmt.Errorf("etcd state: connect %v: %w", cfg.Endpoints, err)
	}
	return s, nil
}

// connectionError tells why the cluster could not be reached (refused, TLS
// handshake, ...), which a call that waited for its deadline hides: one
// fail-fast read reports the connection's last error.
func connectionError(cli *clientv3.Client, prefix string) string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req := &pb.RangeRequest{Key: []byte(prefix), CountOnly: true}
	_, err := pb.NewKVClient(cli.ActiveConnection()).Range(ctx, req, grpc.WaitForReady(false))
	if st, ok := status.FromError(err); ok && st.Code() == codes.Unavailable {
		return " (last connection error: " + st.Message() + ")"
	}
	return ""
}

// Prefix returns the prefix every key is stored under.
func (s *Store) Prefix() string { return s.prefix }

// Ping checks, within the request timeout, that the cluster answers a
// linearizable read (for readiness probes).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	if _, err := s.cli.Get(cctx, s.prefix, clientv3.WithCountOnly()); err != nil {
		return fmt.Errorf("etcd state: ping: %w", s.mapErr(ctx, err))
	}
	return nil
}

func (s *Store) enter(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return state.ErrClosed
	}
	return nil
}

// call derives the bounded context of one request.
func (s *Store) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.cfg.RequestTimeout)
}

// mapErr turns a client error into the state package's vocabulary. parent is
// the caller's context: when the caller gave up, its own error is returned.
func (s *Store) mapErr(parent context.Context, err error) error {
	switch {
	case s.closed.Load():
		return fmt.Errorf("%w: %w", state.ErrClosed, err)
	case parent.Err() != nil:
		return fmt.Errorf("%w (%w)", parent.Err(), err)
	}
	return classify(err)
}

// classify maps an etcd client error that is not the caller's doing.
func classify(err error) error {
	switch {
	case errors.Is(err, rpctypes.ErrCompacted):
		return fmt.Errorf("%w: %w", state.ErrCompacted, err)
	case errors.Is(err, rpctypes.ErrRequestTooLarge), errors.Is(err, rpctypes.ErrTooManyOps):
		return fmt.Errorf("%w: %w", state.ErrInvalid, err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, clientv3.ErrNoAvailableEndpoints):
		return fmt.Errorf("%w: %w", state.ErrUnavailable, err)
	}
	code := codes.Unknown
	var ee rpctypes.EtcdError
	if errors.As(err, &ee) {
		code = ee.Code()
	} else if st, ok := status.FromError(err); ok {
		code = st.Code()
	}
	switch code {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled, codes.ResourceExhausted:
		// Canceled without the caller cancelling: the connection went away.
		// ResourceExhausted: the cluster's space quota alarm.
		return fmt.Errorf("%w: %w", state.ErrUnavailable, err)
	}
	return err
}

func (s *Store) key(k string) string { return s.prefix + k }

// Get implements state.Store.
func (s *Store) Get(ctx context.Context, key string) (state.KV, error) {
	if err := state.CheckKey(key); err != nil {
		return state.KV{}, err
	}
	if err := s.enter(ctx); err != nil {
		return state.KV{}, err
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	resp, err := s.cli.Get(cctx, s.key(key))
	if err != nil {
		return state.KV{}, fmt.Errorf("etcd state: get %q: %w", key, s.mapErr(ctx, err))
	}
	if len(resp.Kvs) == 0 {
		return state.KV{}, fmt.Errorf("%w: %q", state.ErrNotFound, key)
	}
	kv := resp.Kvs[0]
	return state.KV{Key: key, Value: kv.Value, Revision: kv.ModRevision}, nil
}

// guard is the compare that makes a write conditional on expect.
func guard(k string, expect int64) clientv3.Cmp {
	if expect == state.MustNotExist {
		return clientv3.Compare(clientv3.CreateRevision(k), "=", 0)
	}
	return clientv3.Compare(clientv3.ModRevision(k), "=", expect)
}

// current reports the key's revision from a failed transaction's Else get
// (0: absent).
func current(resp *clientv3.TxnResponse) int64 {
	if len(resp.Responses) == 1 {
		if r := resp.Responses[0].GetResponseRange(); r != nil && len(r.Kvs) == 1 {
			return r.Kvs[0].ModRevision
		}
	}
	return 0
}

// Put implements state.Store.
func (s *Store) Put(ctx context.Context, key string, value []byte, expect int64) (int64, error) {
	if err := state.CheckPut(key, value, expect); err != nil {
		return 0, err
	}
	if err := s.enter(ctx); err != nil {
		return 0, err
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	k := s.key(key)
	if expect == state.AnyRevision {
		resp, err := s.cli.Put(cctx, k, string(value))
		if err != nil {
			return 0, fmt.Errorf("etcd state: put %q: %w", key, s.mapErr(ctx, err))
		}
		return resp.Header.Revision, nil
	}
	resp, err := s.cli.Txn(cctx).
		If(guard(k, expect)).
		Then(clientv3.OpPut(k, string(value))).
		Else(clientv3.OpGet(k, clientv3.WithKeysOnly())).
		Commit()
	if err != nil {
		return 0, fmt.Errorf("etcd state: put %q: %w", key, s.mapErr(ctx, err))
	}
	if !resp.Succeeded {
		cur := current(resp)
		if cur == 0 {
			return 0, fmt.Errorf("%w: %q does not exist, expected revision %d", state.ErrConflict, key, expect)
		}
		return 0, fmt.Errorf("%w: %q is at revision %d, expected %d", state.ErrConflict, key, cur, expect)
	}
	return resp.Header.Revision, nil
}

// Delete implements state.Store.
func (s *Store) Delete(ctx context.Context, key string, expect int64) error {
	if err := state.CheckKey(key); err != nil {
		return err
	}
	if err := state.CheckExpect(expect); err != nil {
		return err
	}
	if err := s.enter(ctx); err != nil {
		return err
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	k := s.key(key)
	if expect == state.AnyRevision {
		resp, err := s.cli.Delete(cctx, k)
		if err != nil {
			return fmt.Errorf("etcd state: delete %q: %w", key, s.mapErr(ctx, err))
		}
		if resp.Deleted == 0 {
			return fmt.Errorf("%w: %q", state.ErrNotFound, key)
		}
		return nil
	}
	// A missing key compares as ModRevision 0 and CreateRevision 0, so
	// expect 0 on a missing key "succeeds" and deletes nothing.
	resp, err := s.cli.Txn(cctx).
		If(clientv3.Compare(clientv3.ModRevision(k), "=", expect)).
		Then(clientv3.OpDelete(k)).
		Else(clientv3.OpGet(k, clientv3.WithKeysOnly())).
		Commit()
	if err != nil {
		return fmt.Errorf("etcd state: delete %q: %w", key, s.mapErr(ctx, err))
	}
	if resp.Succeeded {
		if d := resp.Responses[0].GetResponseDeleteRange(); d == nil || d.Deleted == 0 {
			return fmt.Errorf("%w: %q", state.ErrNotFound, key)
		}
		return nil
	}
	cur := current(resp)
	if cur == 0 {
		return fmt.Errorf("%w: %q", state.ErrNotFound, key)
	}
	return fmt.Errorf("%w: %q is at revision %d, expected %d", state.ErrConflict, key, cur, expect)
}

// List implements state.Store. One page is one linearizable etcd range read,
// consistent as of the returned revision.
func (s *Store) List(ctx context.Context, prefix string, opts state.ListOptions) (state.ListResult, error) {
	if opts.Limit < 0 {
		return state.ListResult{}, fmt.Errorf("%w: negative limit %d", state.ErrInvalid, opts.Limit)
	}
	if err := s.enter(ctx); err != nil {
		return state.ListResult{}, err
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	full := s.key(prefix)
	start, end := full, clientv3.GetPrefixRangeEnd(full)
	if opts.StartAfter != "" {
		if after := s.key(opts.StartAfter) + "\x00"; after > start {
			start = after
		}
	}
	var (
		resp *clientv3.GetResponse
		err  error
	)
	if start >= end {
		// Nothing can match; still answer the current revision.
		resp, err = s.cli.Get(cctx, full, clientv3.WithCountOnly())
		if err == nil {
			resp.Kvs, resp.More = nil, false
		}
	} else {
		ops := []clientv3.OpOption{clientv3.WithRange(end)}
		if opts.Limit > 0 {
			ops = append(ops, clientv3.WithLimit(int64(opts.Limit)))
		}
		resp, err = s.cli.Get(cctx, start, ops...)
	}
	if err != nil {
		return state.ListResult{}, fmt.Errorf("etcd state: list %q: %w", prefix, s.mapErr(ctx, err))
	}
	res := state.ListResult{Revision: resp.Header.Revision, More: resp.More}
	if len(resp.Kvs) > 0 {
		res.KVs = make([]state.KV, 0, len(resp.Kvs))
	}
	for _, kv := range resp.Kvs {
		res.KVs = append(res.KVs, state.KV{Key: string(kv.Key[len(s.prefix):]), Value: kv.Value, Revision: kv.ModRevision})
	}
	return res, nil
}

// Close implements state.Store: watches end, the client disconnects. A second
// Close does nothing.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.cancel()
		if err := s.cli.Close(); err != nil && !errors.Is(err, context.Canceled) {
			s.closeErr = fmt.Errorf("etcd state: close: %w", err)
		}
	})
	return s.closeErr
}
