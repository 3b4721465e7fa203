package adminclient

import (
	"context"
	"net/http"

	"github.com/fedstore/fedstore/internal/adminapi"
)

// ClusterStatus returns the nodes registered in the cluster, the state store
// and its revision, as seen by the node the client talks to.
func (c *Client) ClusterStatus(ctx context.Context) (adminapi.ClusterStatus, error) {
	var out adminapi.ClusterStatus
	err := c.do(ctx, http.MethodGet, adminapi.PathCluster, nil, &out)
	return out, err
}
