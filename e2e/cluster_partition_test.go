package e2e

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// etcdLink is a TCP relay between one fedstore node and etcd that the test
// can cut (every connection dropped, new ones refused) and restore: a
// network partition of that node alone.
type etcdLink struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]struct{}
}

// startEtcdLink relays 127.0.0.1:PORT to target (host:port) until the test
// ends; URL is what the node uses as its etcd endpoint.
func startEtcdLink(t *testing.T, target string) *etcdLink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &etcdLink{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	go l.serve()
	t.Cleanup(func() {
		_ = ln.Close()
		l.setCut(true)
	})
	return l
}

func (l *etcdLink) URL() string { return "http://" + l.ln.Addr().String() }

func (l *etcdLink) serve() {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		go l.relay(c)
	}
}

func (l *etcdLink) relay(c net.Conn) {
	l.mu.Lock()
	if l.cut {
		l.mu.Unlock()
		_ = c.Close()
		return
	}
	l.mu.Unlock()
	up, err := net.DialTimeout("tcp", l.target, 2*time.Second)
	if err != nil {
		_ = c.Close()
		return
	}
	l.mu.Lock()
	if l.cut {
		l.mu.Unlock()
		_, _ = c.Close(), up.Close()
		return
	}
	l.conns[c], l.conns[up] = struct{}{}, struct{}{}
	l.mu.Unlock()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	_, _ = c.Close(), up.Close()
	l.mu.Lock()
	delete(l.conns, c)
	delete(l.conns, up)
	l.mu.Unlock()
}

// setCut drops every relayed connection and refuses new ones (true), or
// relays again (false).
func (l *etcdLink) setCut(cut bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cut = cut
	if cut {
		for c := range l.conns {
			_ = c.Close()
		}
	}
}

// clusterPartition cuts node c off etcd while a policy is tightened through
// a, a session revoked through b, and etcd's history compacted past every
// revision c has seen. c keeps serving from its caches meanwhile; when the
// link returns its watches cannot resume (compacted), so it reloads, and
// ends up with both changes without a restart.
func clusterPartition(t *testing.T, et *etcdProc, link *etcdLink, idp *idp, nodes []*clusterNode, creds stsCreds) {
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx := waitCtx(t, 2*time.Minute)
	victim := a.mustExchange(t, idp.Token(t, []string{"s3admin"}), "partition-victim")
	if _, err := c.s3(victim).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(clusterBucket)}); err != nil {
		t.Fatalf("victim session on C before the partition: %v", describeSDKError(err))
	}

	link.setCut(true)
	if _, err := a.admin.PolicyAdd(ctx, "s3admin", clusterReadOnly); err != nil {
		t.Fatalf("policy edit on A during the partition: %v", err)
	}
	if _, err := b.admin.STSRevoke(ctx, victim.AccessKeyID); err != nil {
		t.Fatalf("revoke on B during the partition: %v", err)
	}
	// A and B apply both at once; C, cut off, still serves from its caches.
	within(t, "policy edit denies on B", 5*time.Second, func() bool {
		return errCode(putString(ctx, b.s3(creds), "partition/b.txt", "no")) == "AccessDenied"
	})
	if err := putString(ctx, c.s3(creds), "partition/c.txt", "C serves from its caches"); err != nil {
		t.Fatalf("C during the partition: %v", describeSDKError(err))
	}
	raw, err := clientv3.New(clientv3.Config{Endpoints: []string{et.clientURL}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := raw.Get(cctx, "/", clientv3.WithCountOnly())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Compact(cctx, resp.Header.Revision, clientv3.WithCompactPhysical()); err != nil {
		t.Fatalf("compact: %v", err)
	}
	t.Logf("etcd compacted at revision %d while node-c was cut off", resp.Header.Revision)

	link.setCut(false)
	within(t, "node-c applies the policy edit made during its partition", 30*time.Second, func() bool {
		return errCode(putString(ctx, c.s3(creds), "partition/c2.txt", "no")) == "AccessDenied"
	})
	within(t, "node-c refuses the session revoked during its partition", 30*time.Second, func() bool {
		_, err := c.s3(victim).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(clusterBucket)})
		return errCode(err) == "InvalidToken"
	})
	// Its watches follow again: a change through A reaches C within a second.
	if _, err := a.admin.PolicyAdd(ctx, "s3admin", stsAdminPolicy); err != nil {
		t.Fatal(err)
	}
	if took := within(t, "policy restore through A allows on C", 5*time.Second, func() bool {
		return putString(ctx, c.s3(creds), "partition/c3.txt", "yes") == nil
	}); took > propagation {
		t.Errorf("after the partition, a policy edit took %v to reach C", took)
	}
}
