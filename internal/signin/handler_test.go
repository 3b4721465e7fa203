package signin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/oidc"
	"github.com/fedstore/fedstore/internal/sts"
)

// fakeIdP is a discovery document and a token endpoint whose codes are
// single-use; each code's ID token is "sub|nonce" (the fake Verify reads it).
type fakeIdP struct {
	srv   *httptest.Server
	mu    sync.Mutex
	codes map[string]string // code -> id token
}

func newFakeIdP(t *testing.T) *fakeIdP {
	f := &fakeIdP{codes: map[string]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			_ = json.NewEncoder(w).Encode(map[string]string{"issuer": f.srv.URL,
				"authorization_endpoint": f.srv.URL + "/auth", "token_endpoint": f.srv.URL + "/token"})
		case "/token":
			_ = r.ParseForm()
			f.mu.Lock()
			tok, ok := f.codes[r.PostForm.Get("code")]
			delete(f.codes, r.PostForm.Get("code"))
			f.mu.Unlock()
			if !ok || r.PostForm.Get("code_verifier") == "" {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"error":"invalid_grant","error_description":"grant request is invalid"}`))
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]string{"id_token": tok, "access_token": "at", "token_type": "Bearer"})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeIdP) issue(code, sub, nonce string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.codes[code] = sub + "|" + nonce
}

type harness struct {
	h         *Handler
	idp       *fakeIdP
	now       time.Time
	exchanges int
	mu        sync.Mutex
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	x := &harness{idp: newFakeIdP(t), now: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	h, err := New(Config{
		Providers: func() []Provider {
			return []Provider{
				{Name: "corp", Issuer: x.idp.srv.URL, ClientID: "cli", RedirectURL: "http://fedstore.test/login/callback"},
				{Name: "machines", Issuer: "http://other.test"},
			}
		},
		Verify: func(_ context.Context, raw string) (*oidc.Claims, error) {
			sub, nonce, ok := strings.Cut(raw, "|")
			if !ok {
				return nil, errors.New("bad token")
			}
			return &oidc.Claims{Subject: sub, Raw: map[string]any{"nonce": nonce}}, nil
		},
		Exchange: func(_ context.Context, in sts.WebIdentityInput) (*sts.WebIdentityOutput, error) {
			x.mu.Lock()
			x.exchanges++
			x.mu.Unlock()
			if strings.HasPrefix(in.WebIdentityToken, "nobody|") {
				return nil, errors.New("AccessDenied: no policy")
			}
			return &sts.WebIdentityOutput{AccessKeyID: "ASIATESTTESTTESTTEST", SecretAccessKey: "secret-value",
				SessionToken: "session-token-value", Expiration: x.now.Add(time.Hour)}, nil
		},
		Buckets:  func(context.Context, Credentials) ([]string, error) { return []string{"b2", "b1"}, nil },
		Endpoint: "http://fedstore.test", Region: "us-east-1",
		Clock: func() time.Time { return x.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	x.h = h
	return x
}

func (x *harness) do(method, target string, form url.Values, cookie *http.Cookie) *httptest.ResponseRecorder {
	var r *http.Request
	if form != nil {
		r = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	if cookie != nil {
		r.AddCookie(cookie)
	}
	w := httptest.NewRecorder()
	x.h.ServeHTTP(w, r)
	return w
}

// start posts the sign-in form and returns the flow cookie, state and nonce.
func (x *harness) start(t *testing.T) (*http.Cookie, string, string) {
	t.Helper()
	w := x.do(http.MethodPost, "/login", url.Values{"provider": {"corp"}}, nil)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("POST /login = %d: %s", w.Code, w.Body)
	}
	loc, err := url.Parse(w.Header().Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), x.idp.srv.URL+"/auth?") {
		t.Fatalf("redirect to %q", w.Header().Get("Location"))
	}
	q := loc.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("client_id") != "cli" ||
		q.Get("redirect_uri") != "http://fedstore.test/login/callback" {
		t.Fatalf("authorization request %v", q)
	}
	var c *http.Cookie
	for _, k := range w.Result().Cookies() {
		if k.Name == cookieName {
			c = k
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/login" {
		t.Fatalf("flow cookie %+v", c)
	}
	if strings.Contains(c.Value, q.Get("state")) || strings.Contains(c.Value, q.Get("nonce")) {
		t.Fatal("the cookie shows the state or nonce in clear")
	}
	return c, q.Get("state"), q.Get("nonce")
}

func TestCallback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		setup     func(x *harness, c *http.Cookie, state, nonce string) (string, *http.Cookie)
		status    int
		want      string
		exchanged bool
	}{
		{"success", func(x *harness, c *http.Cookie, state, nonce string) (string, *http.Cookie) {
			x.idp.issue("c1", "alice", nonce)
			return "?code=c1&state=" + state, c
		}, 200, "ASIATESTTESTTESTTEST", true},
		{"forged state", func(x *harness, c *http.Cookie, _, nonce string) (string, *http.Cookie) {
			x.idp.issue("c1", "alice", nonce)
			return "?code=c1&state=forged", c
		}, 400, "state mismatch", false},
		{"no cookie", func(x *harness, _ *http.Cookie, state, nonce string) (string, *http.Cookie) {
			x.idp.issue("c1", "alice", nonce)
			return "?code=c1&state=" + state, nil
		}, 400, "no sign-in in progress", false},
		{"tampered cookie", func(x *harness, c *http.Cookie, state, nonce string) (string, *http.Cookie) {
			x.idp.issue("c1", "alice", nonce)
			b := []byte(c.Value)
			b[len(b)/2] ^= 1
			return "?code=c1&state=" + state, &http.Cookie{Name: c.Name, Value: string(b)}
		}, 400, "expired or is not valid", false},
		{"expired flow", func(x *harness, c *http.Cookie, state, nonce string) (string, *http.Cookie) {
			x.idp.issue("c1", "alice", nonce)
			x.now = x.now.Add(11 * time.Minute)
			return "?code=c1&state=" + state, c
		}, 400, "expired or is not valid", false},
		{"wrong nonce", func(x *harness, c *http.Cookie, state, _ string) (string, *http.Cookie) {
			x.idp.issue("c1", "alice", "someone-elses-nonce")
			return "?code=c1&state=" + state, c
		}, 400, "nonce", false},
		{"replayed code", func(x *harness, c *http.Cookie, state, _ string) (string, *http.Cookie) {
			return "?code=already-used&state=" + state, c
		}, 400, "refused the authorization code: invalid_grant", false},
		{"idp error", func(_ *harness, c *http.Cookie, state, _ string) (string, *http.Cookie) {
			return "?error=access_denied&error_description=End-User+aborted+interaction&state=" + state, c
		}, 400, "access_denied (End-User aborted interaction)", false},
		{"html in idp error is escaped", func(_ *harness, c *http.Cookie, state, _ string) (string, *http.Cookie) {
			return "?error=%3Cscript%3E&state=" + state, c
		}, 400, "&lt;script&gt;", false},
		{"sts refuses", func(x *harness, c *http.Cookie, state, nonce string) (string, *http.Cookie) {
			x.idp.issue("c1", "nobody", nonce)
			return "?code=c1&state=" + state, c
		}, 403, "did not issue credentials", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			x := newHarness(t)
			c, state, nonce := x.start(t)
			query, cookie := tc.setup(x, c, state, nonce)
			w := x.do(http.MethodGet, "/login/callback"+query, nil, cookie)
			body := w.Body.String()
			if w.Code != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("status %d, want %d with %q:\n%s", w.Code, tc.status, tc.want, body)
			}
			if (x.exchanges > 0) != tc.exchanged {
				t.Fatalf("exchanges = %d, want exchanged=%v", x.exchanges, tc.exchanged)
			}
			if tc.status != 200 && strings.Contains(body, "secret-value") {
				t.Fatal("error page shows credentials")
			}
			if w.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("Cache-Control %q", w.Header().Get("Cache-Control"))
			}
			cleared := false
			for _, k := range w.Result().Cookies() {
				cleared = cleared || (k.Name == cookieName && k.MaxAge < 0)
			}
			if !cleared {
				t.Fatal("the callback did not delete the flow cookie")
			}
		})
	}
}

func TestSuccessPage(t *testing.T) {
	t.Parallel()
	x := newHarness(t)
	c, state, nonce := x.start(t)
	x.idp.issue("c1", "alice", nonce)
	w := x.do(http.MethodGet, "/login/callback?code=c1&state="+state, nil, c)
	body := w.Body.String()
	for _, want := range []string{
		"export AWS_SECRET_ACCESS_KEY=&#39;secret-value&#39;", "export AWS_ENDPOINT_URL=&#39;http://fedstore.test&#39;",
		"aws configure set aws_session_token", "<li>b1</li><li>b2</li>", "2026-01-01T13:00:00Z", "as <strong id=\"subject\">alice</strong>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("result page lacks %q", want)
		}
	}
	// The same callback again (the browser kept nothing): refused.
	if w := x.do(http.MethodGet, "/login/callback?code=c1&state="+state, nil, nil); w.Code != 400 {
		t.Fatalf("second callback = %d", w.Code)
	}
}

func TestIndexAndStart(t *testing.T) {
	t.Parallel()
	x := newHarness(t)
	w := x.do(http.MethodGet, "/login", nil, nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "Sign in with corp") || strings.Contains(w.Body.String(), "machines") {
		t.Fatalf("index: %d\n%s", w.Code, w.Body)
	}
	for _, tc := range []struct {
		name   string
		method string
		path   string
		form   url.Values
		status int
	}{
		{"unknown provider", http.MethodPost, "/login", url.Values{"provider": {"nope"}}, 400},
		{"provider without sign-in", http.MethodPost, "/login", url.Values{"provider": {"machines"}}, 400},
		{"oversized form", http.MethodPost, "/login", url.Values{"provider": {strings.Repeat("x", 5000)}}, 400},
		{"bad method", http.MethodDelete, "/login", nil, 405},
		{"unknown page", http.MethodGet, "/login/nope", nil, 404},
		{"stylesheet", http.MethodGet, "/login/style.css", nil, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if w := x.do(tc.method, tc.path, tc.form, nil); w.Code != tc.status {
				t.Fatalf("%s %s = %d, want %d", tc.method, tc.path, w.Code, tc.status)
			}
		})
	}
}

func TestSessionName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"alice": "alice", "a": "fedstore-signin", "user name/x": "user-name-x",
		strings.Repeat("a", 70): strings.Repeat("a", 64), "bob@example.com": "bob@example.com",
	} {
		if got := SessionName(in); got != want {
			t.Errorf("SessionName(%q) = %q, want %q", in, got, want)
		}
	}
}
