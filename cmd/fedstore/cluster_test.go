package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/fedstore/fedstore/internal/adminapi"
	"github.com/fedstore/fedstore/internal/adminapi/adminapitest"
	"github.com/fedstore/fedstore/internal/cluster"
	"github.com/fedstore/fedstore/internal/rootcred"
	"github.com/fedstore/fedstore/internal/state/memory"
)

// clusterServer serves the admin API with a real registry over a memory
// store: node-a (self) heartbeats now, node-b stopped 40 s ago.
func clusterServer(t *testing.T) *httptest.Server {
	t.Helper()
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	now := testStarted.Add(time.Hour)
	regs := map[string]*cluster.Registry{}
	for _, n := range []struct {
		id, addr string
		beat     time.Time
	}{{"node-b", "http://10.0.0.2:9000", now.Add(-40 * time.Second)}, {"node-a", "http://10.0.0.1:9000", now}} {
		beat := n.beat
		r, err := cluster.New(st, cluster.Node{ID: n.id, Address: n.addr, Version: "v1.2.3", State: "etcd", StartedAt: testStarted},
			cluster.Options{Clock: func() time.Time { return beat }})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Register(context.Background()); err != nil {
			t.Fatal(err)
		}
		regs[n.id] = r
	}
	// node-a answers, reading at "now".
	self, err := cluster.New(st, cluster.Node{ID: "node-a"}, cluster.Options{Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	h := adminapi.New(adminapi.Config{
		Auth:    &adminapitest.Verifier{AccessKey: testAK, SecretKey: testSK},
		Cluster: self,
		ClusterStore: func() adminapi.ClusterStore {
			return adminapi.ClusterStore{Backend: "etcd", Endpoints: []string{"http://10.0.0.9:2379", "http://10.0.0.10:2379"}, Prefix: "/fedstore/"}
		},
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func runCluster(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	root := &cobra.Command{Use: "fedstore", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(newClusterCmd(func(k string) string { return env[k] }))
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestClusterStatusGolden(t *testing.T) {
	t.Parallel()
	srv := clusterServer(t)
	env := map[string]string{rootcred.EnvUser: testAK, rootcred.EnvPassword: testSK}
	tests := []struct {
		name   string
		args   []string
		golden string
	}{
		{"table", []string{"cluster", "status", "--endpoint", srv.URL}, "cluster_status.txt"},
		{"json", []string{"cluster", "status", "--endpoint", srv.URL, "--json"}, "cluster_status.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := runCluster(t, env, tc.args...)
			if err != nil {
				t.Fatalf("cluster status: %v", err)
			}
			golden(t, tc.golden, out)
		})
	}
}

func TestClusterStatusErrors(t *testing.T) {
	t.Parallel()
	srv := clusterServer(t)
	// A server without a registry answers NotImplemented.
	bare := httptest.NewServer(adminapi.New(adminapi.Config{Auth: &adminapitest.Verifier{AccessKey: testAK, SecretKey: testSK}}))
	t.Cleanup(bare.Close)
	good := map[string]string{rootcred.EnvUser: testAK, rootcred.EnvPassword: testSK}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"wrong secret", map[string]string{rootcred.EnvUser: testAK, rootcred.EnvPassword: "wrong-secret-0123456789"},
			[]string{"cluster", "status", "--endpoint", srv.URL}, "SignatureDoesNotMatch"},
		{"no registry", good, []string{"cluster", "status", "--endpoint", bare.URL}, "NotImplemented"},
		{"unreachable", good, []string{"cluster", "status", "--endpoint", "http://127.0.0.1:1"}, "cannot reach fedstore"},
		{"extra arg", good, []string{"cluster", "status", "x", "--endpoint", srv.URL}, "unknown command"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := runCluster(t, tc.env, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
