package authz

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/fedstore/fedstore/internal/authn"
	"github.com/fedstore/fedstore/internal/policy"
)

// DefaultAccountID is the account sessions belong to unless configured.
const DefaultAccountID = "000000000000"

// Request is one authorization question. It has the same fields as
// s3api.AuthzRequest, so the server converts one into the other.
type Request struct {
	Principal  authn.Principal
	Action     string // e.g. "s3:GetObject"
	Resource   string // "arn:aws:s3:::bucket", "arn:aws:s3:::bucket/key" or "arn:aws:s3:::*"
	Bucket     string // "" for service-level actions
	Key        string
	Conditions map[string][]string
}

// Policies is what the Authorizer reads on every request: compiled policies
// by name and bucket policies, from memory. *iam.Store implements it.
type Policies interface {
	Policy(name string) (*policy.Policy, bool)
	BucketPolicy(bucket string) (*policy.Policy, bool)
	AttachedPolicies(user string, groups []string) []string
}

// Options configure an Authorizer.
type Options struct {
	// AccountID is the account of every non-root principal (default
	// DefaultAccountID); bucket policies name it as "ACCOUNT" or
	// "arn:aws:iam::ACCOUNT:root".
	AccountID string
	// Logger receives problems deciding (never secrets); nil discards.
	Logger *slog.Logger
}

// Authorizer decides Requests. Safe for concurrent use.
type Authorizer struct {
	pol     Policies
	account string
	log     *slog.Logger
	pool    sync.Pool // *scratch

	mu         sync.RWMutex
	sessions   map[string]*policy.Policy // session policy JSON -> compiled
	claims     *internTable              // claim name -> "jwt:<lower claim>"
	principals *principalTable
}

// Cache bounds.
const (
	maxSessionPolicies = 1024
	maxClaimNames      = 1024
)

// scratch is per-evaluation storage reused through a pool.
type scratch struct {
	ctx  policy.Context
	set  policy.Set
	arns [2]string
	typ  [1]string // the value of aws:PrincipalType, when not from a principalCtx
}

