package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestChallenge(t *testing.T) {
	t.Parallel()
	// Expected value computed independently: base64url(sha256(v)) without
	// padding, with Python's hashlib.
	if got := Challenge("dBjftJeZ4CVP-mJ92IZXPoCm2f6Wrsz0U3LbqchcUNk"); got != "GAMBO65u-3BTBZH-qjYm-8P3vWGp6A2iiQOBbKIR3GM" {
		t.Fatalf("Challenge = %q", got)
	}
}

func TestAuthURL(t *testing.T) {
	t.Parallel()
	d := Discovery{AuthorizationEndpoint: "https://idp.test/auth?tenant=x"}
	u, err := url.Parse(d.AuthURL(AuthRequest{ClientID: "c", RedirectURI: "http://127.0.0.1:1/callback", State: "s", Nonce: "n", Verifier: "v"}))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for k, want := range map[string]string{"tenant": "x", "response_type": "code", "client_id": "c", "state": "s", "nonce": "n",
		"scope": DefaultScope, "code_challenge_method": "S256", "code_challenge": Challenge("v")} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
	if q.Has("code_verifier") {
		t.Error("the verifier leaks into the URL")
	}
}

func idpServer(t *testing.T, token http.HandlerFunc) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			_ = json.NewEncoder(w).Encode(Discovery{Issuer: srv.URL, AuthorizationEndpoint: srv.URL + "/auth",
				TokenEndpoint: srv.URL + "/token", DeviceAuthorizationEndpoint: srv.URL + "/device"})
		case "/device":
			_, _ = w.Write([]byte(`{"device_code":"dc","user_code":"ABCD-EFGH","verification_uri":"` + srv.URL + `/d","interval":0,"expires_in":30}`))
		case "/token":
			token(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestDiscoverAndErrors(t *testing.T) {
	t.Parallel()
	srv := idpServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_grant","error_description":"expired"}`))
	})
	ctx := context.Background()
	if _, err := Discover(ctx, srv.Client(), srv.URL+"/other"); !errors.Is(err, ErrProtocol) {
		t.Fatalf("wrong issuer: %v", err)
	}
	d, err := Discover(ctx, srv.Client(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Refresh(ctx, srv.Client(), "c", "rt")
	var oe *Error
	if !errors.As(err, &oe) || oe.Code != "invalid_grant" || oe.Description != "expired" {
		t.Fatalf("Refresh error = %v", err)
	}
}

func TestDevicePolling(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := idpServer(t, func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.PostForm.Get("device_code") != "dc" || r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:device_code" {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"error":"invalid_request"}`))
			return
		}
		if calls.Add(1) < 3 {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"error":"authorization_pending"}`))
			return
		}
		_, _ = w.Write([]byte(`{"id_token":"a.b.c","refresh_token":"r"}`))
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := Discover(ctx, srv.Client(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	a, err := d.StartDevice(ctx, srv.Client(), "c", "")
	if err != nil || a.UserCode != "ABCD-EFGH" {
		t.Fatalf("StartDevice = %+v, %v", a, err)
	}
	a.Interval = 0
	start := time.Now()
	tok, err := pollFast(ctx, d, srv.Client(), a)
	if err != nil || tok.IDToken != "a.b.c" || calls.Load() != 3 {
		t.Fatalf("PollDevice = %+v, %v after %d calls (%s)", tok, err, calls.Load(), time.Since(start))
	}
}

// pollFast polls with a tiny interval (the default 5s would slow the test).
func pollFast(ctx context.Context, d Discovery, hc *http.Client, a DeviceAuth) (Tokens, error) {
	a.Interval = 0
	return d.pollDevice(ctx, hc, "c", a, 10*time.Millisecond)
}

func TestClaims(t *testing.T) {
	t.Parallel()
	m, err := Claims("eyJhbGciOiJub25lIn0.eyJub25jZSI6Im4iLCJzdWIiOiJhbGljZSJ9.")
	if err != nil || m["nonce"] != "n" || m["sub"] != "alice" {
		t.Fatalf("Claims = %v, %v", m, err)
	}
	for _, bad := range []string{"", "a.b", "a.!!.c", "a." + strings.Repeat("A", 8) + ".c"} {
		if _, err := Claims(bad); !errors.Is(err, ErrProtocol) {
			t.Errorf("Claims(%q) err = %v", bad, err)
		}
	}
}
