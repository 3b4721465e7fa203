package policy

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEvaluate(t *testing.T) {
	t.Parallel()
	readBucket := `{"Version":"2012-10-17","Statement":[
		{"Sid":"List","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::data"},
		{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:HeadObject"],"Resource":"arn:aws:s3:::data/*"}]}`
	denySecret := `{"Version":"2012-10-17","Statement":[
		{"Sid":"NoSecrets","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::data/secret/*"}]}`
	all := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`
	notAction := `{"Version":"2012-10-17","Statement":{"Sid":"AllButDelete","Effect":"Allow","NotAction":["s3:Delete*"],"Resource":"*"}}`
	notResource := `{"Version":"2012-10-17","Statement":{"Sid":"DenyOutside","Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::data","arn:aws:s3:::data/*"]}}`
	home := `{"Version":"2012-10-17","Statement":[
		{"Sid":"Home","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${jwt:preferred_username}/*"}]}`
	homeOld := `{"Version":"2008-10-17","Statement":[
		{"Sid":"Home","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${jwt:preferred_username}/*"}]}`
	question := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObjec?","Resource":"arn:aws:s3:::b/log-????.txt"}}`
	middle := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*Object","Resource":"arn:aws:s3:::b/*/public/*"}}`

	type named struct{ name, doc string }
	tests := []struct {
		name     string
		policies []named
		action   string
		resource string
		ctx      map[string][]string
		want     Decision
	}{
		{"no policies: implicit deny", nil, "s3:GetObject", "arn:aws:s3:::data/x", nil, notApplicable},
		{"allow object", []named{{"read", readBucket}}, "s3:GetObject", "arn:aws:s3:::data/a/b", nil, Decision{Allow, "read", 1, "Read"}},
		{"action case-insensitive", []named{{"read", readBucket}}, "s3:getobject", "arn:aws:s3:::data/a", nil, Decision{Allow, "read", 1, "Read"}},
		{"action upper case", []named{{"read", readBucket}}, "S3:GETOBJECT", "arn:aws:s3:::data/a", nil, Decision{Allow, "read", 1, "Read"}},
		{"resource case-sensitive", []named{{"read", readBucket}}, "s3:GetObject", "arn:aws:s3:::DATA/a", nil, notApplicable},
		{"bucket/* is not the bucket", []named{{"read", readBucket}}, "s3:GetObject", "arn:aws:s3:::data", nil, notApplicable},
		{"bucket is not bucket/*", []named{{"read", readBucket}}, "s3:ListBucket", "arn:aws:s3:::data/x", nil, notApplicable},
		{"list bucket", []named{{"read", readBucket}}, "s3:ListBucket", "arn:aws:s3:::data", nil, Decision{Allow, "read", 0, "List"}},
		{"other bucket", []named{{"read", readBucket}}, "s3:GetObject", "arn:aws:s3:::data2/x", nil, notApplicable},
		{"action not listed", []named{{"read", readBucket}}, "s3:PutObject", "arn:aws:s3:::data/x", nil, notApplicable},
		{"deny beats allow", []named{{"all", all}, {"deny", denySecret}}, "s3:GetObject", "arn:aws:s3:::data/secret/k", nil, Decision{Deny, "deny", 0, "NoSecrets"}},
		{"deny beats allow in any order", []named{{"deny", denySecret}, {"all", all}}, "s3:GetObject", "arn:aws:s3:::data/secret/k", nil, Decision{Deny, "deny", 0, "NoSecrets"}},
		{"deny not applicable elsewhere", []named{{"all", all}, {"deny", denySecret}}, "s3:GetObject", "arn:aws:s3:::data/public/k", nil, Decision{Allow, "all", 0, ""}},
		{"deny alone is no allow", []named{{"deny", denySecret}}, "s3:GetObject", "arn:aws:s3:::data/public/k", nil, notApplicable},
		{"NotAction allows others", []named{{"na", notAction}}, "s3:GetObject", "arn:aws:s3:::x/y", nil, Decision{Allow, "na", 0, "AllButDelete"}},
		{"NotAction excludes listed", []named{{"na", notAction}}, "s3:DeleteObject", "arn:aws:s3:::x/y", nil, notApplicable},
		{"NotAction excludes case-insensitively", []named{{"na", notAction}}, "s3:deleteobject", "arn:aws:s3:::x/y", nil, notApplicable},
		{"NotResource denies outside", []named{{"all", all}, {"nr", notResource}}, "s3:GetObject", "arn:aws:s3:::other/y", nil, Decision{Deny, "nr", 0, "DenyOutside"}},
		{"NotResource inside not denied", []named{{"all", all}, {"nr", notResource}}, "s3:GetObject", "arn:aws:s3:::data/y", nil, Decision{Allow, "all", 0, ""}},
		{"NotResource bucket itself", []named{{"all", all}, {"nr", notResource}}, "s3:ListBucket", "arn:aws:s3:::data", nil, Decision{Allow, "all", 0, ""}},
		{"variable resolves", []named{{"home", home}}, "s3:PutObject", "arn:aws:s3:::home/alice/f", map[string][]string{"jwt:preferred_username": {"alice"}}, Decision{Allow, "home", 0, "Home"}},
		{"variable other user", []named{{"home", home}}, "s3:PutObject", "arn:aws:s3:::home/bob/f", map[string][]string{"jwt:preferred_username": {"alice"}}, notApplicable},
		{"variable missing", []named{{"home", home}}, "s3:PutObject", "arn:aws:s3:::home//f", nil, notApplicable},
		{"variable literal in 2008", []named{{"home", homeOld}}, "s3:PutObject", "arn:aws:s3:::home/alice/f", map[string][]string{"jwt:preferred_username": {"alice"}}, notApplicable},
		{"2008 literal text matches", []named{{"home", homeOld}}, "s3:PutObject", "arn:aws:s3:::home/${jwt:preferred_username}/f", nil, Decision{Allow, "home", 0, "Home"}},
		{"question in action and resource", []named{{"q", question}}, "s3:GetObject", "arn:aws:s3:::b/log-2026.txt", nil, Decision{Allow, "q", 0, ""}},
		{"question exact count", []named{{"q", question}}, "s3:GetObject", "arn:aws:s3:::b/log-26.txt", nil, notApplicable},
		{"star in middle of action", []named{{"m", middle}}, "s3:PutObject", "arn:aws:s3:::b/x/y/public/z", nil, Decision{Allow, "m", 0, ""}},
		{"star in middle needs the segment", []named{{"m", middle}}, "s3:PutObject", "arn:aws:s3:::b/x/private/z", nil, notApplicable},
		{"star action suffix", []named{{"m", middle}}, "s3:GetObjectAcl", "arn:aws:s3:::b/x/public/z", nil, notApplicable},
		{"nil policy skipped", []named{{"nil", ""}, {"all", all}}, "s3:GetObject", "arn:aws:s3:::b", nil, Decision{Allow, "all", 0, ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var set Set
			for _, n := range tc.policies {
				var p *Policy
				if n.doc != "" {
					p = mustParse(t, n.doc)
				}
				set = append(set, Named{Name: n.name, Policy: p})
			}
			req := Request{Action: tc.action, Resource: tc.resource, Context: ctxOf(tc.ctx)}
			got := set.Evaluate(req)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Evaluate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEvaluatePrincipal(t *testing.T) {
	t.Parallel()
	const acct = "123456789012"
	session := Principal{Account: acct, ARNs: []string{
		"arn:aws:sts::123456789012:assumed-role/dev/alice",
		"arn:aws:iam::123456789012:role/dev",
	}}
	other := Principal{Account: "210987654321", ARNs: []string{"arn:aws:sts::210987654321:assumed-role/dev/eve"}}
	anon := Principal{}
	doc := func(p string) string {
		return `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":` + p + `,"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`
	}
	notDoc := `{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:role/dev"},"Action":"s3:*","Resource":"*"}}`
	tests := []struct {
		name, doc string
		who       Principal
		want      Effect
	}{
		{"star anonymous", doc(`"*"`), anon, Allow},
		{"AWS star anonymous", doc(`{"AWS":"*"}`), anon, Allow},
		{"AWS star session", doc(`{"AWS":["*"]}`), session, Allow},
		{"account id", doc(`{"AWS":"123456789012"}`), session, Allow},
		{"account id other", doc(`{"AWS":"123456789012"}`), other, NotApplicable},
		{"account id anonymous", doc(`{"AWS":"123456789012"}`), anon, NotApplicable},
		{"account root", doc(`{"AWS":"arn:aws:iam::123456789012:root"}`), session, Allow},
		{"assumed-role arn", doc(`{"AWS":"arn:aws:sts::123456789012:assumed-role/dev/alice"}`), session, Allow},
		{"assumed-role arn other session", doc(`{"AWS":"arn:aws:sts::123456789012:assumed-role/dev/bob"}`), session, NotApplicable},
		{"role arn covers its sessions", doc(`{"AWS":"arn:aws:iam::123456789012:role/dev"}`), session, Allow},
		{"arn case-sensitive", doc(`{"AWS":"arn:aws:iam::123456789012:role/Dev"}`), session, NotApplicable},
		{"list", doc(`{"AWS":["arn:aws:iam::210987654321:root","arn:aws:iam::123456789012:role/dev"]}`), other, Allow},
		{"service never matches", doc(`{"Service":"s3.amazonaws.com"}`), session, NotApplicable},
		{"NotPrincipal excludes listed", notDoc, session, NotApplicable},
		{"NotPrincipal applies to others", notDoc, other, Deny},
		{"NotPrincipal applies to anonymous", notDoc, anon, Deny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := ParseResource([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			req := Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Principal: tc.who}
			if got := p.Evaluate("bucket", req).Effect; got != tc.want {
				t.Errorf("Effect = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestIntersectUnion(t *testing.T) {
	t.Parallel()
	allowA := Decision{Allow, "a", 0, "A"}
	allowB := Decision{Allow, "b", 1, "B"}
	denyA := Decision{Deny, "a", 2, "DA"}
	denyB := Decision{Deny, "b", 3, "DB"}
	na := notApplicable
	tests := []struct {
		a, b             Decision
		intersect, union Decision
	}{
		{allowA, allowB, allowA, allowA},
		{allowA, na, na, allowA},
		{na, allowB, na, allowB},
		{na, na, na, na},
		{denyA, allowB, denyA, denyA},
		{allowA, denyB, denyB, denyB},
		{na, denyB, denyB, denyB},
		{denyA, denyB, denyA, denyA},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%v_%v", tc.a.Effect, tc.b.Effect), func(t *testing.T) {
			t.Parallel()
			if got := Intersect(tc.a, tc.b); got != tc.intersect {
				t.Errorf("Intersect(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.intersect)
			}
			if got := Union(tc.a, tc.b); got != tc.union {
				t.Errorf("Union(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.union)
			}
		})
	}
}

// TestSessionAndBucket runs the combinations the S3 layer will use: a
// session's identity policies intersected with its session policy, then
// united with the bucket policy.
func TestSessionAndBucket(t *testing.T) {
	t.Parallel()
	identity := Set{{"readwrite", mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::b/*"}}`)}}
	session := Set{{"session", mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`)}}
	bucket := Set{{"bucket-policy", mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Sid":"PublicLogs","Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/logs/*"},
		{"Sid":"NoDelete","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/locked/*"}]}`)}}
	tests := []struct {
		action, resource string
		want             Decision
	}{
		{"s3:GetObject", "arn:aws:s3:::b/x", Decision{Allow, "readwrite", 0, ""}},
		{"s3:PutObject", "arn:aws:s3:::b/x", notApplicable}, // the session policy does not allow it
		{"s3:PutObject", "arn:aws:s3:::b/logs/x", Decision{Allow, "bucket-policy", 0, "PublicLogs"}},
		{"s3:GetObject", "arn:aws:s3:::b/locked/x", Decision{Deny, "bucket-policy", 1, "NoDelete"}},
		{"s3:DeleteObject", "arn:aws:s3:::b/x", notApplicable},
	}
	for _, tc := range tests {
		t.Run(tc.action+" "+tc.resource, func(t *testing.T) {
			t.Parallel()
			req := Request{Action: tc.action, Resource: tc.resource}
			got := Union(Intersect(identity.Evaluate(req), session.Evaluate(req)), bucket.Evaluate(req))
			if got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDecisionString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    Decision
		want string
	}{
		{Decision{Deny, "p", 2, "x"}, `Deny by policy "p" Statement[2] (Sid "x")`},
		{Decision{Allow, "p", 0, ""}, `Allow by policy "p" Statement[0]`},
		{notApplicable, "NotApplicable (no statement allows)"},
	}
	for _, tc := range tests {
		if got := tc.d.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}
