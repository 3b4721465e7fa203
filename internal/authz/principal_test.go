package authz

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/fedstore/fedstore/internal/authn"
)

// principalKeys are the context keys a principalCtx sets, but for claims.
var principalKeys = []string{"aws:principaltype", "aws:username", "aws:userid", "aws:principalarn", "aws:principalaccount"}

// checkPrincipalCtx fails unless the principalCtx a hands out for p (kept
// from earlier requests or not) is what a fresh Authorizer derives for p now.
func checkPrincipalCtx(t *testing.T, a *Authorizer, p *authn.Principal) {
	t.Helper()
	got, want := a.principal(p), New(nil, Options{}).newPrincipalCtx(p)
	if got.role != want.role {
		t.Errorf("role = %q, want %q", got.role, want.role)
	}
	keys := slices.Clone(principalKeys)
	for name := range p.Claims {
		keys = append(keys, claimKeyOf(name))
	}
	keys = append(keys, "jwt:team", "jwt:sub")
	for _, k := range keys {
		g, gok := got.ctx.Get(k)
		w, wok := want.ctx.Get(k)
		if gok != wok || !slices.Equal(g, w) {
			t.Errorf("%s = %q, %v; want %q, %v", k, g, gok, w, wok)
		}
	}
	if got.ctx.Len() != want.ctx.Len() {
		t.Errorf("%d keys, want %d", got.ctx.Len(), want.ctx.Len())
	}
}

// TestPrincipalCtxFollowsChanges: the principal table keeps what requests
// of a principal share, but a principal that has changed since, under the
// same access key (its fields, or its Claims map edited in place), gets what
// it is now.
func TestPrincipalCtxFollowsChanges(t *testing.T) {
	t.Parallel()
	a := New(newFake(t), Options{})
	s := session("tom", "devs", "team")
	s.Claims = map[string][]string{"team": {"blue"}, "sub": {"tom"}}
	steps := []struct {
		name   string
		change func(p *authn.Principal)
	}{
		{"first use", func(*authn.Principal) {}},
		{"unchanged", func(*authn.Principal) {}},
		{"claim value replaced", func(p *authn.Principal) { p.Claims["team"] = []string{"red"} }},
		{"claim value edited in place", func(p *authn.Principal) { p.Claims["team"][0] = "green" }},
		{"claim value grown", func(p *authn.Principal) { p.Claims["team"] = append(p.Claims["team"], "green") }},
		{"claim value emptied", func(p *authn.Principal) { p.Claims["team"] = nil }},
		{"claim renamed", func(p *authn.Principal) { delete(p.Claims, "team"); p.Claims["Team"] = []string{"blue"} }},
		{"claim added", func(p *authn.Principal) { p.Claims["groups"] = []string{"a", "b"} }},
		{"claim removed", func(p *authn.Principal) { delete(p.Claims, "sub") }},
		{"claims replaced", func(p *authn.Principal) { p.Claims = map[string][]string{"team": {"blue"}} }},
		{"no claims", func(p *authn.Principal) { p.Claims = nil }},
		{"name", func(p *authn.Principal) { p.Name = "tim" }},
		{"no name", func(p *authn.Principal) { p.Name = "" }},
		{"user id", func(p *authn.Principal) { p.UserID = "ASIATIM:tim" }},
		{"no user id", func(p *authn.Principal) { p.UserID = "" }},
		{"ARN", func(p *authn.Principal) { p.ARN = "arn:aws:sts::000000000000:assumed-role/auditor/tim" }},
		{"no ARN", func(p *authn.Principal) { p.ARN = "" }},
		{"kind", func(p *authn.Principal) { p.Kind = authn.User }},
	}
	for _, step := range steps {
		step.change(&s)
		t.Run(step.name, func(t *testing.T) { checkPrincipalCtx(t, a, &s) })
	}
}

// TestPrincipalTableDecisions: requests of principals whose access keys
// share a slot of the principal table, or whose claims change between
// requests, are decided on their own claims, from many goroutines at once.
func TestPrincipalTableDecisions(t *testing.T) {
	t.Parallel()
	a := New(newFake(t), Options{})
	teams := []string{"blue", "red", "green"}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 3 * maxPrincipals {
				s := session(fmt.Sprintf("u%d", i%(2*maxPrincipals)), "devs", "team")
				if i%7 == 0 {
					s.AccessKey = "ASIASHARED" // one slot for all of them
				}
				s.Claims = map[string][]string{"team": {teams[(g+i)%len(teams)]}}
				for j := range teams {
					other := teams[(g+i+j)%len(teams)]
					if j > 0 {
						// The same map, edited between requests.
						s.Claims["team"] = []string{other}
					}
					err := a.Authorize(context.Background(), objReq(s, "s3:PutObject", "teams", other+"/x"))
					if err != nil {
						t.Errorf("%s with jwt:team %q: %v", s.Name, other, err)
						return
					}
					err = a.Authorize(context.Background(), objReq(s, "s3:PutObject", "teams", "nobody/x"))
					if err == nil {
						t.Errorf("%s with jwt:team %q: allowed into another team's prefix", s.Name, other)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}
