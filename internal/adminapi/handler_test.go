package adminapi

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedstore/fedstore/internal/authn"
	"github.com/fedstore/fedstore/internal/reqctx"
	"github.com/fedstore/fedstore/internal/state"
	"github.com/fedstore/fedstore/internal/state/memory"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// fakeAuth answers every request with a fixed result or error.
type fakeAuth struct {
	res *authn.Result
	err error
}

func (f fakeAuth) Authenticate(*http.Request) (*authn.Result, error) { return f.res, f.err }

func root() fakeAuth {
	return fakeAuth{res: &authn.Result{Principal: authn.Principal{Kind: authn.Root, AccessKey: "ROOTKEY", Name: "root"}}}
}

var (
	started = time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	now     = started.Add(90*time.Minute + 7*time.Second)
)

func fixedInfo() Info {
	return Info{Version: "v1.2.3", Go: "go1.26.8", State: StateInfo{Backend: "memory"}, DataDir: "/srv/data", Address: "127.0.0.1:9000", StartedAt: started}
}

func newAPI(t *testing.T, auth Authenticator, st state.Store) http.Handler {
	t.Helper()
	if st == nil {
		st = memory.New()
		t.Cleanup(func() { _ = st.Close() })
	}
	return New(Config{Auth: auth, Store: st, Info: fixedInfo, Clock: func() time.Time { return now }})
}

// serve runs one request with a reqctx carrying id REQ1 and returns the
// response and the reqctx info the API filled in.
func serve(h http.Handler, method, path string, body io.Reader) (*httptest.ResponseRecorder, *reqctx.Info) {
	info := &reqctx.Info{ID: "REQ1"}
	r := httptest.NewRequest(method, path, body)
	r = r.WithContext(reqctx.With(r.Context(), info))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w, info
}

func decodeErr(t *testing.T, w *httptest.ResponseRecorder) Error {
	t.Helper()
	var e Error
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("error body %q: %v", w.Body.String(), err)
	}
	return e
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Fatalf("%s (-want +got):\n%s", path, diff)
	}
}

func TestInfo(t *testing.T) {
	t.Parallel()
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	for i := 0; i < 3; i++ {
		if _, err := st.Put(context.Background(), fmt.Sprint("k", i), []byte("v"), state.AnyRevision); err != nil {
			t.Fatal(err)
		}
	}
	w, info := serve(newAPI(t, root(), st), http.MethodGet, PathInfo, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	var got Info
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := fixedInfo()
	want.UptimeSeconds = 5407
	want.State.Revision = 3
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("info (-want +got):\n%s", diff)
	}
	if info.API != "admin" || info.Op != "AdminInfo" || info.Principal != "ROOTKEY" {
		t.Fatalf("reqctx %+v", info)
	}
	golden(t, "info.json", w.Body.Bytes())
}

func TestAccess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		auth      fakeAuth
		method    string
		path      string
		body      string
		status    int
		code      string
		principal string
	}{
		{"anonymous", fakeAuth{res: &authn.Result{}}, "GET", PathInfo, "", 403, "AccessDenied", "anonymous"},
		{"session", fakeAuth{res: &authn.Result{Principal: authn.Principal{Kind: authn.Session, AccessKey: "ASIA1"}}}, "GET", PathInfo, "", 403, "AccessDenied", "ASIA1"},
		{"user", fakeAuth{res: &authn.Result{Principal: authn.Principal{Kind: authn.User, AccessKey: "USER1"}}}, "GET", PathInfo, "", 403, "AccessDenied", "USER1"},
		{"bad signature", fakeAuth{err: fmt.Errorf("%w: detail", authn.ErrSignatureDoesNotMatch)}, "GET", PathInfo, "", 403, "SignatureDoesNotMatch", "anonymous"},
		{"unknown key", fakeAuth{err: authn.ErrInvalidAccessKeyId}, "GET", PathInfo, "", 403, "InvalidAccessKeyId", "anonymous"},
		{"malformed header", fakeAuth{err: authn.ErrAuthorizationHeaderMalformed}, "GET", PathInfo, "", 400, "AuthorizationHeaderMalformed", "anonymous"},
		{"expired session", fakeAuth{err: authn.ErrExpiredToken}, "GET", PathInfo, "", 400, "ExpiredToken", "anonymous"},
		{"skewed", fakeAuth{err: authn.ErrRequestTimeTooSkewed}, "GET", PathInfo, "", 403, "RequestTimeTooSkewed", "anonymous"},
		{"no result", fakeAuth{}, "GET", PathInfo, "", 500, "InternalError", "anonymous"},
		{"root unknown path", root(), "GET", Prefix + "nope", "", 404, "NoSuchEndpoint", "ROOTKEY"},
		{"root wrong method", root(), "DELETE", PathInfo, "", 405, "MethodNotAllowed", "ROOTKEY"},
		{"anonymous unknown path hides routes", fakeAuth{res: &authn.Result{}}, "GET", Prefix + "nope", "", 403, "AccessDenied", "anonymous"},
		{"root body on info", root(), "GET", PathInfo, "x", 400, "InvalidRequest", "ROOTKEY"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w, info := serve(newAPI(t, tc.auth, nil), tc.method, tc.path, strings.NewReader(tc.body))
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			e := decodeErr(t, w)
			if e.Code != tc.code || e.RequestID != "REQ1" || e.Message == "" {
				t.Fatalf("error %+v, want code %s", e, tc.code)
			}
			if info.Principal != tc.principal || info.API != "admin" {
				t.Fatalf("reqctx %+v, want principal %q", info, tc.principal)
			}
			if tc.status == 405 && w.Header().Get("Allow") != "GET" {
				t.Fatalf("Allow %q", w.Header().Get("Allow"))
			}
		})
	}
}

