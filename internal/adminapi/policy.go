package adminapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fedstore/fedstore/internal/iam"
	"github.com/fedstore/fedstore/internal/policy"
)

// IAM policy endpoints. A policy is named with the query parameter "name".
const (
	// GET: list (without documents); POST (PolicyAddRequest): add or replace.
	PathPolicies = Prefix + "iam/policies"
	// GET ?name=N: show; DELETE ?name=N[&force=true]: remove.
	PathPolicy = Prefix + "iam/policy"
	// GET: every attachment.
	PathPolicyAttachments = Prefix + "iam/attachments"
	// POST (PolicyAttachRequest): attach.
	PathPolicyAttach = Prefix + "iam/attach"
	// POST (PolicyAttachRequest): detach.
	PathPolicyDetach = Prefix + "iam/detach"
)

// IAMPolicies is what the policy endpoints need (*iam.Store).
type IAMPolicies interface {
	PutPolicy(ctx context.Context, name string, doc []byte) (*policy.Policy, bool, error)
	GetPolicy(ctx context.Context, name string) (iam.PolicyInfo, error)
	ListPolicies(ctx context.Context) ([]iam.PolicyInfo, error)
	DeletePolicy(ctx context.Context, name string, force bool) ([]iam.Target, error)
	Attach(ctx context.Context, name string, t iam.Target) (bool, error)
	Detach(ctx context.Context, name string, t iam.Target) error
	ListAttachments(ctx context.Context) ([]iam.Attachment, error)
}

// PolicyAddRequest adds (or replaces) a policy.
type PolicyAddRequest struct {
	Name string `json:"name"`
	// Document is the policy JSON text, validated by the server.
	Document string `json:"document"`
}

// Policy is one stored policy. List answers leave Document out.
type Policy struct {
	Name       string          `json:"name"`
	Statements int             `json:"statements"`
	Users      []string        `json:"users"`
	Groups     []string        `json:"groups"`
	Created    time.Time       `json:"created"`
	Updated    time.Time       `json:"updated"`
	Document   json.RawMessage `json:"document,omitempty"`
}

// PolicyAddResult answers an add request.
type PolicyAddResult struct {
	// Created is false when an existing policy's document was replaced.
	Created bool   `json:"created"`
	Name    string `json:"name"`
	// Warnings are findings that do not invalidate the document, such as
	// unknown s3: actions ("Statement[0].Action: ...").
	Warnings []string `json:"warnings"`
}

// PolicyList answers a list request (sorted by name).
type PolicyList struct {
	Policies []Policy `json:"policies"`
}

// PolicyAttachment is one policy attached to a user id or a group: exactly
// one of User and Group is set.
type PolicyAttachment struct {
	Policy string `json:"policy"`
	User   string `json:"user,omitempty"`
	Group  string `json:"group,omitempty"`
}

// PolicyAttachRequest is the body of attach and detach requests.
type PolicyAttachRequest = PolicyAttachment

// PolicyAttachResult answers attach and detach.
type PolicyAttachResult struct {
	// Changed is false when attach found the policy already attached.
	Changed    bool             `json:"changed"`
	Attachment PolicyAttachment `json:"attachment"`
}

// PolicyAttachmentList answers a list of attachments.
type PolicyAttachmentList struct {
	Attachments []PolicyAttachment `json:"attachments"`
}

// PolicyRemoveResult answers a remove request.
type PolicyRemoveResult struct {
	Removed string `json:"removed"`
	// Detached lists where --force detached the policy from.
	Detached []PolicyAttachment `json:"detached"`
}

var (
	errIAMDisabled       = errors.New("IAM policies are not available on this server")
	errInvalidIAMRequest = errors.New("invalid policy request")
)

func (a *api) policyRoutes() []route {
	return []route{
		{http.MethodGet, PathPolicies, "PolicyList", a.policyList},
		{http.MethodPost, PathPolicies, "PolicyAdd", a.policyAdd},
		{http.MethodGet, PathPolicy, "PolicyShow", a.policyShow},
		{http.MethodDelete, PathPolicy, "PolicyRemove", a.policyRemove},
		{http.MethodGet, PathPolicyAttachments, "PolicyAttachments", a.policyAttachments},
		{http.MethodPost, PathPolicyAttach, "PolicyAttach", a.policyAttach},
		{http.MethodPost, PathPolicyDetach, "PolicyDetach", a.policyDetach},
	}
}

// iamErrorTable maps the iam and policy errors to wire codes.
func iamErrorTable() []codeStatus {
	return []codeStatus{
		{errIAMDisabled, "NotImplemented", http.StatusNotImplemented},
		{errInvalidIAMRequest, "InvalidArgument", http.StatusBadRequest},
		{iam.ErrInvalidName, "InvalidArgument", http.StatusBadRequest},
		{iam.ErrNoSuchPolicy, "NoSuchPolicy", http.StatusNotFound},
		{iam.ErrPolicyAttached, "PolicyAttached", http.StatusConflict},
		{iam.ErrNotAttached, "NotAttached", http.StatusNotFound},
		{iam.ErrNoSuchBucketPolicy, "NoSuchBucketPolicy", http.StatusNotFound},
		{iam.ErrBusy, "Conflict", http.StatusConflict},
		{policy.ErrMalformedPolicy, "MalformedPolicyDocument", http.StatusBadRequest},
		{policy.ErrPolicyTooLarge, "PolicyTooLarge", http.StatusBadRequest},
	}
}

