package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Identity-provider misbehaviour (issue 6, item 5), through the real
// server: fake IdPs on 127.0.0.1 that the test switches into fault modes.
const faultAudience = "fedstore-faults"

// IdP fault modes, for discovery and JWKS separately.
const (
	modeOK          = "ok"
	modeSlow        = "slow"         // hang until the test ends
	modeStatus500   = "500"          // Internal Server Error
	modeGarbage     = "garbage"      // 200 with a body that is not JSON
	modeHuge        = "huge"         // 200 with a 4 MiB body
	modeWrongIssuer = "wrong-issuer" // discovery names another issuer
)

// faultIdP is an OpenID provider whose discovery document and JWKS can be
// made to misbehave, and which counts the requests it gets.
type faultIdP struct {
	URL       string // the issuer
	discHits  atomic.Int64
	jwksHits  atomic.Int64
	release   chan struct{}
	mu        sync.Mutex
	discMode  string
	jwksMode  string
	published []faultKey
}

type faultKey struct {
	kid string
	key *ecdsa.PrivateKey
}

func newFaultKey(t *testing.T) faultKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return faultKey{kid: randomHex(8), key: k}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func startFaultIdP(t *testing.T, keys ...faultKey) *faultIdP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultIdP{URL: "http://" + ln.Addr().String(), release: make(chan struct{}),
		discMode: modeOK, jwksMode: modeOK, published: keys}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		close(p.release)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return p
}

func (p *faultIdP) setModes(disc, jwks string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.discMode, p.jwksMode = disc, jwks
}

func (p *faultIdP) publish(keys ...faultKey) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.published = keys
}

func (p *faultIdP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	disc, jwks, keys := p.discMode, p.jwksMode, p.published
	p.mu.Unlock()
	var mode string
	var doc any
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		p.discHits.Add(1)
		mode = disc
		doc = map[string]any{"issuer": p.URL, "jwks_uri": p.URL + "/jwks",
			"id_token_signing_alg_values_supported": []string{"ES256"}}
		if mode == modeWrongIssuer {
			doc = map[string]any{"issuer": "https://evil.example.com", "jwks_uri": p.URL + "/jwks"}
			mode = modeOK
		}
	case "/jwks":
		p.jwksHits.Add(1)
		mode = jwks
		set := jose.JSONWebKeySet{}
		for _, k := range keys {
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.key.PublicKey, KeyID: k.kid, Algorithm: "ES256", Use: "sig"})
		}
		doc = set
	default:
		http.NotFound(w, r)
		return
	}
	switch mode {
	case modeSlow:
		select {
		case <-p.release:
		case <-r.Context().Done():
		}
	case modeStatus500:
		http.Error(w, "internal error", http.StatusInternalServerError)
	case modeGarbage:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("<html><body>Service temporarily unavailable</body></html>\x00\xff"))
	case modeHuge:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"keys":[],"padding":"`))
		chunk := []byte(strings.Repeat("A", 64<<10))
		for range 64 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		_, _ = w.Write([]byte(`"}`))
	default:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
	}
}

// token signs an ES256 token for this IdP with k (kid overrides k's id).
// It is called from several goroutines, so it reports with Errorf.
func (p *faultIdP) token(t *testing.T, k faultKey, kid, sub string) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k.key}, opts)
	if err != nil {
		t.Errorf("signer: %v", err)
		return ""
	}
	now := time.Now().Unix()
	claims, _ := json.Marshal(map[string]any{"iss": p.URL, "aud": faultAudience, "sub": sub,
		"roles": []string{"s3admin"}, "iat": now, "exp": now + 600})
	jws, err := signer.Sign(claims)
	if err == nil {
		var tok string
		if tok, err = jws.CompactSerialize(); err == nil {
			return tok
		}
	}
	t.Errorf("sign a token: %v", err)
	return ""
}

// faultCase is one IdP in a fault mode and what an exchange must answer.
type faultCase struct {
	name, disc, jwks string
	wantCode, wantIn string
}

