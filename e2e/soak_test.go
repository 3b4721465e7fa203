package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/fedstore/fedstore/internal/devidp"
	"github.com/fedstore/fedstore/internal/rootcred"
)

// Load and soak (issue 6, item 3): 64 clients run a mix of STS exchanges,
// PUT, GET, LIST and DELETE against `fedstore server --dev` for soakCI (30 s)
// or, under `make soak` (FEDSTORE_SOAK=1), soakLong; FEDSTORE_SOAK_DURATION
// overrides both. Every answer is checked (bytes, listings); RSS and
// goroutines are sampled from /metrics, printed, and must stay flat.
const (
	soakClients  = 64
	soakCI       = 30 * time.Second
	soakLong     = 5 * time.Minute
	soakBucket   = "soak"
	soakMaxBytes = 64 << 10
	soakKeys     = 100 // objects per client at most
)

func soakDuration(t *testing.T) time.Duration {
	if s := os.Getenv("FEDSTORE_SOAK_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("FEDSTORE_SOAK_DURATION=%q: %v", s, err)
		}
		return d
	}
	if soakMode() {
		return soakLong
	}
	return soakCI
}

// TestSoak is deliberately not parallel: it measures the server's memory
// and goroutines, and its 64 clients would starve timing-sensitive tests.
func TestSoak(t *testing.T) {
	dur := soakDuration(t)
	p := startDevProc(t)
	mint := newDevMinter(t, p.DataDir)
	hc := soakHTTPClient()
	ctx := waitCtx(t, dur+5*time.Minute)

	first, err := stsExchange(ctx, hc, p.URL, mint.token(t, "soak-setup"), "setup")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := soakS3(hc, p.URL, first).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(soakBucket)}); err != nil {
		t.Fatalf("create bucket: %v", describeSDKError(err))
	}
	hc.CloseIdleConnections()
	base := settleGoroutines(t, hc, p.URL, 0, 0)
	t.Logf("baseline: %s", base)

	var (
		ops     [5]atomic.Int64
		errs    errorLog
		samples sampleLog
	)
	// Workers stop between operations (never by cancelling a request in
	// flight, which the server would rightly see as a client going away).
	loadCtx, stopLoad := context.WithTimeout(ctx, dur)
	defer stopLoad()
	interval := min(max(dur/15, time.Second), 5*time.Second)
	var wg sync.WaitGroup
	wg.Go(func() { samples.run(loadCtx, t, hc, p.URL, interval) })
	for w := range soakClients {
		wg.Go(func() {
			soakWorker(ctx, loadCtx.Done(), w, hc, p.URL, mint, &ops, &errs)
		})
	}
	wg.Wait()
	total := int64(0)
	for i := range ops {
		total += ops[i].Load()
	}
	t.Logf("%d operations in %s: sts %d, put %d, get %d, list %d, delete %d", total, dur,
		ops[opSTS].Load(), ops[opPut].Load(), ops[opGet].Load(), ops[opList].Load(), ops[opDelete].Load())
	if n, first := errs.get(); n > 0 {
		t.Errorf("%d unexpected errors; the first:\n%s", n, strings.Join(first, "\n"))
	}
	for i := range ops {
		if ops[i].Load() == 0 {
			t.Errorf("operation kind %d never ran", i)
		}
	}
	samples.check(t)

	// Load over and client connections closed: the server's goroutines
	// return to the baseline (no leak per request or per connection).
	hc.CloseIdleConnections()
	after := settleGoroutines(t, hc, p.URL, base.goroutines, 10)
	t.Logf("after the load: %s", after)
	if bad := grepLines(p.logs.String(), "panic:", "level=ERROR", "level=WARN"); bad != "" {
		t.Errorf("the server logged errors, warnings or panics during the soak:\n%s", bad)
	}
}

const (
	opSTS = iota
	opPut
	opGet
	opList
	opDelete
)

