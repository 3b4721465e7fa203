package adminapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/fedstore/fedstore/internal/authn"
	"github.com/fedstore/fedstore/internal/reqctx"
	"github.com/fedstore/fedstore/internal/state"
)

// Authenticator verifies a request's SigV4 signature and names its principal.
// A request without any credentials is a Result whose Principal.Kind is
// authn.Anonymous (or an error).
type Authenticator interface {
	Authenticate(r *http.Request) (*authn.Result, error)
}

// Config is what New needs.
type Config struct {
	Auth  Authenticator
	Store state.Store
	// Info returns the static facts of the running server (version, go,
	// data dir, address, started at, state backend); the handler fills in
	// uptime and the state revision.
	Info func() Info
	// Logger receives internal errors; nil discards.
	Logger *slog.Logger
	// Clock is the time source for uptime; nil means time.Now.
	Clock func() time.Time
	// OIDC serves the OIDC provider endpoints (oidc.go); nil answers
	// NotImplemented.
	OIDC OIDCProviders
	// STS serves the session endpoints (sts.go); nil answers
	// NotImplemented.
	STS STSSessions
	// IAM serves the policy endpoints (policy.go); nil answers NotImplemented.
	IAM IAMPolicies
	// Cluster serves the cluster status endpoint (cluster.go); nil answers
	// NotImplemented. ClusterStore describes the state store for it.
	Cluster      ClusterNodes
	ClusterStore func() ClusterStore
}

type api struct {
	cfg    Config
	log    *slog.Logger
	clock  func() time.Time
	routes []route
}

// handlerFunc handles an authenticated root request; body is the verified
// request body (limited to MaxBodyBytes).
type handlerFunc func(ctx context.Context, r *http.Request, body io.Reader) (any, error)

// route is one row of the route table.
type route struct {
	method string
	path   string
	op     string
	handle handlerFunc
}

// New returns the admin API handler. It serves paths under Prefix; the
// server strips nothing.
func New(cfg Config) http.Handler {
	a := &api{cfg: cfg, log: cfg.Logger, clock: cfg.Clock}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.clock == nil {
		a.clock = time.Now
	}
	a.routes = []route{
		{http.MethodGet, PathInfo, "AdminInfo", a.info},
	}
	a.routes = append(a.routes, a.oidcRoutes()...)
	a.routes = append(a.routes, a.stsRoutes()...)
	a.routes = append(a.routes, a.policyRoutes()...)
	a.routes = append(a.routes, a.clusterRoutes()...)
	return a
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := reqctx.From(r.Context())
	info.API = "admin"
	if info.Principal == "" {
		info.Principal = "anonymous"
	}
	res, err := a.authenticate(r, info)
	if err != nil {
		a.renderError(w, r, err)
		return
	}
	rt, err := a.match(r)
	if err != nil {
		if errors.Is(err, errMethodNotAllowed) {
			w.Header().Set("Allow", a.allowed(r.URL.Path))
		}
		a.renderError(w, r, err)
		return
	}
	info.Op = rt.op
	body := res.Body
	if body == nil {
		body = r.Body
	}
	if body == nil {
		body = http.NoBody
	}
	defer body.Close()
	v, err := rt.handle(r.Context(), r, http.MaxBytesReader(w, body, MaxBodyBytes))
	if err != nil {
		a.renderError(w, r, err)
		return
	}
	a.renderJSON(w, http.StatusOK, v)
}

// authenticate admits the root principal only.
func (a *api) authenticate(r *http.Request, info *reqctx.Info) (*authn.Result, error) {
	if a.cfg.Auth == nil {
		return nil, errors.New("adminapi: no authenticator configured")
	}
	res, err := a.cfg.Auth.Authenticate(r)
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, errors.New("adminapi: authenticator returned no result")
	}
	if res.Principal.AccessKey != "" {
		info.Principal = res.Principal.AccessKey
	}
	switch res.Principal.Kind {
	case authn.Root:
		return res, nil
	case authn.Anonymous:
		return nil, errAnonymous
	default:
		return nil, fmt.Errorf("%w; %q is not root", errNotRoot, res.Principal.AccessKey)
	}
}

func (a *api) match(r *http.Request) (route, error) {
	found := false
	for _, rt := range a.routes {
		if rt.path != r.URL.Path {
			continue
		}
		found = true
		if rt.method == r.Method || (r.Method == http.MethodHead && rt.method == http.MethodGet) {
			return rt, nil
		}
	}
	if found {
		return route{}, fmt.Errorf("%w: %s %s", errMethodNotAllowed, r.Method, r.URL.Path)
	}
	return route{}, fmt.Errorf("%w: %s", errNoSuchEndpoint, r.URL.Path)
}

func (a *api) allowed(path string) string {
	var m []string
	for _, rt := range a.routes {
		if rt.path == path {
			m = append(m, rt.method)
		}
	}
	return strings.Join(m, ", ")
}

// renderJSON writes v with status.
func (a *api) renderJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		a.log.Error("adminapi: encode response", slog.String("error", err.Error()))
		b, status = []byte(`{"code":"InternalError","message":"encoding the response failed"}`), http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// renderError maps err through the error table and writes it.
func (a *api) renderError(w http.ResponseWriter, r *http.Request, err error) {
	info := reqctx.From(r.Context())
	row := lookup(err)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		row = codeStatus{code: "EntityTooLarge", status: http.StatusRequestEntityTooLarge}
		err = fmt.Errorf("%w: limit is %d bytes", errBodyTooLarge, mbe.Limit)
	}
	body := Error{Code: row.code, Message: err.Error(), RequestID: info.ID}
	if row.code == internalCode {
		a.log.ErrorContext(r.Context(), "admin API internal error",
			slog.String("request_id", info.ID), slog.String("op", info.Op), slog.String("error", err.Error()))
		body.Message = "We encountered an internal error. Please try again."
		if info.ID != "" {
			body.Message += " (request id " + info.ID + ")"
		}
	}
	a.renderJSON(w, row.status, body)
}

// decodeJSON reads one JSON value of type T from body, refusing unknown
// fields and trailing data. body is already limited by ServeHTTP.
func decodeJSON[T any](body io.Reader) (T, error) {
	var v T
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return v, err
		}
		return v, fmt.Errorf("%w: %v", errMalformedJSON, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return v, fmt.Errorf("%w: trailing data after the JSON value", errMalformedJSON)
	}
	return v, nil
}

// requireEmpty refuses a body on endpoints that take none.
func requireEmpty(body io.Reader) error {
	var b [1]byte
	n, err := io.ReadFull(body, b[:])
	if n > 0 {
		return errUnexpectedBody
	}
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	return nil
}

func (a *api) info(ctx context.Context, _ *http.Request, body io.Reader) (any, error) {
	if err := requireEmpty(body); err != nil {
		return nil, err
	}
	var out Info
	if a.cfg.Info != nil {
		out = a.cfg.Info()
	}
	if out.Go == "" {
		out.Go = runtime.Version()
	}
	if !out.StartedAt.IsZero() {
		out.UptimeSeconds = int64(a.clock().Sub(out.StartedAt) / time.Second)
		if out.UptimeSeconds < 0 {
			out.UptimeSeconds = 0
		}
	}
	if a.cfg.Store != nil {
		// The cheapest read that reports the store-wide revision.
		res, err := a.cfg.Store.List(ctx, "", state.ListOptions{Limit: 1})
		if err != nil {
			return nil, fmt.Errorf("read state revision: %w", err)
		}
		out.State.Revision = res.Revision
	}
	return out, nil
}
