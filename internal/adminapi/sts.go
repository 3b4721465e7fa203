package adminapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/fedstore/fedstore/internal/sts"
)

// STS session endpoints.
const (
	// GET [?subject=SUB]: the live sessions.
	PathSTSSessions = Prefix + "sts/sessions"
	// POST STSRevokeRequest: revoke one session or every session of a subject.
	PathSTSRevoke = Prefix + "sts/revoke"
	// POST STSExplainRequest: how a token fares at the exchange.
	PathSTSExplain = Prefix + "sts/explain"
	// GET: the sealing keys (never their secrets); POST: rotate.
	PathSTSKeys = Prefix + "sts/keys"
)

// MaxExplainToken bounds the token of an explain request (as the exchange).
const MaxExplainToken = 20000

// STSSessions is what the STS endpoints need (*sts.Service).
type STSSessions interface {
	List(ctx context.Context, o sts.ListOptions) ([]sts.Session, error)
	Revoke(ctx context.Context, accessKey string) (sts.Session, error)
	RevokeSubject(ctx context.Context, subject string) ([]sts.Session, error)
	Explain(ctx context.Context, token, roleArn string) sts.Explanation
	RotateKey(ctx context.Context) (sts.KeyInfo, error)
	Keys() []sts.KeyInfo
}

// STSSessionList answers GET sts/sessions, soonest expiry first.
type STSSessionList struct {
	Sessions []sts.Session `json:"sessions"`
}

// STSRevokeRequest names exactly one of an access key or a subject.
type STSRevokeRequest struct {
	AccessKey string `json:"access_key,omitempty"`
	Subject   string `json:"subject,omitempty"`
}

// STSRevokeResult lists the sessions the revocation stopped.
type STSRevokeResult struct {
	AccessKey string        `json:"access_key,omitempty"`
	Subject   string        `json:"subject,omitempty"`
	Sessions  []sts.Session `json:"sessions"`
	RevokedAt time.Time     `json:"revoked_at"`
}

// STSExplainRequest is a token (never stored or logged) and an optional
// RoleArn to narrow with.
type STSExplainRequest struct {
	Token   string `json:"token"`
	RoleArn string `json:"role_arn,omitempty"`
}

// STSKeyList answers GET sts/keys (oldest first).
type STSKeyList struct {
	Keys []sts.KeyInfo `json:"keys"`
}

var (
	errSTSDisabled      = errors.New("STS sessions are not available on this server")
	errInvalidSTSReq    = errors.New("invalid STS request")
	errTokenTooLong     = errors.New("the token is too long")
	maxSubjectParamSize = 1024
)

func (a *api) stsRoutes() []route {
	return []route{
		{http.MethodGet, PathSTSSessions, "STSListSessions", a.stsList},
		{http.MethodPost, PathSTSRevoke, "STSRevoke", a.stsRevoke},
		{http.MethodPost, PathSTSExplain, "STSExplain", a.stsExplain},
		{http.MethodGet, PathSTSKeys, "STSListKeys", a.stsKeys},
		{http.MethodPost, PathSTSKeys, "STSRotateKey", a.stsRotate},
	}
}

func (a *api) stsService() (STSSessions, error) {
	if a.cfg.STS == nil {
		return nil, errSTSDisabled
	}
	return a.cfg.STS, nil
}

func (a *api) stsList(ctx context.Context, r *http.Request, body io.Reader) (any, error) {
	s, err := a.stsService()
	if err != nil {
		return nil, err
	}
	if err := requireEmpty(body); err != nil {
		return nil, err
	}
	sub := r.URL.Query().Get("subject")
	if len(sub) > maxSubjectParamSize {
		return nil, fmt.Errorf("%w: subject of %d bytes exceeds %d", errInvalidSTSReq, len(sub), maxSubjectParamSize)
	}
	list, err := s.List(ctx, sts.ListOptions{Subject: sub})
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []sts.Session{}
	}
	return STSSessionList{Sessions: list}, nil
}

func (a *api) stsRevoke(ctx context.Context, _ *http.Request, body io.Reader) (any, error) {
	s, err := a.stsService()
	if err != nil {
		return nil, err
	}
	in, err := decodeJSON[STSRevokeRequest](body)
	if err != nil {
		return nil, err
	}
	in.AccessKey = strings.TrimSpace(in.AccessKey)
	switch {
	case (in.AccessKey == "") == (in.Subject == ""):
		return nil, fmt.Errorf("%w: give exactly one of access_key and subject", errInvalidSTSReq)
	case len(in.Subject) > maxSubjectParamSize:
		return nil, fmt.Errorf("%w: subject of %d bytes exceeds %d", errInvalidSTSReq, len(in.Subject), maxSubjectParamSize)
	}
	out := STSRevokeResult{AccessKey: in.AccessKey, Subject: in.Subject, RevokedAt: a.clock().UTC()}
	if in.AccessKey != "" {
		sess, err := s.Revoke(ctx, in.AccessKey)
		if err != nil {
			return nil, err
		}
		out.Sessions = []sts.Session{sess}
		return out, nil
	}
	if out.Sessions, err = s.RevokeSubject(ctx, in.Subject); err != nil {
		return nil, err
	}
	if out.Sessions == nil {
		out.Sessions = []sts.Session{}
	}
	return out, nil
}

func (a *api) stsExplain(ctx context.Context, _ *http.Request, body io.Reader) (any, error) {
	s, err := a.stsService()
	if err != nil {
		return nil, err
	}
	in, err := decodeJSON[STSExplainRequest](body)
	if err != nil {
		return nil, err
	}
	in.Token = strings.TrimSpace(in.Token)
	switch {
	case in.Token == "":
		return nil, fmt.Errorf("%w: the token is empty", errInvalidSTSReq)
	case len(in.Token) > MaxExplainToken:
		return nil, fmt.Errorf("%w: %d characters, at most %d", errTokenTooLong, len(in.Token), MaxExplainToken)
	}
	return s.Explain(ctx, in.Token, in.RoleArn), nil
}

func (a *api) stsKeys(_ context.Context, _ *http.Request, body io.Reader) (any, error) {
	s, err := a.stsService()
	if err != nil {
		return nil, err
	}
	if err := requireEmpty(body); err != nil {
		return nil, err
	}
	return STSKeyList{Keys: s.Keys()}, nil
}

func (a *api) stsRotate(ctx context.Context, _ *http.Request, body io.Reader) (any, error) {
	s, err := a.stsService()
	if err != nil {
		return nil, err
	}
	if err := requireEmpty(body); err != nil {
		return nil, err
	}
	return s.RotateKey(ctx)
}

// stsErrorTable maps the STS endpoints' errors (appended to errorTable).
func stsErrorTable() []codeStatus {
	return []codeStatus{
		{errSTSDisabled, "NotImplemented", http.StatusNotImplemented},
		{errInvalidSTSReq, "InvalidRequest", http.StatusBadRequest},
		{errTokenTooLong, "InvalidRequest", http.StatusBadRequest},
		{sts.ErrNoSuchSession, "NoSuchSession", http.StatusNotFound},
	}
}
