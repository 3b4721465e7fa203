package e2e

// Cluster mode: three fedstore processes on one real etcd and one shared
// data directory. Sessions issued by one node work on the others, policy
// edits and revocations reach every node within a second, a multipart
// upload spans the nodes, and an etcd outage keeps issued credentials
// working while STS and admin changes fail with ServiceUnavailable, until
// etcd returns and everything recovers by itself.

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/fedstore/fedstore/internal/adminapi"
	"github.com/fedstore/fedstore/internal/adminclient"
)

const (
	clusterBucket   = "e2e-cluster"
	clusterRoleARN  = "arn:aws:iam::000000000000:role/s3admin"
	clusterReadOnly = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket","s3:ListAllMyBuckets"],"Resource":"*"}]}`
	// propagation is the SPEC's bound for policy edits and revocations.
	propagation = time.Second
)

// clusterNode is one fedstore process of the cluster with its clients.
type clusterNode struct {
	name  string
	p     *proc
	admin *adminclient.Client
}

func startClusterNode(t *testing.T, name, dataDir string, etcdURL, prefix string) *clusterNode {
	t.Helper()
	p := startServerAt(t, dataDir, "--state", "etcd", "--etcd-endpoints", etcdURL, "--etcd-prefix", prefix,
		"--node-id", name, "--sts-cleanup-interval", "1s")
	t.Cleanup(func() {
		if !p.done {
			p.stopGracefully(t)
		}
	})
	ac, err := adminclient.New(p.URL, rootUser, rootPassword, adminclient.WithTimeout(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return &clusterNode{name: name, p: p, admin: ac}
}

// s3 is an SDK client for this node with session credentials.
func (n *clusterNode) s3(c stsCreds) *s3.Client {
	return s3.New(s3.Options{
		Region:                     region,
		BaseEndpoint:               aws.String(n.p.URL),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		HTTPClient:                 awshttp.NewBuildableClient().WithTimeout(time.Minute),
		RetryMaxAttempts:           1,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	})
}

// stsAnswer is the part of an STS response the test reads.
type stsAnswer struct {
	Result struct {
		Credentials struct {
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string `xml:"SecretAccessKey"`
			SessionToken    string `xml:"SessionToken"`
		} `xml:"Credentials"`
	} `xml:"AssumeRoleWithWebIdentityResult"`
	Error struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
}

// exchange calls AssumeRoleWithWebIdentity on the node (unsigned form POST).
func (n *clusterNode) exchange(t *testing.T, token, session string) (int, stsAnswer, time.Duration) {
	t.Helper()
	form := url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}, "RoleArn": {clusterRoleARN},
		"RoleSessionName": {session}, "WebIdentityToken": {token}, "DurationSeconds": {"900"}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.p.URL+"/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: STS call: %v", n.name, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var a stsAnswer
	if err := xml.Unmarshal(b, &a); err != nil {
		t.Fatalf("%s: STS answer (HTTP %d) is not XML: %v\n%s", n.name, resp.StatusCode, err, b)
	}
	return resp.StatusCode, a, time.Since(start)
}

// mustExchange exchanges token on n and returns the credentials.
func (n *clusterNode) mustExchange(t *testing.T, token, session string) stsCreds {
	t.Helper()
	status, a, _ := n.exchange(t, token, session)
	c := a.Result.Credentials
	if status != http.StatusOK || c.AccessKeyID == "" {
		t.Fatalf("%s: exchange: HTTP %d %s: %s", n.name, status, a.Error.Code, a.Error.Message)
	}
	return stsCreds{c.AccessKeyID, c.SecretAccessKey, c.SessionToken}
}

func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func adminCode(err error) string {
	var ae *adminclient.Error
	if errors.As(err, &ae) {
		return fmt.Sprintf("%d %s", ae.Status, ae.Code)
	}
	return ""
}

func putString(ctx context.Context, c *s3.Client, key, body string) error {
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(clusterBucket), Key: aws.String(key), Body: strings.NewReader(body)})
	return err
}

