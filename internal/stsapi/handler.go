package stsapi

import (
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/fedstore/fedstore/internal/reqctx"
	"github.com/fedstore/fedstore/internal/sts"
)

// Names recorded in reqctx.Info.
const (
	apiName         = "sts"
	opWebIdentity   = "AssumeRoleWithWebIdentity"
	opUnknown       = "Unknown"
	principalAnon   = "anonymous"
	noVersion       = "NO_VERSION_SPECIFIED"
	headerRequestID = "x-amzn-RequestId"
)

// Outcomes reported to Config.OnExchange and in log lines.
const (
	outcomeSuccess = "success"
	outcomeRefused = "refused"
	outcomeError   = "error"
)

// ServeHTTP answers one STS query-API request.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := reqctx.From(r.Context())
	info.API, info.Op, info.Principal = apiName, opUnknown, principalAnon
	if info.ID == "" {
		info.ID = h.newRequestID()
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		h.writeError(w, r, info, &apiError{Status: http.StatusMethodNotAllowed, Code: "MethodNotAllowed",
			Message: fmt.Sprintf("The STS query API accepts GET and POST, not %s.", r.Method)}, nil)
		return
	}
	if h.cfg.RateLimiter != nil {
		if ip := sourceIP(r.RemoteAddr); !h.cfg.RateLimiter.Allow(ip) {
			h.writeError(w, r, info, fmt.Errorf("%w: too many STS requests from %s; slow down and retry", sts.ErrThrottled, ip), nil)
			return
		}
	}
	p, err := readParams(r)
	if err != nil {
		h.writeError(w, r, info, err, nil)
		return
	}
	if err := dispatch(p); err != nil {
		h.writeError(w, r, info, err, nil)
		return
	}
	info.Op = opWebIdentity
	h.assumeRoleWithWebIdentity(w, r, info, p)
}

// dispatch accepts AssumeRoleWithWebIdentity at version 2011-06-15 (or with
// no Version) and refuses anything else the way AWS does.
func dispatch(p params) error {
	action, ok := p.get(paramAction)
	if !ok {
		return &apiError{Status: http.StatusBadRequest, Code: codeMissingAction, Namespace: faultNamespace,
			Message: "The request must contain the parameter Action."}
	}
	version, hasVersion := p.get(paramVersion)
	if action == opWebIdentity && (!hasVersion || version == Version) {
		return nil
	}
	if !hasVersion {
		version = noVersion
	}
	return &apiError{Status: http.StatusBadRequest, Code: codeInvalidAction, Namespace: faultNamespace,
		Message: fmt.Sprintf("Could not find operation %s for version %s", action, version)}
}

// assumeRoleWithWebIdentity validates the parameters, runs the exchange and
// answers with the credentials.
func (h *handler) assumeRoleWithWebIdentity(w http.ResponseWriter, r *http.Request, info *reqctx.Info, p params) {
	start := h.cfg.Clock()
	req, err := decodeWebIdentity(p)
	if err != nil {
		h.writeError(w, r, info, err, &req)
		return
	}
	v, err := validate(req, h.cfg.MinDuration, h.cfg.MaxDuration)
	if err != nil {
		h.writeError(w, r, info, err, &req)
		return
	}
	in := sts.WebIdentityInput{
		RoleArn:          v.RoleArn,
		RoleSessionName:  v.RoleSessionName,
		WebIdentityToken: v.WebIdentityToken,
		Duration:         v.Duration,
		Policy:           v.Policy,
		PolicyArns:       v.PolicyArns,
		ProviderID:       v.ProviderID,
		SourceIP:         sourceIP(r.RemoteAddr),
	}
	out, err := h.cfg.Exchanger.AssumeRoleWithWebIdentity(r.Context(), in)
	if err == nil {
		err = checkOutput(out)
	}
	if err != nil {
		h.writeError(w, r, info, err, &req)
		return
	}
	info.Principal = out.SubjectFromWebIdentityToken
	h.log.LogAttrs(r.Context(), slog.LevelInfo, "sts exchange",
		slog.String("request_id", info.ID),
		slog.String("outcome", outcomeSuccess),
		slog.String("subject", out.SubjectFromWebIdentityToken),
		slog.String("issuer", out.Provider),
		slog.String("audience", out.Audience),
		slog.String("access_key", out.AccessKeyID),
		slog.String("assumed_role_arn", out.AssumedRoleARN),
		slog.String("role_arn", in.RoleArn),
		slog.String("role_session_name", in.RoleSessionName),
		slog.Int64("duration_seconds", int64(in.Duration/time.Second)),
		slog.Time("expiration", out.Expiration.UTC()),
		slog.Int("token_length", len(in.WebIdentityToken)),
		slog.String("source_ip", in.SourceIP),
		slog.Duration("elapsed", h.cfg.Clock().Sub(start)),
	)
	h.cfg.OnExchange(outcomeSuccess, "")
	buf, _ := h.bufs.Get().(*[]byte)
	if buf == nil {
		b := make([]byte, 0, successXMLSize(out, info.ID))
		buf = &b
	}
	body := appendSuccessXML((*buf)[:0], out, v.SessionPolicy, info.ID)
	writeXML(w, http.StatusOK, info.ID, body)
	if cap(body) <= maxPooledDoc {
		*buf = body
		h.bufs.Put(buf)
	}
}