// soakWorker runs random operations in its own key prefix until ctx ends,
// checking every answer against what it wrote.
func soakWorker(ctx context.Context, stop <-chan struct{}, w int, hc *http.Client, srvURL string, mint *devMinter, ops *[5]atomic.Int64, errs *errorLog) {
	rng := rand.New(rand.NewPCG(uint64(w), 42))
	prefix := fmt.Sprintf("w%02d/", w)
	keys := map[string][]byte{}
	var c *s3.Client
	next := 0
	fail := func(op string, err error) {
		if ctx.Err() == nil {
			errs.add(fmt.Sprintf("worker %d %s: %v", w, op, describeSDKError(err)))
		}
	}
	for ctx.Err() == nil {
		select {
		case <-stop:
			return
		default:
		}
		op := pickOp(rng)
		if c == nil {
			op = opSTS
		}
		switch op {
		case opSTS:
			tok, err := mint.mint(fmt.Sprintf("soak-%d", w))
			if err != nil {
				fail("mint", err)
				return
			}
			creds, err := stsExchange(ctx, hc, srvURL, tok, fmt.Sprintf("soak-%d", w))
			if err != nil {
				fail("sts", err)
				continue
			}
			c = soakS3(hc, srvURL, creds)
		case opPut:
			// A bounded working set: past soakKeys a PUT replaces an object.
			key := prefix + strconv.Itoa(next)
			if len(keys) >= soakKeys {
				key, _ = anyKey(rng, keys)
			} else {
				next++
			}
			data := make([]byte, rng.IntN(soakMaxBytes))
			for i := range data {
				data[i] = byte(rng.Uint32())
			}
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(soakBucket), Key: aws.String(key), Body: bytes.NewReader(data)}); err != nil {
				fail("put "+key, err)
				continue
			}
			keys[key] = data
		case opGet:
			key, ok := anyKey(rng, keys)
			if !ok {
				continue
			}
			out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(soakBucket), Key: aws.String(key)})
			if err != nil {
				fail("get "+key, err)
				continue
			}
			got, err := io.ReadAll(out.Body)
			_ = out.Body.Close()
			if err != nil {
				fail("get body "+key, err)
			} else if !bytes.Equal(got, keys[key]) {
				fail("get "+key, fmt.Errorf("read %d bytes that differ from the %d written", len(got), len(keys[key])))
			}
		case opList:
			out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(soakBucket), Prefix: aws.String(prefix), MaxKeys: aws.Int32(1000)})
			if err != nil {
				fail("list", err)
				continue
			}
			if len(out.Contents) != len(keys) && len(keys) <= 1000 {
				fail("list", fmt.Errorf("listed %d keys under %s, want %d", len(out.Contents), prefix, len(keys)))
			}
		case opDelete:
			key, ok := anyKey(rng, keys)
			if !ok || rng.IntN(10) == 0 {
				key = prefix + "never-written"
			}
			if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(soakBucket), Key: aws.String(key)}); err != nil {
				fail("delete "+key, err)
				continue
			}
			delete(keys, key)
		}
		ops[op].Add(1)
	}
}

func pickOp(rng *rand.Rand) int {
	switch n := rng.IntN(100); {
	case n < 5:
		return opSTS
	case n < 40:
		return opPut
	case n < 70:
		return opGet
	case n < 85:
		return opList
	default:
		return opDelete
	}
}

func anyKey(rng *rand.Rand, m map[string][]byte) (string, bool) {
	if len(m) == 0 {
		return "", false
	}
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks[rng.IntN(len(ks))], true
}

// soakHTTPClient keeps a connection per client alive (the default keeps two
// per host, which would turn 64 clients into connection churn). s3.New
// takes it as is (only config.LoadDefaultConfig insists on a
// BuildableClient, for AWS_CA_BUNDLE).
func soakHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 2 * soakClients
	tr.MaxIdleConnsPerHost = 2 * soakClients
	return &http.Client{Transport: tr, Timeout: 2 * time.Minute}
}

// soakS3 is an SDK client with session credentials, without retries (a
// retry would hide an error).
func soakS3(hc *http.Client, srvURL string, c stsCreds) *s3.Client {
	return s3.New(s3.Options{
		Region:                     region,
		BaseEndpoint:               aws.String(srvURL),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		HTTPClient:                 hc,
		RetryMaxAttempts:           1,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	})
}

// errorLog counts errors and keeps the first few.
type errorLog struct {
	mu    sync.Mutex
	n     int
	first []string
}

func (e *errorLog) add(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.n++
	if len(e.first) < 20 {
		e.first = append(e.first, s)
	}
}

func (e *errorLog) get() (int, []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n, append([]string(nil), e.first...)
}

// processSample is one reading of the server's /metrics.
type processSample struct {
	at         time.Duration
	rss        float64
	goroutines float64
	heap       float64 // go_memstats_heap_inuse_bytes (printed)
	sessions   float64 // fedstore_sts_sessions_live (printed)
}

func (s processSample) String() string {
	return fmt.Sprintf("t=%5.1fs rss=%6.1f MiB goroutines=%4.0f heap=%6.1f MiB live_sessions=%.0f",
		s.at.Seconds(), s.rss/(1<<20), s.goroutines, s.heap/(1<<20), s.sessions)
}

