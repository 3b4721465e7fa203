package adminapi

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/fedstore/fedstore/internal/authn"
	"github.com/fedstore/fedstore/internal/cluster"
)

// PathCluster answers GET with the ClusterStatus.
const PathCluster = Prefix + "cluster"

// ClusterNodes is what the cluster endpoint needs (*cluster.Registry).
type ClusterNodes interface {
	ID() string
	Nodes(ctx context.Context) ([]cluster.NodeStatus, int64, error)
}

// ClusterStatus answers GET cluster: the node that answered, the state store
// and every registered node (by id).
type ClusterStatus struct {
	Self  string               `json:"self"`
	Store ClusterStore         `json:"store"`
	Nodes []cluster.NodeStatus `json:"nodes"`
}

// ClusterStore describes the shared state store.
type ClusterStore struct {
	// Backend is "bolt", "etcd" or "memory".
	Backend string `json:"backend"`
	// Endpoints and Prefix are etcd's (empty for bolt).
	Endpoints []string `json:"endpoints,omitempty"`
	Prefix    string   `json:"prefix,omitempty"`
	// Revision is the store-wide revision of the read.
	Revision int64 `json:"revision"`
}

func (a *api) clusterRoutes() []route {
	return []route{{http.MethodGet, PathCluster, "ClusterStatus", a.clusterStatus}}
}

func (a *api) clusterStatus(ctx context.Context, _ *http.Request, body io.Reader) (any, error) {
	if err := requireEmpty(body); err != nil {
		return nil, err
	}
	if a.cfg.Cluster == nil {
		return nil, fmt.Errorf("%w: the cluster registry is not available on this server", authn.ErrNotImplemented)
	}
	nodes, rev, err := a.cfg.Cluster.Nodes(ctx)
	if err != nil {
		return nil, err
	}
	out := ClusterStatus{Self: a.cfg.Cluster.ID(), Nodes: nodes}
	if out.Nodes == nil {
		out.Nodes = []cluster.NodeStatus{}
	}
	if a.cfg.ClusterStore != nil {
		out.Store = a.cfg.ClusterStore()
	}
	out.Store.Revision = rev
	return out, nil
}