// maxPooledDoc bounds the response buffers kept for reuse.
const maxPooledDoc = 16 << 10

// checkOutput refuses an exchange result without usable credentials (a bug
// in the exchanger, reported as InternalFailure).
func checkOutput(out *sts.WebIdentityOutput) error {
	switch {
	case out == nil:
		return fmt.Errorf("stsapi: exchanger returned no output and no error")
	case out.AccessKeyID == "" || out.SecretAccessKey == "" || out.SessionToken == "" || out.Expiration.IsZero():
		return fmt.Errorf("stsapi: exchanger returned incomplete credentials (access key %q)", out.AccessKeyID)
	}
	return nil
}

// writeError renders err (wire or domain) and logs it. req, when known,
// adds the request's non-secret facts to the log line.
func (h *handler) writeError(w http.ResponseWriter, r *http.Request, info *reqctx.Info, err error, req *webIdentityRequest) {
	e, known := toAPIError(err)
	attrs := []slog.Attr{
		slog.String("request_id", info.ID),
		slog.String("outcome", outcomeRefused),
		slog.String("code", e.Code),
		slog.Int("status", e.Status),
		slog.String("source_ip", sourceIP(r.RemoteAddr)),
	}
	if req != nil {
		attrs = append(attrs,
			slog.String("role_arn", req.RoleArn.Value),
			slog.String("role_session_name", req.RoleSessionName.Value),
			slog.Int("token_length", len(req.WebIdentityToken.Value)))
	}
	if known {
		attrs = append(attrs, slog.String("reason", e.Message))
		h.log.LogAttrs(r.Context(), slog.LevelInfo, "sts request refused", attrs...)
		h.cfg.OnExchange(outcomeRefused, e.Code)
	} else {
		attrs[1] = slog.String("outcome", outcomeError)
		attrs = append(attrs, slog.String("error", err.Error()))
		h.log.LogAttrs(r.Context(), slog.LevelError, "sts request failed", attrs...)
		h.cfg.OnExchange(outcomeError, e.Code)
	}
	writeXML(w, e.Status, info.ID, errorXML(e, info.ID))
}

// writeXML sends an STS document with AWS's headers.
func writeXML(w http.ResponseWriter, status int, requestID string, body []byte) {
	hd := w.Header()
	hd.Set("Content-Type", "text/xml")
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	hd.Set(headerRequestID, requestID)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// sourceIP is the host part of a RemoteAddr.
func sourceIP(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}

// newRequestID makes an AWS-style request id (a random UUID) for requests
// that arrive without one (the server's middleware normally sets it).
func (h *handler) newRequestID() string {
	var b [16]byte
	if _, err := io.ReadFull(h.cfg.Rand, b[:]); err != nil {
		return strconv.FormatInt(h.cfg.Clock().UnixNano(), 16)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	s := hex.EncodeToString(b[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}