// scrape reads process_resident_memory_bytes and go_goroutines.
func scrape(ctx context.Context, hc *http.Client, srvURL string) (processSample, error) {
	var s processSample
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srvURL+"/metrics", nil)
	if err != nil {
		return s, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("GET /metrics: status %d", resp.StatusCode)
	}
	found := 0
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 8<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		var dst *float64
		switch name {
		case "process_resident_memory_bytes":
			dst = &s.rss
		case "go_goroutines":
			dst = &s.goroutines
		case "go_memstats_heap_inuse_bytes":
			dst, found = &s.heap, found-1
		case "fedstore_sts_sessions_live":
			dst, found = &s.sessions, found-1
		default:
			continue
		}
		if *dst, err = strconv.ParseFloat(strings.TrimSpace(val), 64); err != nil {
			return s, fmt.Errorf("/metrics %s: %w", name, err)
		}
		found++
	}
	if found != 2 {
		return s, fmt.Errorf("/metrics lacks process_resident_memory_bytes or go_goroutines")
	}
	return s, sc.Err()
}

// sampleLog is the series sampled during the load.
type sampleLog struct {
	mu      sync.Mutex
	samples []processSample
	errs    []string
}

func (l *sampleLog) run(ctx context.Context, t *testing.T, hc *http.Client, srvURL string, every time.Duration) {
	start := time.Now()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		s, err := scrape(ctx, hc, srvURL)
		if ctx.Err() != nil {
			return
		}
		l.mu.Lock()
		if err != nil {
			l.errs = append(l.errs, err.Error())
		} else {
			s.at = time.Since(start)
			l.samples = append(l.samples, s)
			t.Logf("sample %s", s)
		}
		l.mu.Unlock()
	}
}

// perSessionBudget is the memory a live STS session may hold (its record,
// its opened token, caches): sessions live for their duration (15 min at
// least), so during a soak they only accumulate, and memory that follows
// them is expected; memory beyond that is a leak.
const perSessionBudget = 16 << 10

// check: enough samples, and the last third's maxima within bounds of the
// first third's: RSS at most 1.25x + 16 MiB plus perSessionBudget for each
// session issued in between, heap likewise, goroutines 1.5x + 64.
func (l *sampleLog) check(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.errs) > 0 {
		t.Errorf("scraping /metrics failed %d times: %s", len(l.errs), l.errs[0])
	}
	n := len(l.samples)
	if n < 3 {
		t.Fatalf("only %d samples of /metrics during the load", n)
	}
	var first, last processSample
	for i, s := range l.samples {
		switch {
		case i < n/3:
			first = maxSample(first, s)
		case i >= n-n/3:
			last = maxSample(last, s)
		}
	}
	allowance := max(0, last.sessions-first.sessions) * perSessionBudget
	t.Logf("first third max: %s; last third max: %s; allowance for %.0f more live sessions: %.1f MiB",
		first, last, last.sessions-first.sessions, allowance/(1<<20))
	if bound := first.rss*1.25 + 16<<20 + allowance; last.rss > bound {
		t.Errorf("RSS grew under a steady load: last third max %.1f MiB > %.1f MiB (first third max %.1f MiB)", last.rss/(1<<20), bound/(1<<20), first.rss/(1<<20))
	}
	if bound := first.heap*1.25 + 16<<20 + allowance; last.heap > bound {
		t.Errorf("heap grew under a steady load: last third max %.1f MiB > %.1f MiB (first third max %.1f MiB)", last.heap/(1<<20), bound/(1<<20), first.heap/(1<<20))
	}
	if last.goroutines > first.goroutines*1.5+64 {
		t.Errorf("goroutines grew under a steady load: last third max %.0f vs first third max %.0f", last.goroutines, first.goroutines)
	}
}

// maxSample is the field-wise maximum.
func maxSample(a, b processSample) processSample {
	return processSample{at: max(a.at, b.at), rss: max(a.rss, b.rss), goroutines: max(a.goroutines, b.goroutines),
		heap: max(a.heap, b.heap), sessions: max(a.sessions, b.sessions)}
}

// settleGoroutines waits (up to 20 s) until the server's goroutine count is
// at most want+slack and returns the last sample; want 0 means "until it
// stops changing" (a baseline).
func settleGoroutines(t *testing.T, hc *http.Client, srvURL string, want, slack float64) processSample {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last processSample
	stable := 0
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		s, err := scrape(ctx, hc, srvURL)
		cancel()
		if err != nil {
			t.Fatalf("scrape /metrics: %v", err)
		}
		switch {
		case want > 0 && s.goroutines <= want+slack:
			return s
		case want == 0 && s.goroutines == last.goroutines:
			if stable++; stable >= 2 {
				return s
			}
		default:
			stable = 0
		}
		last = s
		if time.Now().After(deadline) {
			if want > 0 {
				t.Errorf("server goroutines did not return to the baseline %.0f (+%.0f) within 20 s of the load's end: %s", want, slack, s)
			}
			return s
		}
		time.Sleep(time.Second)
	}
}

