package etcd_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/fedstore/fedstore/internal/state"
	"github.com/fedstore/fedstore/internal/state/etcd"
	"github.com/fedstore/fedstore/internal/state/statetest"
)

func open(t testing.TB, cfg etcd.Config) *etcd.Store {
	t.Helper()
	s, err := etcd.New(cfg)
	if err != nil {
		t.Fatalf("etcd.New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// client is a raw etcd client for the test's own inspection and compaction.
func client(t testing.TB, endpoint string) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}

// TestConformance runs the whole suite. Each store gets an embedded etcd
// member of its own (a fraction of a second to start): the compaction hook
// compacts the whole cluster, which on a shared one would break the other
// parallel subtests' watches from old revisions. Revisions are still declared
// shared, as they are in production (many stores on one cluster; the e2e run
// against a real etcd shares one process between all stores).
func TestConformance(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	endpoints := map[*etcd.Store]string{}
	var n atomic.Int64
	newStore := func(t *testing.T, endpoint, prefix string) state.Store {
		s, err := etcd.New(etcd.Config{Endpoints: []string{endpoint}, Prefix: prefix})
		if err != nil {
			t.Fatalf("etcd.New: %v", err)
		}
		mu.Lock()
		endpoints[s] = endpoint
		mu.Unlock()
		return s
	}
	statetest.Run(t,
		func(t *testing.T) state.Store {
			return newStore(t, startEtcd(t).endpoint, fmt.Sprintf("/conformance/%d/", n.Add(1)))
		},
		statetest.WithSharedRevisions(),
		statetest.WithReopen(func(t *testing.T, old state.Store) state.Store {
			s := old.(*etcd.Store)
			mu.Lock()
			endpoint := endpoints[s]
			mu.Unlock()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			return newStore(t, endpoint, s.Prefix())
		}),
		statetest.WithCompact(func(t *testing.T, st state.Store, rev int64) {
			mu.Lock()
			endpoint := endpoints[st.(*etcd.Store)]
			mu.Unlock()
			// etcd keeps history at the compaction revision itself; the suite
			// wants rev gone too.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := client(t, endpoint).Compact(ctx, rev+1, clientv3.WithCompactPhysical()); err != nil {
				t.Fatalf("compact %d: %v", rev+1, err)
			}
		}))
}
