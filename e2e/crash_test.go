package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/fedstore/fedstore/internal/adminclient"
)

// Crash safety (issue 6, item 1). Each seed starts the real binary, runs
// concurrent small PUTs, DELETEs, multipart uploads and policy writes (state store),
// kills the process with SIGKILL at a seeded moment, restarts it on the same
// data dir and checks what survived. CI runs crashSeedsCI seeds; `make soak`
// (FEDSTORE_SOAK=1) runs crashSeedsSoak. FEDSTORE_CRASH_SEED=N runs seed N alone
// (to reproduce a failure).
const (
	crashSeedsCI   = 3
	crashSeedsSoak = 20
	crashBucket    = "crash"
	putWorkers     = 8
	mpWorkers      = 2
	policyWorkers  = 1
)

func soakMode() bool { return os.Getenv("FEDSTORE_SOAK") != "" }

func TestCrashSafety(t *testing.T) {
	t.Parallel()
	seeds := []uint64{}
	if s := os.Getenv("FEDSTORE_CRASH_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("FEDSTORE_CRASH_SEED=%q: %v", s, err)
		}
		seeds = append(seeds, n)
	} else {
		n := crashSeedsCI
		if soakMode() {
			n = crashSeedsSoak
		}
		for i := range n {
			seeds = append(seeds, uint64(i+1))
		}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { crashRound(t, seed) })
	}
}

// keyRecord is what was sent for one key (written by one worker only).
type keyRecord struct {
	acked   string          // sha256 of the last acknowledged version (or deleted), "" if none
	pending map[string]bool // versions sent after it that got no answer (may have landed)
}

// writeLog is what one worker sent and what was acknowledged.
type writeLog struct {
	keys     map[string]*keyRecord
	policies map[string]bool // acknowledged policy names
	acks     int
	sent     int
}

// deleted is the "version" a DELETE writes.
const deleted = "(deleted)"

func newWriteLog() *writeLog {
	return &writeLog{keys: map[string]*keyRecord{}, policies: map[string]bool{}}
}

func (l *writeLog) begin(key, sum string) {
	r := l.keys[key]
	if r == nil {
		r = &keyRecord{pending: map[string]bool{}}
		l.keys[key] = r
	}
	r.pending[sum] = true
	l.sent++
}

func (l *writeLog) ack(key, sum string) {
	r := l.keys[key]
	r.acked = sum
	r.pending = map[string]bool{} // sequential per key: older attempts are superseded
	l.acks++
}

func crashRound(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x6372617368))
	killAfter := time.Second + time.Duration(rng.Int64N(int64(3*time.Second)))
	dataDir := filepath.Join(t.TempDir(), "data")
	p := startServerAt(t, dataDir)
	if r := (rawReq{Method: http.MethodPut, Path: "/" + crashBucket}).do(t, p.server); r.Status != http.StatusOK {
		t.Fatalf("CreateBucket: %s", r)
	}
	c := directSDKClient(p.server)
	admin, err := adminclient.New(p.URL, rootUser, rootPassword)
	if err != nil {
		t.Fatal(err)
	}

	var killed atomic.Bool
	var unexpected atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := make([]*writeLog, putWorkers+mpWorkers+policyWorkers)
	var wg sync.WaitGroup
	for w := range logs {
		logs[w] = newWriteLog()
		wrng := rand.New(rand.NewPCG(seed, uint64(w)))
		fail := func(format string, a ...any) {
			if !killed.Load() {
				unexpected.Add(1)
				t.Errorf("worker %d before the kill: "+format, append([]any{w}, a...)...)
			}
		}
		wg.Go(func() {
			switch {
			case w < putWorkers:
				putWorker(ctx, c, w, wrng, logs[w], fail)
			case w < putWorkers+mpWorkers:
				multipartWorker(ctx, c, w, wrng, logs[w], fail)
			default:
				policyWorker(ctx, admin, w, logs[w], fail)
			}
		})
	}
	time.Sleep(killAfter)
	killed.Store(true)
	p.kill9(t)
	cancel()
	wg.Wait()

	all := newWriteLog()
	for _, l := range logs {
		for k, r := range l.keys {
			all.keys[k] = r
		}
		for n := range l.policies {
			all.policies[n] = true
		}
		all.acks += l.acks
		all.sent += l.sent
	}
	inFlight := 0
	for _, r := range all.keys {
		inFlight += len(r.pending)
	}
	leftTemps, _ := countFiles(filepath.Join(dataDir, ".fedstore", "tmp"))
	t.Logf("seed %d: killed after %v; %d object writes (PUT, multipart, DELETE) sent, %d acknowledged, %d in flight at the kill; %d policies acknowledged; %d temp files left by the crash",
		seed, killAfter.Round(time.Millisecond), all.sent, all.acks, inFlight, len(all.policies), leftTemps)
	if all.acks == 0 {
		t.Fatalf("no write was acknowledged before the kill: the round proves nothing")
	}

	// Restart on the same data dir: the state store must open cleanly.
	p2 := startServerAt(t, dataDir)
	// Small PUTs were made durable by the object journal; the restart
	// replays what the killed process had not checkpointed.
	for _, l := range strings.Split(p2.server.logs.String(), "\n") {
		if strings.Contains(l, "journal replayed") {
			t.Logf("restart: %s", l)
		}
	}
	verifyAfterCrash(t, p2, dataDir, all)
	p2.stopGracefully(t)
	// A clean shutdown checkpoints: the next start has nothing to replay.
	p3 := startServerAt(t, dataDir)
	if strings.Contains(p3.server.logs.String(), "journal replayed") {
		t.Errorf("the start after a clean shutdown replayed the journal:\n%s", p3.server.logs.Tail(20))
	}
	p3.stopGracefully(t)
}