func TestAccessDeniedGolden(t *testing.T) {
	t.Parallel()
	w, _ := serve(newAPI(t, fakeAuth{res: &authn.Result{}}, nil), "GET", PathInfo, nil)
	golden(t, "anonymous.json", w.Body.Bytes())
}

// TestInternalErrorHidden: the text of an unknown error is logged, never sent.
func TestInternalErrorHidden(t *testing.T) {
	t.Parallel()
	st := memory.New()
	_ = st.Close() // List now fails with ErrClosed: mapped, not internal
	w, _ := serve(newAPI(t, root(), st), "GET", PathInfo, nil)
	if w.Code != http.StatusServiceUnavailable || decodeErr(t, w).Code != "ServiceUnavailable" {
		t.Fatalf("closed store: %d %s", w.Code, w.Body)
	}
	secret := errors.New("disk /secret/path exploded")
	w, _ = serve(newAPI(t, fakeAuth{err: secret}, nil), "GET", PathInfo, nil)
	e := decodeErr(t, w)
	if w.Code != 500 || e.Code != "InternalError" || strings.Contains(w.Body.String(), "secret") || !strings.Contains(e.Message, "REQ1") {
		t.Fatalf("internal error leaked or lacks the request id: %d %s", w.Code, w.Body)
	}
}

// TestErrorTableComplete: every authn and state sentinel has a code that is
// not InternalError, and codes are distinct per status.
func TestErrorTableComplete(t *testing.T) {
	t.Parallel()
	sentinels := []error{
		authn.ErrAccessDenied, authn.ErrSignatureDoesNotMatch, authn.ErrAuthorizationHeaderMalformed,
		authn.ErrAuthorizationQueryParametersError, authn.ErrInvalidAccessKeyId, authn.ErrRequestTimeTooSkewed,
		authn.ErrExpiredToken, authn.ErrInvalidToken, authn.ErrMissingSecurityHeader,
		authn.ErrXAmzContentSHA256Mismatch, authn.ErrBadDigest, authn.ErrInvalidDigest, authn.ErrIncompleteBody,
		authn.ErrInvalidRequest, authn.ErrInvalidArgument, authn.ErrMissingContentLength, authn.ErrNotImplemented,
		state.ErrNotFound, state.ErrConflict, state.ErrInvalid, state.ErrUnavailable, state.ErrClosed,
		errNotRoot, errAnonymous, errNoSuchEndpoint, errMethodNotAllowed, errBodyTooLarge, errMalformedJSON, errUnexpectedBody,
	}
	statusOf := map[string]int{}
	for _, err := range sentinels {
		row := lookup(fmt.Errorf("wrapped: %w", err))
		if row.code == internalCode {
			t.Errorf("%v is not mapped", err)
		}
		if s, ok := statusOf[row.code]; ok && s != row.status {
			t.Errorf("code %s has statuses %d and %d", row.code, s, row.status)
		}
		statusOf[row.code] = row.status
	}
	if got := lookup(errors.New("other")); got.code != internalCode || got.status != 500 {
		t.Fatalf("unknown error maps to %+v", got)
	}
}

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	type doc struct {
		Name string `json:"name"`
	}
	tests := []struct {
		body string
		want error
	}{
		{`{"name":"a"}`, nil},
		{`{"name":"a"}  `, nil},
		{`{"name":"a"} {}`, errMalformedJSON},
		{`{"nam":"a"}`, errMalformedJSON},
		{`{"name":`, errMalformedJSON},
		{``, errMalformedJSON},
	}
	for _, tc := range tests {
		got, err := decodeJSON[doc](strings.NewReader(tc.body))
		if !errors.Is(err, tc.want) {
			t.Fatalf("%q: %v, want %v", tc.body, err, tc.want)
		}
		if err == nil && got.Name != "a" {
			t.Fatalf("%q decoded %+v", tc.body, got)
		}
	}
	// Over the limit: EntityTooLarge, through the renderer.
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", PathInfo, nil)
	big := http.MaxBytesReader(w, io.NopCloser(strings.NewReader(`{"name":"`+strings.Repeat("a", 100)+`"}`)), 10)
	_, err := decodeJSON[doc](big)
	New(Config{}).(*api).renderError(w, r, err)
	if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "EntityTooLarge") {
		t.Fatalf("too large body: %d %s", w.Code, w.Body)
	}
}