func grepLines(s string, words ...string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, w := range words {
			if strings.Contains(l, w) {
				out = append(out, l)
				break
			}
		}
		if len(out) >= 30 {
			break
		}
	}
	return strings.Join(out, "\n")
}

// startDevProc starts `fedstore server --dev` with extra flags on a fresh
// data dir and waits until its development provider is ready.
func startDevProc(t *testing.T, extra ...string) *proc {
	t.Helper()
	p := startServerAt(t, filepath.Join(t.TempDir(), "data"), append([]string{"--dev"}, extra...)...)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(p.logs.String(), "development mode ready") {
		if time.Now().After(deadline) {
			t.Fatalf("fedstore --dev printed no instructions within 30 s:\n%s", p.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return p
}

// devMinter mints tokens with the --dev server's key, in-process.
type devMinter struct{ idp *devidp.IdP }

func newDevMinter(t *testing.T, dataDir string) *devMinter {
	t.Helper()
	dir := filepath.Join(dataDir, rootcred.Dir)
	key, err := devidp.LoadKey(filepath.Join(dir, devidp.KeyFileName))
	if err != nil {
		t.Fatal(err)
	}
	info, err := devidp.ReadInfo(filepath.Join(dir, devidp.InfoFileName))
	if err != nil {
		t.Fatal(err)
	}
	idp, err := devidp.New(info.Issuer, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &devMinter{idp: idp}
}

func (m *devMinter) mint(sub string) (string, error) {
	return m.idp.Mint(devidp.TokenRequest{Roles: []string{"s3admin"}, Subject: sub, TTL: time.Hour})
}

func (m *devMinter) token(t *testing.T, sub string) string {
	t.Helper()
	tok, err := m.mint(sub)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// stsError is a refused exchange.
type stsError struct {
	Status        int
	Code, Message string
}

func (e *stsError) Error() string { return fmt.Sprintf("STS %d %s: %s", e.Status, e.Code, e.Message) }

// stsExchange posts AssumeRoleWithWebIdentity as the SDKs do and returns
// the credentials, or an *stsError.
func stsExchange(ctx context.Context, hc *http.Client, srvURL, token, session string) (stsCreds, error) {
	return stsExchangeForm(ctx, hc, http.MethodPost, srvURL, stsForm(token, session))
}

// stsForm is an AssumeRoleWithWebIdentity request for the s3admin role.
func stsForm(token, session string) url.Values {
	return url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"},
		"RoleArn": {"arn:aws:iam::000000000000:role/s3admin"}, "RoleSessionName": {session}, "WebIdentityToken": {token}}
}

// stsExchangeForm sends form as a POST body or, with GET, as the query.
func stsExchangeForm(ctx context.Context, hc *http.Client, method, srvURL string, form url.Values) (stsCreds, error) {
	var reqBody io.Reader
	target := srvURL + "/"
	if method == http.MethodGet {
		target += "?" + form.Encode()
	} else {
		reqBody = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, reqBody)
	if err != nil {
		return stsCreds{}, err
	}
	if reqBody != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return stsCreds{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return stsCreds{}, err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Code    string `xml:"Error>Code"`
			Message string `xml:"Error>Message"`
		}
		if err := xml.Unmarshal(body, &e); err != nil {
			return stsCreds{}, fmt.Errorf("STS status %d with a body that is not XML: %q", resp.StatusCode, body)
		}
		return stsCreds{}, &stsError{Status: resp.StatusCode, Code: e.Code, Message: e.Message}
	}
	var ok struct {
		AccessKeyID     string `xml:"AssumeRoleWithWebIdentityResult>Credentials>AccessKeyId"`
		SecretAccessKey string `xml:"AssumeRoleWithWebIdentityResult>Credentials>SecretAccessKey"`
		SessionToken    string `xml:"AssumeRoleWithWebIdentityResult>Credentials>SessionToken"`
	}
	if err := xml.Unmarshal(body, &ok); err != nil || ok.AccessKeyID == "" || ok.SessionToken == "" {
		return stsCreds{}, fmt.Errorf("STS answer without credentials (%v): %q", err, body)
	}
	return stsCreds{ok.AccessKeyID, ok.SecretAccessKey, ok.SessionToken}, nil
}