// putWorker PUTs objects of 0..64 KiB (sometimes 1..4 MiB) under keys of its
// own, overwriting some and deleting some (one step in eight), until the
// server goes away.
func putWorker(ctx context.Context, c *s3.Client, w int, rng *rand.Rand, l *writeLog, fail func(string, ...any)) {
	for ctx.Err() == nil {
		key := fmt.Sprintf("w%d/dir%d/k%d", w, rng.IntN(3), rng.IntN(40))
		if rng.IntN(8) == 0 {
			l.begin(key, deleted)
			if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(crashBucket), Key: aws.String(key)}); err != nil {
				fail("DeleteObject %s: %v", key, describeSDKError(err))
				return
			}
			l.ack(key, deleted)
			continue
		}
		n := rng.IntN(64 << 10)
		if rng.IntN(10) == 0 {
			n = 1<<20 + rng.IntN(3<<20)
		}
		body := testData(n, rng.Uint64())
		sum := sha256Hex(body)
		l.begin(key, sum)
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(crashBucket), Key: aws.String(key), Body: bytes.NewReader(body)})
		if err != nil {
			fail("PutObject %s: %v", key, describeSDKError(err))
			return
		}
		l.ack(key, sum)
	}
}

// multipartWorker uploads objects of two parts (5 MiB + up to 1 MiB).
func multipartWorker(ctx context.Context, c *s3.Client, w int, rng *rand.Rand, l *writeLog, fail func(string, ...any)) {
	for ctx.Err() == nil {
		key := fmt.Sprintf("mp%d/k%d", w, rng.IntN(6))
		body := testData(5<<20+rng.IntN(1<<20), rng.Uint64())
		sum := sha256Hex(body)
		l.begin(key, sum)
		cm, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(crashBucket), Key: aws.String(key)})
		if err != nil {
			fail("CreateMultipartUpload %s: %v", key, describeSDKError(err))
			return
		}
		var parts []types.CompletedPart
		for i, chunk := range [][]byte{body[:5<<20], body[5<<20:]} {
			up, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(crashBucket), Key: aws.String(key), UploadId: cm.UploadId,
				PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(chunk)})
			if err != nil {
				fail("UploadPart %s: %v", key, describeSDKError(err))
				return
			}
			parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: up.ETag, ChecksumCRC32: up.ChecksumCRC32})
		}
		_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(crashBucket), Key: aws.String(key),
			UploadId: cm.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
		if err != nil {
			fail("CompleteMultipartUpload %s: %v", key, describeSDKError(err))
			return
		}
		l.ack(key, sum)
	}
}

