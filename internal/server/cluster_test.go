package server

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/adminapi"
	"github.com/fedstore/fedstore/internal/adminclient"
	"github.com/fedstore/fedstore/internal/cluster"
	"github.com/fedstore/fedstore/internal/state"
	"github.com/fedstore/fedstore/internal/state/bolt"
)

// TestClusterStatusSingleNode: a bolt node registers itself, answers the
// cluster status with itself alone, and removes its entry on shutdown.
func TestClusterStatusSingleNode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		cfg             Config
		wantID, wantURL string // "" = derived
	}{
		{"defaults", Config{}, "", ""},
		{"named", Config{NodeID: "node-1", AdvertiseURL: "https://n1.example.com:9000"}, "node-1", "https://n1.example.com:9000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tc.cfg.DataDir = dir
			tc.cfg.RootUser, tc.cfg.RootPassword = testRootUser, testRootSecret
			r := start(t, tc.cfg)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c, err := adminclient.New(r.url(), testRootUser, testRootSecret)
			if err != nil {
				t.Fatal(err)
			}
			var st adminapi.ClusterStatus
			deadline := time.Now().Add(10 * time.Second)
			for {
				st, err = c.ClusterStatus(ctx)
				if err == nil && len(st.Nodes) == 1 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("cluster status: %+v %v", st, err)
				}
				time.Sleep(20 * time.Millisecond)
			}
			n := st.Nodes[0]
			wantID, wantURL := tc.wantID, tc.wantURL
			if wantID == "" {
				// HOSTNAME:PORT (a clean host name is kept as it is).
				_, port, _ := strings.Cut(strings.TrimPrefix(r.url(), "http://"), ":")
				host, _ := os.Hostname()
				wantID = host + ":" + port
				if cluster.CheckID(wantID) != nil {
					wantID = n.ID
				}
				if !strings.HasSuffix(n.ID, ":"+port) || cluster.CheckID(n.ID) != nil {
					t.Errorf("default node id %q: want a valid id ending in :%s", n.ID, port)
				}
			}
			if wantURL == "" {
				wantURL = r.url()
			}
			if st.Self != wantID || n.ID != wantID || !n.Self || n.Status != cluster.StatusUp || n.Address != wantURL ||
				n.State != StateBolt || st.Store.Backend != StateBolt || st.Store.Revision <= 0 || len(st.Store.Endpoints) != 0 {
				t.Fatalf("cluster status = %+v", st)
			}
			// Shutdown removes the entry.
			if err := r.stop(t); err != nil {
				t.Fatalf("Run: %v", err)
			}
			db, err := bolt.Open(dir + "/.fedstore/" + StateFileName)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Get(context.Background(), cluster.PrefixNodes+wantID); !errors.Is(err, state.ErrNotFound) {
				t.Fatalf("node entry after shutdown: %v, want ErrNotFound", err)
			}
		})
	}
}