func getBytes(ctx context.Context, c *s3.Client, key string) ([]byte, error) {
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(clusterBucket), Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

// within polls cond every 10 ms until it holds and returns how long that
// took; it fails the test if it does not hold within limit.
func within(t *testing.T, what string, limit time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if cond() {
			took := time.Since(start)
			t.Logf("%s after %v", what, took.Round(time.Millisecond))
			return took
		}
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCluster(t *testing.T) {
	t.Parallel()
	et := startEtcdProc(t)
	idp := startOIDCProvider(t)
	dataDir := filepath.Join(t.TempDir(), "shared-data")
	const prefix = "/e2e-cluster/"
	a := startClusterNode(t, "node-a", dataDir, et.clientURL, prefix)
	b := startClusterNode(t, "node-b", dataDir, et.clientURL, prefix)
	// C reaches etcd through a link the test can cut (a partition).
	link := startEtcdLink(t, strings.TrimPrefix(et.clientURL, "http://"))
	c := startClusterNode(t, "node-c", dataDir, link.URL(), prefix)
	nodes := []*clusterNode{a, b, c}
	ctx := waitCtx(t, 3*time.Minute)

	// Configuration through different nodes: provider on A, policy on B.
	if _, err := a.admin.OIDCConfigure(ctx, adminapi.OIDCProviderConfig{ConfigURL: idp.Issuer, Audiences: []string{idp.Audience}}); err != nil {
		t.Fatalf("oidc configure on A: %v", err)
	}
	if _, err := b.admin.PolicyAdd(ctx, "s3admin", stsAdminPolicy); err != nil {
		t.Fatalf("policy add on B: %v", err)
	}

	t.Run("cluster status", func(t *testing.T) {
		cli := fedstoreCLI(t, b.p.URL)
		var st adminapi.ClusterStatus
		within(t, "all three nodes registered", 15*time.Second, func() bool {
			mustJSON(t, cli.run("cluster", "status", "--json"), &st)
			return len(st.Nodes) == 3
		})
		if st.Self != "node-b" || st.Store.Backend != "etcd" || st.Store.Prefix != prefix ||
			len(st.Store.Endpoints) != 1 || st.Store.Endpoints[0] != et.clientURL || st.Store.Revision <= 0 {
			t.Errorf("cluster status: %+v", st)
		}
		for i, n := range st.Nodes {
			if n.ID != nodes[i].name || n.Address != nodes[i].p.URL || n.Status != "up" || n.State != "etcd" || n.Self != (i == 1) {
				t.Errorf("node %d: %+v", i, n)
			}
		}
		if table := cli.run("cluster", "status"); !strings.Contains(table, "State store: etcd "+et.clientURL+" prefix "+prefix) ||
			!strings.Contains(table, "Nodes: 3 up, 3 registered") || !strings.Contains(table, "*  node-b") {
			t.Errorf("cluster status table:\n%s", table)
		}
	})

	// Credentials issued by A work on B and C at once.
	tok := idp.Token(t, []string{"s3admin"})
	creds := a.mustExchange(t, tok, "cluster-a")
	if _, err := b.s3(creds).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(clusterBucket)}); err != nil {
		t.Fatalf("CreateBucket on B with A's session: %v", describeSDKError(err))
	}
	if err := putString(ctx, c.s3(creds), "from-c.txt", "written through C"); err != nil {
		t.Fatalf("PutObject on C with A's session: %v", describeSDKError(err))
	}
	if got, err := getBytes(ctx, b.s3(creds), "from-c.txt"); err != nil || string(got) != "written through C" {
		t.Fatalf("GetObject on B: %q %v", got, describeSDKError(err))
	}
	if got, err := os.ReadFile(filepath.Join(dataDir, clusterBucket, "from-c.txt")); err != nil || string(got) != "written through C" {
		t.Fatalf("object file in the shared data dir: %q %v", got, err)
	}

	t.Run("policy tightened on C denies on A within a second", func(t *testing.T) {
		if err := putString(ctx, a.s3(creds), "before-tighten.txt", "ok"); err != nil {
			t.Fatalf("PutObject on A before: %v", describeSDKError(err))
		}
		if _, err := c.admin.PolicyAdd(ctx, "s3admin", clusterReadOnly); err != nil {
			t.Fatalf("policy replace on C: %v", err)
		}
		took := within(t, "PutObject on A denied", 5*time.Second, func() bool {
			return errCode(putString(ctx, a.s3(creds), "after-tighten.txt", "no")) == "AccessDenied"
		})
		if took > propagation {
			t.Errorf("policy edit took %v to apply on A, want <= %v", took, propagation)
		}
		if _, err := getBytes(ctx, a.s3(creds), "before-tighten.txt"); err != nil {
			t.Errorf("GetObject on A under the read-only policy: %v", describeSDKError(err))
		}
		if _, err := os.Stat(filepath.Join(dataDir, clusterBucket, "after-tighten.txt")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a denied PUT left a file (stat: %v)", err)
		}
		// Restore through A; B sees it within a second.
		if _, err := a.admin.PolicyAdd(ctx, "s3admin", stsAdminPolicy); err != nil {
			t.Fatal(err)
		}
		if took := within(t, "PutObject on B allowed again", 5*time.Second, func() bool {
			return putString(ctx, b.s3(creds), "after-restore.txt", "yes") == nil
		}); took > propagation {
			t.Errorf("policy restore took %v to apply on B", took)
		}
	})

	t.Run("revoke on B stops the session on A and C within a second", func(t *testing.T) {
		victim := c.mustExchange(t, idp.Token(t, []string{"s3admin"}), "victim")
		for _, n := range nodes {
			if _, err := n.s3(victim).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(clusterBucket)}); err != nil {
				t.Fatalf("victim session on %s before revoke: %v", n.name, describeSDKError(err))
			}
		}
		if _, err := b.admin.STSRevoke(ctx, victim.AccessKeyID); err != nil {
			t.Fatalf("revoke on B: %v", err)
		}
		var wg sync.WaitGroup
		for _, n := range []*clusterNode{a, c} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				took := within(t, "revoked session refused on "+n.name, 5*time.Second, func() bool {
					_, err := n.s3(victim).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(clusterBucket)})
					return err != nil
				})
				if took > propagation {
					t.Errorf("revocation took %v to reach %s", took, n.name)
				}
				_, err := n.s3(victim).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(clusterBucket)})
				if code := errCode(err); code != "InvalidToken" {
					t.Errorf("revoked session on %s: %v, want InvalidToken", n.name, describeSDKError(err))
				}
			}()
		}
		wg.Wait()
		// The other session is untouched.
		if _, err := a.s3(creds).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(clusterBucket)}); err != nil {
			t.Fatalf("unrevoked session on A: %v", describeSDKError(err))
		}
	})

	t.Run("multipart created on A, parts on B and C, completed on C", func(t *testing.T) {
		const key = "multi/spread.bin"
		data := testData(6<<20+12345, 5)
		cm, err := a.s3(creds).CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(clusterBucket), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("CreateMultipartUpload on A: %v", describeSDKError(err))
		}
		split := 5 << 20
		chunks := [][]byte{data[:split], data[split:]}
		parts := make([]types.CompletedPart, 2)
		for i, n := range []*clusterNode{b, c} {
			up, err := n.s3(creds).UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(clusterBucket), Key: aws.String(key),
				UploadId: cm.UploadId, PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(chunks[i])})
			if err != nil {
				t.Fatalf("UploadPart %d on %s: %v", i+1, n.name, describeSDKError(err))
			}
			parts[i] = types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: up.ETag, ChecksumCRC32: up.ChecksumCRC32}
		}
		lp, err := a.s3(creds).ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(clusterBucket), Key: aws.String(key), UploadId: cm.UploadId})
		if err != nil || len(lp.Parts) != 2 {
			t.Fatalf("ListParts on A: %d parts, %v", len(lp.Parts), describeSDKError(err))
		}
		if _, err := c.s3(creds).CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(clusterBucket), Key: aws.String(key),
			UploadId: cm.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
			t.Fatalf("CompleteMultipartUpload on C: %v", describeSDKError(err))
		}
		got, err := getBytes(ctx, a.s3(creds), key)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("GetObject on A after completion: %d bytes (want %d), %v", len(got), len(data), describeSDKError(err))
		}
	})

	t.Run("same key written on every node at once: one whole winner", func(t *testing.T) {
		const key = "contended.bin"
		bodies := map[string][]byte{}
		for i, n := range nodes {
			bodies[n.name] = testData(1<<20, uint64(100+i))
		}
		for round := range 3 {
			var wg sync.WaitGroup
			for _, n := range nodes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := n.s3(creds).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(clusterBucket), Key: aws.String(key),
						Body: bytes.NewReader(bodies[n.name])})
					if err != nil {
						t.Errorf("round %d: PutObject on %s: %v", round, n.name, describeSDKError(err))
					}
				}()
			}
			wg.Wait()
			got, err := getBytes(ctx, c.s3(creds), key)
			if err != nil {
				t.Fatal(describeSDKError(err))
			}
			winner := ""
			for name, body := range bodies {
				if bytes.Equal(got, body) {
					winner = name
				}
			}
			if winner == "" {
				t.Fatalf("round %d: the object (%d bytes) is none of the three writes", round, len(got))
			}
		}
	})

	// Every node has run its expired-session cleanup every second since
	// it started; the live session is still listed and still works.
	sess, err := c.admin.STSSessions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range sess.Sessions {
		found = found || s.AccessKey == creds.AccessKeyID
	}
	if !found {
		t.Fatalf("live session %s missing from sts list after many cleanup passes on 3 nodes: %+v", creds.AccessKeyID, sess.Sessions)
	}

	t.Run("node cut off etcd catches up after compaction", func(t *testing.T) { clusterPartition(t, et, link, idp, nodes, creds) })
	t.Run("etcd outage and recovery", func(t *testing.T) { clusterOutage(t, et, idp, nodes, creds) })
}