// policyWorker adds policies through the admin API (writes to the state store).
func policyWorker(ctx context.Context, admin *adminclient.Client, w int, l *writeLog, fail func(string, ...any)) {
	for i := 0; ctx.Err() == nil; i++ {
		name := fmt.Sprintf("crash-%d-%d", w, i)
		doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::%s/p%d/*"}]}`, crashBucket, i)
		if _, err := admin.PolicyAdd(ctx, name, doc); err != nil {
			fail("PolicyAdd %s: %v", name, err)
			return
		}
		l.policies[name] = true
	}
}

// verifyAfterCrash checks the restarted server against the write log.
func verifyAfterCrash(t *testing.T, p *proc, dataDir string, all *writeLog) {
	t.Helper()
	ctx := waitCtx(t, 2*time.Minute)
	c := directSDKClient(p.server)

	// Temp files of the killed process are gone; only the new instance's
	// (empty) temp directory remains.
	tmpRoot := filepath.Join(dataDir, ".fedstore", "tmp")
	if n, names := countFiles(tmpRoot); n != 0 {
		t.Errorf("after restart, %d temp files remain under %s: %v", n, tmpRoot, names)
	}
	if ents, err := os.ReadDir(tmpRoot); err != nil || len(ents) != 1 {
		t.Errorf("after restart, %s holds %d entries (%v), want the new instance's directory alone", tmpRoot, len(ents), err)
	}

	// The listing holds only keys that were written, each readable whole.
	listed := map[string]int64{}
	pg := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(crashBucket)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListObjectsV2 after restart: %v", describeSDKError(err))
		}
		for _, o := range out.Contents {
			listed[aws.ToString(o.Key)] = aws.ToInt64(o.Size)
		}
	}
	for k := range listed {
		if all.keys[k] == nil {
			t.Errorf("listed key %q was never written", k)
		}
	}
	keys := make([]string, 0, len(all.keys))
	for k := range all.keys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	checked, inflightLanded := 0, 0
	for _, k := range keys {
		r := all.keys[k]
		size, isListed := listed[k]
		o, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(crashBucket), Key: aws.String(k)})
		if err != nil {
			var nsk *types.NoSuchKey
			if !errors.As(err, &nsk) {
				t.Errorf("GET %s after restart: %v", k, describeSDKError(err))
				continue
			}
			if r.acked != "" && r.acked != deleted && !r.pending[deleted] {
				t.Errorf("acknowledged object %s is lost after the crash", k)
			}
			if isListed {
				t.Errorf("%s is listed but GET says NoSuchKey", k)
			}
			continue
		}
		b, err := io.ReadAll(o.Body)
		o.Body.Close()
		if err != nil {
			t.Errorf("GET %s: read: %v", k, err)
			continue
		}
		checked++
		sum := sha256Hex(b)
		switch {
		case sum == r.acked:
		case r.pending[sum]:
			inflightLanded++
		case r.acked == deleted:
			t.Errorf("%s: deleted (acknowledged), yet holds %d bytes that no in-flight PUT sent", k, len(b))
		case r.acked != "":
			t.Errorf("%s: %d bytes (sha256 %s) are neither the acknowledged version %s nor one in flight", k, len(b), sum[:12], r.acked[:12])
		default:
			t.Errorf("%s: never acknowledged, yet holds %d bytes that no in-flight PUT sent (partial object)", k, len(b))
		}
		if !isListed || size != int64(len(b)) {
			t.Errorf("%s: GET has %d bytes, listing says listed=%v size=%d", k, len(b), isListed, size)
		}
	}
	// Every file in the bucket directory is a listed object: no partial
	// files under other names.
	bucketDir := filepath.Join(dataDir, crashBucket)
	_ = filepath.WalkDir(bucketDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(bucketDir, path)
		if _, ok := listed[filepath.ToSlash(rel)]; !ok {
			t.Errorf("file %s in the bucket directory is not a listed object", rel)
		}
		return nil
	})
	if _, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(crashBucket)}); err != nil {
		t.Errorf("ListMultipartUploads after restart: %v", describeSDKError(err))
	}

	// The state store: every acknowledged policy is there.
	admin, err := adminclient.New(p.URL, rootUser, rootPassword)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := admin.PolicyList(ctx)
	if err != nil {
		t.Fatalf("PolicyList after restart: %v", err)
	}
	have := map[string]bool{}
	for _, pol := range pl.Policies {
		have[pol.Name] = true
	}
	for n := range all.policies {
		if !have[n] {
			t.Errorf("acknowledged policy %s is lost after the crash", n)
		}
	}

	// And the server takes new writes.
	body := testData(4096, 99)
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(crashBucket), Key: aws.String("after-restart"), Body: bytes.NewReader(body)}); err != nil {
		t.Errorf("PUT after restart: %v", describeSDKError(err))
	}
	t.Logf("after restart: %d objects listed, %d read back and verified (%d of them an in-flight version that landed), %d policies present",
		len(listed), checked, inflightLanded, len(have))
}

// countFiles counts the regular files under dir.
func countFiles(dir string) (int, []string) {
	var names []string
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			names = append(names, path)
		}
		return nil
	})
	return len(names), names
}

// directSDKClient is an aws-sdk-go-v2 client that talks to the server itself
// (not through the wire recorder), for processes the test kills.
func directSDKClient(srv *server) *s3.Client {
	hc := awshttp.NewBuildableClient().WithTimeout(time.Minute)
	return s3.New(s3.Options{
		Region:                     region,
		BaseEndpoint:               aws.String(srv.URL),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(rootUser, rootPassword, ""),
		HTTPClient:                 hc,
		RetryMaxAttempts:           1,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	})
}

// proc is a fedstore process on a data dir the test chooses, with extra
// flags; unlike startServer it can be killed and restarted.
type proc struct {
	*server
	exited chan error
	done   bool
}

// startServerAt starts fedstore (plain http) on dataDir with extra flags and
// waits for its listening line. The process is killed when the test ends if
// it still runs.
func startServerAt(t *testing.T, dataDir string, extra ...string) *proc {
	t.Helper()
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		t.Fatal(err)
	}
	s := &server{DataDir: dataDir, logs: &lockedBuffer{}}
	args := append([]string{"server", "--data", dataDir, "--address", "127.0.0.1:0"}, extra...)
	s.cmd = exec.Command(fedstoreBin, args...)
	s.cmd.Env = append(cleanEnv(), "FEDSTORE_ROOT_USER="+rootUser, "FEDSTORE_ROOT_PASSWORD="+rootPassword)
	s.cmd.Dir = filepath.Dir(dataDir)
	pr, pw := io.Pipe()
	s.cmd.Stdout, s.cmd.Stderr = pw, pw
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start fedstore: %v", err)
	}
	p := &proc{server: s, exited: make(chan error, 1)}
	go func() {
		err := s.cmd.Wait()
		pw.CloseWithError(io.EOF)
		p.exited <- err
	}()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			s.logs.WriteLine(line)
			if m := listenLine.FindStringSubmatch(line); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	t.Cleanup(func() {
		if !p.done {
			_ = s.cmd.Process.Kill()
			<-p.exited
			p.done = true
		}
		if t.Failed() {
			t.Logf("fedstore output (last lines):\n%s", s.logs.Tail(60))
		}
	})
	select {
	case u := <-found:
		s.URL = u
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		s.HostPort = pu.Host
	case err := <-p.exited:
		p.done = true
		t.Fatalf("fedstore exited before listening (%v); output:\n%s", err, s.logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("fedstore did not print %q within 30s; output:\n%s", listenLine, s.logs.String())
	}
	return p
}

// kill9 ends the process with SIGKILL: no shutdown code runs.
func (p *proc) kill9(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9: %v", err)
	}
	err := <-p.exited
	p.done = true
	var ee *exec.ExitError
	if !errors.As(err, &ee) || !strings.Contains(ee.String(), "killed") {
		t.Fatalf("after SIGKILL the process ended with %v, want killed", err)
	}
}

// stopGracefully sends SIGTERM and expects a clean exit.
func (p *proc) stopGracefully(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		p.done = true
		if err != nil {
			t.Errorf("fedstore exited with %v after SIGTERM; output:\n%s", err, p.logs.Tail(40))
		}
	case <-time.After(20 * time.Second):
		t.Errorf("fedstore did not stop within 20s of SIGTERM")
	}
}
