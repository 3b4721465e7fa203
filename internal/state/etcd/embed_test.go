package etcd_test

import (
	"net/url"
	"sync"
	"testing"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// node is one embedded single-member etcd on 127.0.0.1 random ports.
type node struct {
	e        *embed.Etcd
	endpoint string
	once     sync.Once
}

// stop shuts the member down (idempotent).
func (n *node) stop() { n.once.Do(n.e.Close) }

// startEtcd starts an embedded etcd with a t.TempDir() data dir and no
// fsync (tests only); it is stopped at cleanup.
func startEtcd(tb testing.TB) *node { return startEtcdWith(tb, false, nil) }

// startEtcdSync is startEtcd with a choice of fsync (benchmarks want it).
func startEtcdSync(tb testing.TB, fsync bool) *node { return startEtcdWith(tb, fsync, nil) }

// startEtcdWith also serves clients over TLS when tlsInfo is set.
func startEtcdWith(tb testing.TB, fsync bool, tlsInfo *transport.TLSInfo) *node {
	tb.Helper()
	cfg := embed.NewConfig()
	cfg.Dir = tb.TempDir()
	cfg.UnsafeNoFsync = !fsync
	cfg.BcryptCost = 4 // bcrypt.MinCost: password checks stay fast under -race on a busy machine
	local := func(scheme string) []url.URL { return []url.URL{{Scheme: scheme, Host: "127.0.0.1:0"}} }
	scheme := "http"
	if tlsInfo != nil {
		scheme = "https"
		cfg.ClientTLSInfo = *tlsInfo
	}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = local(scheme), local(scheme)
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = local("http"), local("http")
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	cfg.TickMs, cfg.ElectionMs = 10, 100
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		tb.Fatalf("start embedded etcd: %v", err)
	}
	n := &node{e: e, endpoint: scheme + "://" + e.Clients[0].Addr().String()}
	tb.Cleanup(n.stop)
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		tb.Fatalf("embedded etcd: %v", err)
	case <-time.After(20 * time.Second):
		tb.Fatal("embedded etcd not ready after 20s")
	}
	return n
}
