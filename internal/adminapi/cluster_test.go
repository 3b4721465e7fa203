package adminapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/cluster"
	"github.com/fedstore/fedstore/internal/state"
)

type fakeCluster struct {
	nodes []cluster.NodeStatus
	err   error
}

func (f fakeCluster) ID() string { return "node-a" }

func (f fakeCluster) Nodes(context.Context) ([]cluster.NodeStatus, int64, error) {
	return f.nodes, 42, f.err
}

func TestClusterStatus(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	nodes := []cluster.NodeStatus{
		{Node: cluster.Node{ID: "node-a", Address: "http://10.0.0.1:9000", Version: "v1", State: "etcd", StartedAt: at, Heartbeat: at.Add(time.Minute)},
			Status: cluster.StatusUp, Self: true, AgeSeconds: 1},
		{Node: cluster.Node{ID: "node-b", Address: "http://10.0.0.2:9000", Version: "v1", State: "etcd", StartedAt: at, Heartbeat: at},
			Status: cluster.StatusStale, AgeSeconds: 61},
	}
	store := func() ClusterStore {
		return ClusterStore{Backend: "etcd", Endpoints: []string{"http://10.0.0.9:2379"}, Prefix: "/fedstore/", Revision: 7}
	}
	tests := []struct {
		name    string
		cl      ClusterNodes
		method  string
		body    string
		status  int
		code    string
		golden  string
		content []string
	}{
		{"status", fakeCluster{nodes: nodes}, http.MethodGet, "", 200, "", "cluster_status.json", nil},
		{"empty", fakeCluster{}, http.MethodGet, "", 200, "", "", []string{`"nodes": []`, `"revision": 42`}},
		{"store down", fakeCluster{err: fmt.Errorf("cluster: list nodes: %w", state.ErrUnavailable)}, http.MethodGet, "", 503, "ServiceUnavailable", "", []string{"unavailable"}},
		{"no registry", nil, http.MethodGet, "", 501, "NotImplemented", "", []string{"not available"}},
		{"body", fakeCluster{}, http.MethodGet, "x", 400, "InvalidRequest", "", nil},
		{"post", fakeCluster{}, http.MethodPost, "", 405, "MethodNotAllowed", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := Config{Auth: root(), ClusterStore: store}
			if tc.cl != nil {
				cfg.Cluster = tc.cl
			}
			h := New(cfg)
			w, info := serve(h, tc.method, PathCluster, strings.NewReader(tc.body))
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if tc.code != "" {
				if e := decodeErr(t, w); e.Code != tc.code {
					t.Fatalf("code %q, want %q", e.Code, tc.code)
				}
			} else if info.Op != "ClusterStatus" {
				t.Fatalf("op %q", info.Op)
			}
			for _, c := range tc.content {
				if !strings.Contains(w.Body.String(), c) {
					t.Errorf("body lacks %q: %s", c, w.Body)
				}
			}
			if tc.golden != "" {
				golden(t, tc.golden, w.Body.Bytes())
			}
		})
	}
}