// clusterOutage stops etcd: issued credentials keep working on every node,
// STS exchanges answer ServiceUnavailable, admin changes a JSON
// ServiceUnavailable and readiness 503; after a restart every node
// recovers by itself and nothing acknowledged is lost.
func clusterOutage(t *testing.T, et *etcdProc, idp *idp, nodes []*clusterNode, creds stsCreds) {
	a, b, c := nodes[0], nodes[1], nodes[2]
	ctx := waitCtx(t, 3*time.Minute)
	tok := idp.Token(t, []string{"s3admin"}) // the IdP stays up

	et.stop()
	var outageWrites atomic.Int64
	for i, n := range nodes {
		key := "outage/" + n.name + ".txt"
		if err := putString(ctx, n.s3(creds), key, "acknowledged during the outage by "+n.name); err != nil {
			t.Errorf("PutObject on %s during the outage: %v", n.name, describeSDKError(err))
			continue
		}
		outageWrites.Add(1)
		if got, err := getBytes(ctx, nodes[(i+1)%len(nodes)].s3(creds), key); err != nil || !strings.Contains(string(got), n.name) {
			t.Errorf("GetObject during the outage: %q %v", got, describeSDKError(err))
		}
	}
	status, ans, took := b.exchange(t, tok, "during-outage")
	if status != http.StatusServiceUnavailable || ans.Error.Code != "ServiceUnavailable" || ans.Result.Credentials.AccessKeyID != "" {
		t.Errorf("STS exchange on B during the outage: HTTP %d %q %q, want 503 ServiceUnavailable", status, ans.Error.Code, ans.Error.Message)
	}
	t.Logf("STS during the outage: HTTP %d %s (%q) after %v", status, ans.Error.Code, ans.Error.Message, took.Round(time.Millisecond))
	_, err := c.admin.PolicyAdd(ctx, "outage-policy", clusterReadOnly)
	if code := adminCode(err); code != "503 ServiceUnavailable" {
		t.Errorf("policy add on C during the outage: %v (%q), want 503 ServiceUnavailable", err, code)
	}
	_, err = a.admin.ClusterStatus(ctx)
	if code := adminCode(err); code != "503 ServiceUnavailable" {
		t.Errorf("cluster status on A during the outage: %v, want 503 ServiceUnavailable", err)
	}
	resp, err := http.Get(a.p.URL + "/health/ready")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "state store") {
		t.Errorf("/health/ready during the outage: %d %q", resp.StatusCode, body)
	}

	et.start()
	// Every node becomes ready again by itself (its etcd client reconnects
	// with backoff), then STS and admin changes work again.
	for _, n := range nodes {
		within(t, n.name+" ready again", 30*time.Second, func() bool {
			resp, err := http.Get(n.p.URL + "/health/ready")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		})
	}
	var fresh stsCreds
	within(t, "STS exchange on B works again", 30*time.Second, func() bool {
		status, ans, _ := b.exchange(t, tok, "after-outage")
		if status == http.StatusOK {
			c := ans.Result.Credentials
			fresh = stsCreds{c.AccessKeyID, c.SecretAccessKey, c.SessionToken}
			return true
		}
		return false
	})
	within(t, "admin change on C works again", 30*time.Second, func() bool {
		_, err := c.admin.PolicyAdd(ctx, "s3admin", clusterReadOnly)
		return err == nil
	})
	// The watches resumed: the edit reaches A, and a new revocation too.
	if took := within(t, "policy edit after the outage denies on A", 5*time.Second, func() bool {
		return errCode(putString(ctx, a.s3(fresh), "after-outage.txt", "no")) == "AccessDenied"
	}); took > propagation {
		t.Errorf("policy edit after the outage took %v to reach A", took)
	}
	if _, err := a.admin.STSRevoke(ctx, fresh.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	if took := within(t, "revocation after the outage refused on C", 5*time.Second, func() bool {
		_, err := c.s3(fresh).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(clusterBucket)})
		return errCode(err) == "InvalidToken"
	}); took > propagation {
		t.Errorf("revocation after the outage took %v to reach C", took)
	}
	// Nothing acknowledged is lost: the pre-outage session is listed and
	// works, the provider and policy are there, the outage writes are readable.
	sess, err := c.admin.STSSessions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range sess.Sessions {
		found = found || s.AccessKey == creds.AccessKeyID
	}
	if !found {
		t.Errorf("pre-outage session missing after the outage")
	}
	if pl, err := b.admin.PolicyList(ctx); err != nil || !strings.Contains(fmt.Sprint(pl), "s3admin") {
		t.Errorf("policies after the outage: %+v %v", pl, err)
	}
	if n := outageWrites.Load(); n != 3 {
		t.Errorf("%d of 3 writes acknowledged during the outage", n)
	}
	for _, n := range nodes {
		if got, err := getBytes(ctx, c.s3(creds), "outage/"+n.name+".txt"); err != nil || !strings.Contains(string(got), n.name) {
			t.Errorf("outage write of %s after recovery: %q %v", n.name, got, describeSDKError(err))
		}
	}
	var st adminapi.ClusterStatus
	within(t, "cluster status lists three nodes up again", 15*time.Second, func() bool {
		var err error
		st, err = a.admin.ClusterStatus(ctx)
		if err != nil || len(st.Nodes) != 3 {
			return false
		}
		for _, n := range st.Nodes {
			if n.Status != "up" {
				return false
			}
		}
		return true
	})
	b2, _ := json.Marshal(st)
	t.Logf("cluster status after recovery: %s", b2)
}

