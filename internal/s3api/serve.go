package s3api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/fedstore/fedstore/internal/authn"
	"github.com/fedstore/fedstore/internal/reqctx"
)

// request is what a handler gets: the addressed bucket and key, the parsed
// query, and the authenticated principal with the body to read.
type request struct {
	ctx    context.Context
	r      *http.Request
	route  *route
	bucket string
	key    string
	query  url.Values
	auth   *authn.Result
	authz  authzScratch // storage for the first authorization question
}

// ServeHTTP routes, authenticates, authorizes, handles and renders one request.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := reqctx.From(r.Context())
	if info.ID == "" {
		info.ID = newRequestID()
	}
	r = r.WithContext(reqctx.With(r.Context(), info))
	info.API = "s3"
	w.Header().Set("X-Amz-Request-Id", info.ID)
	w.Header().Set("X-Amz-Id-2", requestID2(info.ID))

	bucket, key, sc := h.locate(r)
	q := r.URL.Query()
	rt, rerr := h.match(r.Method, sc, q, r.Header)
	if rt != nil {
		info.Op = rt.op
	} else {
		info.Op = "Unknown"
	}
	body := trackBody(r)
	resp, err := h.serve(r, rt, rerr, bucket, key, q)
	if err != nil {
		drainAfterError(body)
	}
	h.render(w, r, resp, err)
}

func (h *handler) serve(r *http.Request, rt *route, rerr error, bucket, key string, q url.Values) (*response, error) {
	info := reqctx.From(r.Context())
	res, err := h.authenticate(r)
	if err != nil {
		info.Principal = "anonymous"
		h.audit(r, "", "", "", err)
		return nil, err
	}
	info.Principal = res.Principal.AccessKey
	if res.Principal.Kind == authn.Anonymous || info.Principal == "" {
		info.Principal = "anonymous"
	}
	if rerr != nil {
		return nil, rerr
	}
	if rt.scope != scopeService {
		if err := validBucketName(bucket); err != nil {
			return nil, err
		}
	}
	if rt.scope == scopeObject {
		if err := validKey(key); err != nil {
			return nil, err
		}
	}
	rq := &request{ctx: r.Context(), r: r, route: rt, bucket: bucket, key: key, query: q, auth: res}
	if !rt.selfAuthz() {
		if err := h.authorize(rq, rt.action, rt.scope, bucket, key); err != nil {
			return nil, err
		}
	}
	return rt.handler(h, rq)
}

// selfAuthz reports whether the handler authorizes by itself: ListBuckets
// filters buckets, DeleteObjects checks every key.
func (rt *route) selfAuthz() bool {
	return rt.op == "ListBuckets" || rt.op == "DeleteObjects"
}

func (h *handler) authenticate(r *http.Request) (*authn.Result, error) {
	if h.auth == nil {
		return &authn.Result{
			Principal:     authn.Principal{Kind: authn.Anonymous},
			Body:          r.Body,
			ContentLength: r.ContentLength,
			Checksum:      func() string { return "" },
		}, nil
	}
	res, err := h.auth.Authenticate(r)
	if err != nil {
		return nil, err
	}
	if res.Body == nil {
		res.Body = http.NoBody
	}
	if res.Checksum == nil {
		res.Checksum = func() string { return "" }
	}
	return res, nil
}

// authorize asks the Authorizer whether rq's principal may do action on the
// resource at sc for bucket/key.
func (h *handler) authorize(rq *request, action string, sc scope, bucket, key string) error {
	// The request's first question is built in its own storage; further ones
	// (DeleteObjects, ListBuckets, CopyObject) get fresh storage, so that no
	// string handed to the Authorizer is ever overwritten.
	s := &rq.authz
	if s.used {
		s = new(authzScratch)
	}
	s.used = true
	cond := s.conditions(rq, h.now().UTC())
	if sc != scopeObject {
		key = ""
	}
	resource := s.resource(sc, bucket, key)
	err := h.authz.Authorize(rq.ctx, AuthzRequest{
		Principal:  rq.auth.Principal,
		Action:     action,
		Resource:   resource,
		Bucket:     bucket,
		Key:        key,
		Conditions: cond,
	})
	if err != nil && rq.route.op != "ListBuckets" {
		h.audit(rq.r, principalName(rq.auth.Principal), action, resource, err)
	}
	return err
}

// audit writes the audit line of a refused request: who, what, why. The
// reason is the authn/authz error text, which never holds secrets.
func (h *handler) audit(r *http.Request, who, action, resource string, err error) {
	decision := ""
	var d interface{ AuditDetail() string }
	if errors.As(err, &d) {
		decision = d.AuditDetail()
	}
	h.log.WarnContext(r.Context(), "s3 request denied",
		"audit", true,
		"decision", decision,
		"request_id", reqctx.From(r.Context()).ID,
		"op", reqctx.From(r.Context()).Op,
		"principal", who,
		"action", action,
		"resource", resource,
		"remote", r.RemoteAddr,
		"reason", err.Error())
}

func principalName(p authn.Principal) string {
	switch {
	case p.Kind == authn.Anonymous:
		return "anonymous"
	case p.Name != "" && p.AccessKey != "":
		return p.Name + " (" + p.AccessKey + ")"
	case p.Name != "":
		return p.Name
	}
	return p.AccessKey
}

// locate finds the bucket and key a request addresses: virtual-hosted style
// when Host is "bucket.<Domain>", else path style.
func (h *handler) locate(r *http.Request) (bucket, key string, sc scope) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	if h.domain != "" {
		host := strings.ToLower(r.Host)
		if hn, _, err := net.SplitHostPort(host); err == nil {
			host = hn
		}
		if b, ok := strings.CutSuffix(host, "."+strings.ToLower(h.domain)); ok && b != "" {
			if path == "" {
				return b, "", scopeBucket
			}
			return b, path, scopeObject
		}
	}
	if path == "" {
		return "", "", scopeService
	}
	bucket, key, _ = strings.Cut(path, "/")
	if key == "" {
		return bucket, "", scopeBucket
	}
	return bucket, key, scopeObject
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

func requestID2(id string) string {
	sum := sha256.Sum256([]byte("fedstore-host:" + id))
	return base64.StdEncoding.EncodeToString(sum[:])
}