// TestIdPFaults: IdPs whose discovery or JWKS is slow, failing, garbage,
// huge, or names another issuer make exchanges fail with
// IDPCommunicationError within the fetch timeout, while exchanges for a
// healthy provider keep their latency; a provider with cached keys keeps
// working through an outage; rotated keys are picked up and removed keys
// refused; an unknown-kid flood costs the IdP at most a few JWKS requests.
func TestIdPFaults(t *testing.T) {
	t.Parallel()
	cases := []faultCase{
		{"disc-slow", modeSlow, modeOK, "IDPCommunicationError", ""},
		{"disc-500", modeStatus500, modeOK, "IDPCommunicationError", "500"},
		{"disc-garbage", modeGarbage, modeOK, "IDPCommunicationError", "JSON"},
		{"disc-huge", modeHuge, modeOK, "IDPCommunicationError", "larger than"},
		{"disc-issuer", modeWrongIssuer, modeOK, "IDPCommunicationError", "evil.example.com"},
		{"jwks-slow", modeOK, modeSlow, "IDPCommunicationError", ""},
		{"jwks-500", modeOK, modeStatus500, "IDPCommunicationError", "500"},
		{"jwks-garbage", modeOK, modeGarbage, "IDPCommunicationError", "JSON"},
		{"jwks-huge", modeOK, modeHuge, "IDPCommunicationError", "larger than"},
	}
	key := newFaultKey(t)
	idps := map[string]*faultIdP{}
	for _, c := range cases {
		idps[c.name] = startFaultIdP(t, key)
	}
	for _, n := range []string{"healthy", "outage", "flood", "rotate"} {
		idps[n] = startFaultIdP(t, key)
	}

	// Configure every provider while its IdP is healthy (configure checks
	// discovery and JWKS), then restart the server so that it holds no
	// keys and meets each IdP in its fault mode on the first token.
	dataDir := filepath.Join(t.TempDir(), "data")
	p := startServerAt(t, dataDir)
	cli := fedstoreCLI(t, p.URL)
	pol := filepath.Join(t.TempDir(), "s3admin.json")
	if err := os.WriteFile(pol, []byte(stsAdminPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	cli.run("policy", "add", "s3admin", pol)
	for name, idp := range idps {
		cli.run("oidc", "configure", "--name", name, "--config-url", idp.URL, "--audience", faultAudience)
	}
	p.stopGracefully(t)
	for _, c := range cases {
		idps[c.name].setModes(c.disc, c.jwks)
	}
	p = startServerAt(t, dataDir)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", grepLines(p.logs.String(), "oidc", "sts"))
		}
	})
	hc := p.httpClient()
	ctx := waitCtx(t, 3*time.Minute)

	// Healthy exchanges run all along the faults; none may be slow.
	healthyStop := make(chan struct{})
	var healthy sync.WaitGroup
	var healthyN atomic.Int64
	var healthySlowest atomic.Int64
	healthy.Go(func() {
		for {
			select {
			case <-healthyStop:
				return
			default:
			}
			start := time.Now()
			_, err := stsExchange(ctx, hc, p.URL, idps["healthy"].token(t, key, key.kid, "healthy"), "healthy")
			el := time.Since(start)
			if err != nil {
				t.Errorf("healthy provider's exchange failed during the faults: %v", err)
				return
			}
			healthyN.Add(1)
			for {
				old := healthySlowest.Load()
				if int64(el) <= old || healthySlowest.CompareAndSwap(old, int64(el)) {
					break
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
	})

	var wg sync.WaitGroup
	for _, c := range cases {
		wg.Go(func() {
			start := time.Now()
			_, err := stsExchange(ctx, hc, p.URL, idps[c.name].token(t, key, key.kid, c.name), "fault")
			el := time.Since(start)
			var se *stsError
			switch {
			case !errors.As(err, &se):
				t.Errorf("%s: exchange answered %v, want %s", c.name, err, c.wantCode)
			case se.Status != 400 || se.Code != c.wantCode || !strings.Contains(se.Message, c.wantIn):
				t.Errorf("%s: %v; want 400 %s mentioning %q", c.name, se, c.wantCode, c.wantIn)
			default:
				t.Logf("%s: %s after %s: %s", c.name, se.Code, el.Round(time.Millisecond), se.Message)
			}
			// The fetch timeout is 5 s; allow for a loaded machine.
			if el > 12*time.Second {
				t.Errorf("%s: the exchange took %s; IdP fetches must be bounded", c.name, el)
			}
		})
	}
	wg.Wait()
	close(healthyStop)
	healthy.Wait()
	slowest := time.Duration(healthySlowest.Load())
	t.Logf("healthy provider: %d exchanges during the faults, slowest %s", healthyN.Load(), slowest)
	// A healthy exchange stuck behind a slow IdP would take its 5 s timeout.
	if healthyN.Load() < 5 || slowest > 3500*time.Millisecond {
		t.Errorf("a slow IdP stalled other exchanges: %d healthy exchanges, slowest %s", healthyN.Load(), slowest)
	}
	for _, c := range cases {
		if d, j := idps[c.name].discHits.Load(), idps[c.name].jwksHits.Load(); d > 6 || j > 6 {
			t.Errorf("%s: %d discovery and %d JWKS requests after the restart for one token, want at most a few", c.name, d-1, j-1)
		}
	}

	t.Run("outage keeps cached keys", func(t *testing.T) {
		idp := idps["outage"]
		if _, err := stsExchange(ctx, hc, p.URL, idp.token(t, key, key.kid, "o"), "outage"); err != nil {
			t.Fatalf("before the outage: %v", err)
		}
		idp.setModes(modeStatus500, modeStatus500)
		if _, err := stsExchange(ctx, hc, p.URL, idp.token(t, key, key.kid, "o"), "outage"); err != nil {
			t.Errorf("during the outage, a token signed with a cached key: %v", err)
		}
		// A token with an unknown kid during the outage: no usable key.
		other := newFaultKey(t)
		_, err := stsExchange(ctx, hc, p.URL, idp.token(t, other, other.kid, "o"), "outage")
		var se *stsError
		if !errors.As(err, &se) || (se.Code != "IDPCommunicationError" && se.Code != "InvalidIdentityToken") {
			t.Errorf("unknown key during the outage: %v, want IDPCommunicationError or InvalidIdentityToken", err)
		}
	})

	t.Run("unknown kid flood", func(t *testing.T) {
		t.Parallel()
		ctx := waitCtx(t, 2*time.Minute) // its own: it outlives the parent's body
		idp := idps["flood"]
		if _, err := stsExchange(ctx, hc, p.URL, idp.token(t, key, key.kid, "f"), "flood"); err != nil {
			t.Fatalf("first exchange: %v", err)
		}
		// Past the refetch interval (10 s), an unknown kid may refetch once.
		time.Sleep(11 * time.Second)
		before := idp.jwksHits.Load()
		rogue := newFaultKey(t)
		const n = 300
		var refused atomic.Int64
		var fwg sync.WaitGroup
		for w := range 10 {
			fwg.Go(func() {
				for i := w; i < n; i += 10 {
					_, err := stsExchange(ctx, hc, p.URL, idp.token(t, rogue, randomHex(8), "f"), "flood")
					var se *stsError
					if errors.As(err, &se) && se.Code == "InvalidIdentityToken" {
						refused.Add(1)
					} else {
						t.Errorf("token with a random kid: %v, want InvalidIdentityToken", err)
					}
				}
			})
		}
		fwg.Wait()
		fetches := idp.jwksHits.Load() - before
		t.Logf("%d tokens with random kids: %d refused, %d JWKS requests at the IdP", n, refused.Load(), fetches)
		if fetches < 1 || fetches > 3 {
			t.Errorf("an unknown-kid flood of %d tokens made %d JWKS requests, want 1 to 3 (one refetch per interval)", n, fetches)
		}
	})

	t.Run("key rotation", func(t *testing.T) {
		t.Parallel()
		ctx := waitCtx(t, 2*time.Minute) // its own: it outlives the parent's body
		idp := idps["rotate"]
		if _, err := stsExchange(ctx, hc, p.URL, idp.token(t, key, key.kid, "r"), "rotate"); err != nil {
			t.Fatalf("with the first key: %v", err)
		}
		next := newFaultKey(t)
		idp.publish(next)
		before := idp.jwksHits.Load()
		// The unknown kid triggers a refetch at most once per refetch
		// interval (10 s), so the new key is accepted within it.
		deadline := time.Now().Add(25 * time.Second)
		var err error
		for time.Now().Before(deadline) {
			if _, err = stsExchange(ctx, hc, p.URL, idp.token(t, next, next.kid, "r"), "rotate"); err == nil {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("a token signed with the new key was refused for 25 s: %v", err)
		}
		if fetches := idp.jwksHits.Load() - before; fetches > 3 {
			t.Errorf("%d JWKS requests while waiting for the new key, want at most 3", fetches)
		}
		_, err = stsExchange(ctx, hc, p.URL, idp.token(t, key, key.kid, "r"), "rotate")
		var se *stsError
		if !errors.As(err, &se) || se.Code != "InvalidIdentityToken" {
			t.Errorf("a token signed with the removed key: %v, want InvalidIdentityToken", err)
		}
	})
}
