package adminapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedstore/fedstore/internal/oidc"
	"github.com/fedstore/fedstore/internal/oidcstore"
)

// fakeProviders records what the handler asks and answers from a map.
type fakeProviders struct {
	got          oidc.ProviderConfig
	configureErr error
	byName       map[string]oidcstore.Info
	removed      []string
}

func (f *fakeProviders) Configure(_ context.Context, cfg oidc.ProviderConfig) (oidcstore.Info, bool, error) {
	f.got = cfg
	if f.configureErr != nil {
		return oidcstore.Info{}, false, f.configureErr
	}
	cfg = cfg.WithDefaults()
	_, existed := f.byName[cfg.Name]
	i := oidcstore.Info{Config: cfg, Status: oidc.Status{Name: cfg.Name, Issuer: cfg.ConfigURL,
		DiscoveryURL: cfg.ConfigURL + "/.well-known/openid-configuration", JWKSURL: cfg.ConfigURL + "/jwks",
		KeyIDs: []string{"k1"}, LastFetch: now}, UpdatedAt: now}
	f.byName[cfg.Name] = i
	return i, !existed, nil
}

func (f *fakeProviders) Remove(_ context.Context, name string) error {
	if _, ok := f.byName[name]; !ok {
		return fmt.Errorf("%w: %q", oidcstore.ErrNotFound, name)
	}
	delete(f.byName, name)
	f.removed = append(f.removed, name)
	return nil
}

func (f *fakeProviders) Get(name string) (oidcstore.Info, error) {
	i, ok := f.byName[name]
	if !ok {
		return i, fmt.Errorf("%w: %q", oidcstore.ErrNotFound, name)
	}
	return i, nil
}

func (f *fakeProviders) List() []oidcstore.Info {
	var out []oidcstore.Info
	for _, n := range []string{"corp", "default"} {
		if i, ok := f.byName[n]; ok {
			out = append(out, i)
		}
	}
	return out
}

func newOIDCAPI(t *testing.T, p OIDCProviders) http.Handler {
	t.Helper()
	return New(Config{Auth: root(), Info: fixedInfo, Clock: func() time.Time { return now }, OIDC: p})
}

func TestOIDCRoundTrip(t *testing.T) {
	t.Parallel()
	f := &fakeProviders{byName: map[string]oidcstore.Info{}}
	h := newOIDCAPI(t, f)

	w, info := serve(h, http.MethodPost, PathOIDCProviders, strings.NewReader(
		`{"name":"corp","config_url":"https://idp.example.com","audiences":["fedstore"],"claim_name":"realm_access.roles","leeway":"2m"}`))
	if w.Code != http.StatusOK || info.Op != "OIDCConfigureProvider" {
		t.Fatalf("configure: %d %s (op %s)", w.Code, w.Body, info.Op)
	}
	want := oidc.ProviderConfig{Name: "corp", ConfigURL: "https://idp.example.com", Audiences: []string{"fedstore"},
		ClaimName: "realm_access.roles", Leeway: 2 * time.Minute}
	if diff := cmp.Diff(want, f.got); diff != "" {
		t.Fatalf("config passed on (-want +got):\n%s", diff)
	}
	var res OIDCConfigureResult
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if !res.Created || res.Provider.Leeway != "2m0s" || res.Provider.ClaimName != "realm_access.roles" || res.Provider.UserClaim != "sub" {
		t.Fatalf("configure answer %+v", res)
	}
	golden(t, "oidc_configure.json", w.Body.Bytes())

	w, _ = serve(h, http.MethodGet, PathOIDCProviders, nil)
	golden(t, "oidc_list.json", w.Body.Bytes())

	w, info = serve(h, http.MethodGet, PathOIDCProvider+"?name=corp", nil)
	if w.Code != http.StatusOK || info.Op != "OIDCGetProvider" {
		t.Fatalf("get: %d %s", w.Code, w.Body)
	}
	w, _ = serve(h, http.MethodGet, PathOIDCProvider, nil)
	if e := decodeErr(t, w); w.Code != http.StatusNotFound || e.Code != "NoSuchProvider" || !strings.Contains(e.Message, `"default"`) {
		t.Fatalf("get default: %d %+v", w.Code, e)
	}
	w, info = serve(h, http.MethodDelete, PathOIDCProvider+"?name=corp", nil)
	if w.Code != http.StatusOK || info.Op != "OIDCRemoveProvider" || !cmp.Equal(f.removed, []string{"corp"}) {
		t.Fatalf("remove: %d %s, removed %v", w.Code, w.Body, f.removed)
	}
	w, _ = serve(h, http.MethodGet, PathOIDCProviders, nil)
	if strings.TrimSpace(w.Body.String()) != "{\n  \"providers\": []\n}" {
		t.Fatalf("empty list: %s", w.Body)
	}
}

func TestOIDCErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		store        OIDCProviders
		method, path string
		body         string
		status       int
		code, msg    string
	}{
		{"no store", nil, http.MethodGet, PathOIDCProviders, "", 501, "NotImplemented", "not available"},
		{"invalid config", &fakeProviders{configureErr: fmt.Errorf("%w: at least one audience is required", oidc.ErrInvalidConfig)},
			http.MethodPost, PathOIDCProviders, `{"config_url":"https://x"}`, 400, "InvalidProviderConfig", "at least one audience is required"},
		{"idp down", &fakeProviders{configureErr: &oidc.Error{Kind: oidc.ErrIDPCommunication, Reason: "GET https://x: 503"}},
			http.MethodPost, PathOIDCProviders, `{"config_url":"https://x","audiences":["a"]}`, 400, "IDPCommunicationError", "503"},
		{"bad leeway", &fakeProviders{}, http.MethodPost, PathOIDCProviders, `{"config_url":"https://x","audiences":["a"],"leeway":"soon"}`,
			400, "InvalidProviderConfig", `leeway "soon" is not a duration`},
		{"negative leeway", &fakeProviders{}, http.MethodPost, PathOIDCProviders, `{"config_url":"https://x","audiences":["a"],"leeway":"-5s"}`,
			400, "InvalidProviderConfig", "must be positive"},
		{"unknown field", &fakeProviders{}, http.MethodPost, PathOIDCProviders, `{"config_url":"https://x","audience":["a"]}`,
			400, "MalformedJSON", `unknown field "audience"`},
		{"body on get", &fakeProviders{byName: map[string]oidcstore.Info{}}, http.MethodGet, PathOIDCProviders, `{}`, 400, "InvalidRequest", "takes no request body"},
		{"remove missing", &fakeProviders{byName: map[string]oidcstore.Info{}}, http.MethodDelete, PathOIDCProvider + "?name=x", "", 404, "NoSuchProvider", `"x"`},
		{"wrong method", &fakeProviders{}, http.MethodPut, PathOIDCProviders, "", 405, "MethodNotAllowed", "PUT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := New(Config{Auth: root(), OIDC: tc.store})
			if tc.store == nil {
				h = New(Config{Auth: root()})
			}
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			w, _ := serve(h, tc.method, tc.path, body)
			e := decodeErr(t, w)
			if w.Code != tc.status || e.Code != tc.code || !strings.Contains(e.Message, tc.msg) {
				t.Fatalf("got %d %+v, want %d %s containing %q", w.Code, e, tc.status, tc.code, tc.msg)
			}
		})
	}
}

func TestOIDCErrorTable(t *testing.T) {
	t.Parallel()
	for _, row := range oidcErrorTable() {
		got := lookup(fmt.Errorf("wrapped: %w", row.err))
		if got.code != row.code || got.status != row.status {
			t.Errorf("%v maps to %s %d, want %s %d", row.err, got.code, got.status, row.code, row.status)
		}
	}
	if got := lookup(&oidc.Error{Kind: oidc.ErrIDPCommunication, Cause: errors.New("x")}); got.code != "IDPCommunicationError" {
		t.Errorf("*oidc.Error maps to %s", got.code)
	}
}