func (a *api) iamStore() (IAMPolicies, error) {
	if a.cfg.IAM == nil {
		return nil, errIAMDisabled
	}
	return a.cfg.IAM, nil
}

func (a *api) policyList(ctx context.Context, _ *http.Request, body io.Reader) (any, error) {
	s, err := a.iamStore()
	if err != nil {
		return nil, err
	}
	if err := requireEmpty(body); err != nil {
		return nil, err
	}
	infos, err := s.ListPolicies(ctx)
	if err != nil {
		return nil, err
	}
	out := PolicyList{Policies: []Policy{}}
	for _, pi := range infos {
		p := policyView(pi)
		p.Document = nil
		out.Policies = append(out.Policies, p)
	}
	return out, nil
}

func (a *api) policyAdd(ctx context.Context, _ *http.Request, body io.Reader) (any, error) {
	s, err := a.iamStore()
	if err != nil {
		return nil, err
	}
	in, err := decodeJSON[PolicyAddRequest](body)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Document) == "" {
		return nil, fmt.Errorf("%w: the policy document is empty", errInvalidIAMRequest)
	}
	p, created, err := s.PutPolicy(ctx, in.Name, []byte(in.Document))
	if err != nil {
		return nil, err
	}
	out := PolicyAddResult{Created: created, Name: in.Name, Warnings: []string{}}
	for _, w := range p.Warnings() {
		out.Warnings = append(out.Warnings, w.String())
	}
	return out, nil
}

func (a *api) policyShow(ctx context.Context, r *http.Request, body io.Reader) (any, error) {
	s, err := a.iamStore()
	if err != nil {
		return nil, err
	}
	if err := requireEmpty(body); err != nil {
		return nil, err
	}
	pi, err := s.GetPolicy(ctx, r.URL.Query().Get("name"))
	if err != nil {
		return nil, err
	}
	return policyView(pi), nil
}

func (a *api) policyRemove(ctx context.Context, r *http.Request, body io.Reader) (any, error) {
	s, err := a.iamStore()
	if err != nil {
		return nil, err
	}
	if err := requireEmpty(body); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	force := false
	if v := q.Get("force"); v != "" {
		if force, err = strconv.ParseBool(v); err != nil {
			return nil, fmt.Errorf("%w: force=%q is not true or false", errInvalidIAMRequest, v)
		}
	}
	name := q.Get("name")
	targets, err := s.DeletePolicy(ctx, name, force)
	if err != nil {
		return nil, err
	}
	out := PolicyRemoveResult{Removed: name, Detached: []PolicyAttachment{}}
	for _, t := range targets {
		out.Detached = append(out.Detached, attachmentView(name, t))
	}
	return out, nil
}

func (a *api) policyAttachments(ctx context.Context, _ *http.Request, body io.Reader) (any, error) {
	s, err := a.iamStore()
	if err != nil {
		return nil, err
	}
	if err := requireEmpty(body); err != nil {
		return nil, err
	}
	all, err := s.ListAttachments(ctx)
	if err != nil {
		return nil, err
	}
	out := PolicyAttachmentList{Attachments: []PolicyAttachment{}}
	for _, at := range all {
		out.Attachments = append(out.Attachments, attachmentView(at.Policy, at.Target))
	}
	return out, nil
}

func (a *api) policyAttach(ctx context.Context, _ *http.Request, body io.Reader) (any, error) {
	return a.attachOrDetach(ctx, body, true)
}

func (a *api) policyDetach(ctx context.Context, _ *http.Request, body io.Reader) (any, error) {
	return a.attachOrDetach(ctx, body, false)
}

func (a *api) attachOrDetach(ctx context.Context, body io.Reader, attach bool) (any, error) {
	s, err := a.iamStore()
	if err != nil {
		return nil, err
	}
	in, err := decodeJSON[PolicyAttachRequest](body)
	if err != nil {
		return nil, err
	}
	var t iam.Target
	switch {
	case in.User != "" && in.Group != "":
		return nil, fmt.Errorf("%w: give a user or a group, not both", errInvalidIAMRequest)
	case in.User != "":
		t = iam.Target{Kind: iam.TargetUser, Name: in.User}
	case in.Group != "":
		t = iam.Target{Kind: iam.TargetGroup, Name: in.Group}
	default:
		return nil, fmt.Errorf("%w: give a user or a group", errInvalidIAMRequest)
	}
	changed := true
	if attach {
		changed, err = s.Attach(ctx, in.Policy, t)
	} else {
		err = s.Detach(ctx, in.Policy, t)
	}
	if err != nil {
		return nil, err
	}
	return PolicyAttachResult{Changed: changed, Attachment: attachmentView(in.Policy, t)}, nil
}

func attachmentView(name string, t iam.Target) PolicyAttachment {
	if t.Kind == iam.TargetGroup {
		return PolicyAttachment{Policy: name, Group: t.Name}
	}
	return PolicyAttachment{Policy: name, User: t.Name}
}

func policyView(pi iam.PolicyInfo) Policy {
	p := Policy{
		Name: pi.Name, Statements: pi.Statements, Users: pi.Users, Groups: pi.Groups,
		Created: pi.Created.UTC(), Updated: pi.Updated.UTC(),
	}
	if json.Valid([]byte(pi.Document)) {
		p.Document = json.RawMessage(pi.Document)
	}
	if p.Users == nil {
		p.Users = []string{}
	}
	if p.Groups == nil {
		p.Groups = []string{}
	}
	return p
}