// TestClusterSTSThroughput measures STS exchanges per second on one node
// with --state bolt and with --state etcd (one local etcd process), each
// with 32 concurrent clients for 3 s, every exchange a real RS256 token
// check, sealing and a durable session record. It is a measurement, so it
// runs only with FEDSTORE_E2E_BENCH=1 (on an otherwise idle machine):
//
//	FEDSTORE_E2E_BENCH=1 go test ./e2e -run TestClusterSTSThroughput -v
func TestClusterSTSThroughput(t *testing.T) {
	if os.Getenv("FEDSTORE_E2E_BENCH") == "" {
		t.Skip("a measurement: set FEDSTORE_E2E_BENCH=1 to run it")
	}
	idp := startOIDCProvider(t)
	et := startEtcdProc(t)
	const (
		clients  = 32
		duration = 3 * time.Second
	)
	rates := map[string]float64{}
	for _, mode := range []struct {
		name  string
		flags []string
	}{
		{"bolt", nil},
		{"etcd", []string{"--state", "etcd", "--etcd-endpoints", et.clientURL, "--etcd-prefix", "/bench/"}},
	} {
		p := startServerAt(t, filepath.Join(t.TempDir(), mode.name, "data"), mode.flags...)
		n := &clusterNode{name: mode.name, p: p}
		var err error
		if n.admin, err = adminclient.New(p.URL, rootUser, rootPassword); err != nil {
			t.Fatal(err)
		}
		ctx := waitCtx(t, time.Minute)
		if _, err := n.admin.OIDCConfigure(ctx, adminapi.OIDCProviderConfig{ConfigURL: idp.Issuer, Audiences: []string{idp.Audience}}); err != nil {
			t.Fatal(err)
		}
		if _, err := n.admin.PolicyAdd(ctx, "s3admin", stsAdminPolicy); err != nil {
			t.Fatal(err)
		}
		form := url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}, "RoleArn": {clusterRoleARN},
			"RoleSessionName": {"bench"}, "WebIdentityToken": {idp.Token(t, []string{"s3admin"})}}.Encode()
		tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
		hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
		t.Cleanup(tr.CloseIdleConnections)
		n.mustExchange(t, idp.Token(t, []string{"s3admin"}), "warmup")
		var ok, failed atomic.Int64
		var firstErr atomic.Value
		stop := time.Now().Add(duration)
		var wg sync.WaitGroup
		start := time.Now()
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(stop) {
					resp, err := hc.Post(p.URL+"/", "application/x-www-form-urlencoded", strings.NewReader(form))
					if err != nil {
						failed.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
						continue
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						failed.Add(1)
						firstErr.CompareAndSwap(nil, fmt.Sprintf("HTTP %d: %s", resp.StatusCode, b))
						continue
					}
					ok.Add(1)
				}
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		if failed.Load() > 0 || ok.Load() == 0 {
			t.Fatalf("%s: %d exchanges failed (first: %v), %d succeeded", mode.name, failed.Load(), firstErr.Load(), ok.Load())
		}
		rates[mode.name] = float64(ok.Load()) / elapsed.Seconds()
		t.Logf("%s: %d exchanges in %v with %d clients: %.0f exchanges/s", mode.name, ok.Load(), elapsed.Round(time.Millisecond), clients, rates[mode.name])
		p.stopGracefully(t)
	}
	t.Logf("STS exchanges/s on one node: bolt %.0f, etcd %.0f (etcd/bolt %.2f)", rates["bolt"], rates["etcd"], rates["etcd"]/rates["bolt"])
}
