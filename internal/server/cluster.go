package server

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/fedstore/fedstore/internal/adminapi"
	"github.com/fedstore/fedstore/internal/cluster"
	"github.com/fedstore/fedstore/internal/state/etcd"
)

// validateCluster checks --node-id and --advertise-url.
func (c *Config) validateCluster() error {
	if c.NodeID != "" {
		if err := cluster.CheckID(c.NodeID); err != nil {
			return fmt.Errorf("%w: --node-id: %w", ErrConfig, err)
		}
	}
	if c.AdvertiseURL != "" {
		u, err := url.Parse(c.AdvertiseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return fmt.Errorf("%w: --advertise-url %q must be http(s)://host[:port]", ErrConfig, c.AdvertiseURL)
		}
	}
	if c.State != StateEtcd && (c.EtcdPrefix != "" || c.EtcdCAFile != "" || c.EtcdCertFile != "" || c.EtcdKeyFile != "" || c.EtcdUsername != "" || len(c.EtcdEndpoints) > 0) {
		return fmt.Errorf("%w: --etcd-* settings need --state etcd", ErrConfig)
	}
	return nil
}

// nodeID is --node-id, else HOSTNAME:PORT (characters a node id cannot
// hold become '-').
func (s *Server) nodeID() string {
	if s.cfg.NodeID != "" {
		return s.cfg.NodeID
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "fedstore"
	}
	_, port, _ := net.SplitHostPort(s.Addr().String())
	id := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-", r) {
			return r
		}
		return '-'
	}, host)
	if len(id) > cluster.MaxNodeIDLen-7 {
		id = id[:cluster.MaxNodeIDLen-7]
	}
	return id + ":" + port
}

// wireCluster creates this node's registry entry (written by startCluster)
// and returns it for the admin API.
func (s *Server) wireCluster() adminapi.ClusterNodes {
	addr := s.cfg.AdvertiseURL
	if addr == "" {
		addr = s.URL()
	}
	version := s.cfg.Version
	if version == "" {
		version = "dev"
	}
	reg, err := cluster.New(s.store, cluster.Node{
		ID: s.nodeID(), Address: strings.TrimSuffix(addr, "/"), Version: version, State: s.cfg.State, StartedAt: s.clock(),
	}, cluster.Options{Clock: s.clock, Logger: s.log})
	if err != nil {
		// validate() checked the id; this is a programming error.
		s.log.Error("cluster registry unavailable", "error", err.Error())
		return nil
	}
	s.cluster = reg
	return reg
}

// clusterStore describes the state store for the cluster status.
func (s *Server) clusterStore() adminapi.ClusterStore {
	out := adminapi.ClusterStore{Backend: s.cfg.State}
	if st, ok := s.store.(*etcd.Store); ok {
		out.Endpoints = append([]string(nil), s.cfg.EtcdEndpoints...)
		out.Prefix = st.Prefix()
	}
	return out
}

// startCluster heartbeats this node's registry entry until stop, which
// removes the entry (before the store closes).
func (s *Server) startCluster(ctx context.Context) (stop func()) {
	if s.cluster == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.cluster.Run(ctx)
	}()
	return func() {
		cancel()
		wg.Wait()
	}
}

// Cluster is this node's registry (nil if it could not be built).
func (s *Server) Cluster() *cluster.Registry { return s.cluster }