// New returns an Authorizer over pol.
func New(pol Policies, opts Options) *Authorizer {
	a := &Authorizer{
		pol:        pol,
		account:    opts.AccountID,
		log:        opts.Logger,
		sessions:   map[string]*policy.Policy{},
		claims:     newInternTable(maxClaimNames, claimKeyOf),
		principals: newPrincipalTable(),
	}
	if a.account == "" {
		a.account = DefaultAccountID
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.pool.New = func() any { return &scratch{set: make(policy.Set, 0, 8)} }
	return a
}

// Names of the layers in decisions.
const (
	bucketPolicyName  = "bucket policy"
	sessionPolicyName = "session policy"
)

// Authorize returns nil to allow, a *Denial (wrapping authn.ErrAccessDenied)
// to deny, or another error when it cannot decide (which denies).
func (a *Authorizer) Authorize(_ context.Context, req Request) error {
	p := &req.Principal
	if p.Kind == authn.Root {
		return nil
	}
	sc := a.pool.Get().(*scratch)
	defer a.release(sc)
	var pc *principalCtx // nil for the anonymous caller
	if p.Kind == authn.Session || p.Kind == authn.User {
		pc = a.principal(p)
	}
	preq := policy.Request{Action: req.Action, Resource: req.Resource}
	a.fillContext(sc, &req, pc)
	preq.Context = sc.ctx

	identity := policy.Decision{Statement: -1}
	var session *policy.Decision
	switch p.Kind {
	case authn.Session, authn.User:
		sc.arns[0] = p.ARN
		sc.arns[1] = pc.role
		preq.Principal = policy.Principal{Account: a.account, ARNs: sc.arns[:]}
		if sc.arns[0] == "" {
			preq.Principal.ARNs = nil
		} else if sc.arns[1] == "" {
			preq.Principal.ARNs = sc.arns[:1]
		}
		sc.set = sc.set[:0]
		for _, n := range p.Policies {
			if pol, ok := a.pol.Policy(n); ok {
				sc.set = append(sc.set, policy.Named{Name: n, Policy: pol})
			}
		}
		if p.Kind == authn.User {
			for _, n := range a.pol.AttachedPolicies(p.Name, nil) {
				if pol, ok := a.pol.Policy(n); ok {
					sc.set = append(sc.set, policy.Named{Name: n, Policy: pol})
				}
			}
		}
		identity = sc.set.Evaluate(preq)
		if p.SessionPolicy != "" {
			sp, err := a.sessionPolicy(p.SessionPolicy)
			if err != nil {
				return fmt.Errorf("authz: the session policy of %s no longer compiles: %w", p.AccessKey, err)
			}
			d := sp.Evaluate(sessionPolicyName, preq)
			session = &d
		}
	case authn.Anonymous:
	default:
		return fmt.Errorf("authz: unknown principal kind %d", p.Kind)
	}
	bucket := policy.Decision{Statement: -1}
	if req.Bucket != "" {
		if bp, ok := a.pol.BucketPolicy(req.Bucket); ok {
			bucket = bp.Evaluate(bucketPolicyName, preq)
		}
	}

	// An explicit deny anywhere wins.
	switch {
	case identity.Effect == policy.Deny:
		return a.deny(&req, identity, "with an explicit deny in an identity-based policy")
	case session != nil && session.Effect == policy.Deny:
		return a.deny(&req, *session, "with an explicit deny in a session policy")
	case bucket.Effect == policy.Deny:
		return a.deny(&req, bucket, "with an explicit deny in a resource-based policy")
	}
	effective := identity
	if session != nil {
		effective = policy.Intersect(identity, *session)
	}
	if policy.Union(effective, bucket).Allowed() {
		return nil
	}
	var why string
	switch {
	case p.Kind == authn.Anonymous:
		why = "because no resource-based policy allows the " + req.Action + " action"
	case identity.Allowed() && session != nil:
		why = "because no session policy allows the " + req.Action + " action"
	default:
		why = "because no identity-based policy allows the " + req.Action + " action"
	}
	return a.deny(&req, policy.Decision{Statement: -1}, why)
}

func (a *Authorizer) release(sc *scratch) {
	sc.ctx.Reset()
	clear(sc.set)
	sc.set = sc.set[:0]
	sc.arns = [2]string{}
	a.pool.Put(sc)
}

// roleARN turns arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION into
// arn:aws:iam::ACCOUNT:role/ROLE ("" for anything else): AWS lets a role
// ARN in a bucket policy's Principal stand for the role's sessions.
func roleARN(arn string) string {
	rest, ok := strings.CutPrefix(arn, "arn:aws:sts::")
	if !ok {
		return ""
	}
	account, res, ok := strings.Cut(rest, ":")
	if !ok {
		return ""
	}
	res, ok = strings.CutPrefix(res, "assumed-role/")
	if !ok {
		return ""
	}
	role, _, ok := strings.Cut(res, "/")
	if !ok || role == "" {
		return ""
	}
	return "arn:aws:iam::" + account + ":role/" + role
}

// sessionPolicy compiles a session policy once and caches it.
func (a *Authorizer) sessionPolicy(doc string) (*policy.Policy, error) {
	a.mu.RLock()
	p, ok := a.sessions[doc]
	a.mu.RUnlock()
	if ok {
		return p, nil
	}
	p, err := policy.ParseIdentity([]byte(doc))
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if len(a.sessions) >= maxSessionPolicies {
		clear(a.sessions)
	}
	a.sessions[doc] = p
	a.mu.Unlock()
	return p, nil
}

// Denial is an authorization refusal. Its text is AWS's AccessDenied message
// (who, which action, which resource, which kind of policy decided) and never
// names a policy or shows its contents; Detail says which policy and
// statement denied, for the audit log.
type Denial struct {
	msg      string
	decision policy.Decision
}

func (d *Denial) Error() string { return d.msg }

// Unwrap makes errors.Is(err, authn.ErrAccessDenied) true.
func (d *Denial) Unwrap() error { return authn.ErrAccessDenied }

// Decision is the deciding decision (NotApplicable when no statement allowed).
func (d *Denial) Decision() policy.Decision { return d.decision }

// AuditDetail is the audit form: `Deny by policy "p" Statement[2] (Sid "x")`
// or "no statement allowed".
func (d *Denial) AuditDetail() string {
	if d.decision.Effect == policy.NotApplicable {
		return "no statement allowed"
	}
	return d.decision.String()
}

func (a *Authorizer) deny(req *Request, d policy.Decision, why string) error {
	who := "Anonymous"
	switch {
	case req.Principal.ARN != "":
		who = "User: " + req.Principal.ARN
	case req.Principal.Kind != authn.Anonymous:
		who = "User: " + req.Principal.Name
	}
	return &Denial{
		msg:      fmt.Sprintf("%s is not authorized to perform: %s on resource: %q %s", who, req.Action, req.Resource, why),
		decision: d,
	}
}

// IsDenial reports whether err is an authorization refusal.
func IsDenial(err error) bool {
	var d *Denial
	return errors.As(err, &d)
}
