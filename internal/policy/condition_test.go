package policy

import (
	"fmt"
	"slices"
	"testing"
)

// kv is a condition context for one test; nil values mean the key is absent.
type kv map[string][]string

func TestConditions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		op, key   string
		values    string // JSON
		ctx       kv
		want      bool
		version08 bool
	}{
		// String operators.
		{"StringEquals match", "StringEquals", "aws:username", `"alice"`, kv{"aws:username": {"alice"}}, true, false},
		{"StringEquals case", "StringEquals", "aws:username", `"alice"`, kv{"aws:username": {"Alice"}}, false, false},
		{"StringEquals list", "StringEquals", "aws:username", `["bob","alice"]`, kv{"aws:username": {"alice"}}, true, false},
		{"StringEquals star literal", "StringEquals", "aws:username", `"a*"`, kv{"aws:username": {"alice"}}, false, false},
		{"StringEquals missing", "StringEquals", "aws:username", `"alice"`, nil, false, false},
		{"StringEquals key case-insensitive", "StringEquals", "AWS:USERNAME", `"alice"`, kv{"aws:username": {"alice"}}, true, false},
		{"StringEquals empty value list in ctx", "StringEquals", "aws:username", `"alice"`, kv{"aws:username": {}}, false, false},
		{"StringNotEquals differs", "StringNotEquals", "aws:username", `"alice"`, kv{"aws:username": {"bob"}}, true, false},
		{"StringNotEquals same", "StringNotEquals", "aws:username", `["bob","alice"]`, kv{"aws:username": {"alice"}}, false, false},
		{"StringNotEquals missing is true", "StringNotEquals", "aws:username", `"alice"`, nil, true, false},
		{"StringNotEquals multi none match", "StringNotEquals", "jwt:groups", `"admin"`, kv{"jwt:groups": {"a", "b"}}, true, false},
		{"StringNotEquals multi one matches", "StringNotEquals", "jwt:groups", `"admin"`, kv{"jwt:groups": {"a", "admin"}}, false, false},
		{"StringEqualsIgnoreCase", "StringEqualsIgnoreCase", "aws:username", `"ALICE"`, kv{"aws:username": {"alice"}}, true, false},
		{"StringEqualsIgnoreCase differs", "StringEqualsIgnoreCase", "aws:username", `"ALICE"`, kv{"aws:username": {"alicia"}}, false, false},
		{"StringNotEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "aws:username", `"ALICE"`, kv{"aws:username": {"alice"}}, false, false},
		{"StringNotEqualsIgnoreCase differs", "StringNotEqualsIgnoreCase", "aws:username", `"ALICE"`, kv{"aws:username": {"bob"}}, true, false},
		{"StringLike star", "StringLike", "s3:prefix", `"home/*"`, kv{"s3:prefix": {"home/a/b"}}, true, false},
		{"StringLike empty prefix", "StringLike", "s3:prefix", `["","home/*"]`, kv{"s3:prefix": {""}}, true, false},
		{"StringLike question", "StringLike", "s3:prefix", `"v?"`, kv{"s3:prefix": {"v12"}}, false, false},
		{"StringLike case", "StringLike", "s3:prefix", `"Home/*"`, kv{"s3:prefix": {"home/x"}}, false, false},
		{"StringNotLike", "StringNotLike", "s3:prefix", `"private/*"`, kv{"s3:prefix": {"public/x"}}, true, false},
		{"StringNotLike matches", "StringNotLike", "s3:prefix", `"private/*"`, kv{"s3:prefix": {"private/x"}}, false, false},
		{"StringLike variable", "StringLike", "s3:prefix", `"home/${aws:username}/*"`, kv{"s3:prefix": {"home/alice/x"}, "aws:username": {"alice"}}, true, false},
		{"StringLike variable other", "StringLike", "s3:prefix", `"home/${aws:username}/*"`, kv{"s3:prefix": {"home/bob/x"}, "aws:username": {"alice"}}, false, false},
		{"StringLike variable missing", "StringLike", "s3:prefix", `"home/${aws:username}/*"`, kv{"s3:prefix": {"home//x"}}, false, false},
		{"StringNotLike variable missing in Allow", "StringNotLike", "s3:prefix", `"home/${aws:username}/*"`, kv{"s3:prefix": {"home//x"}}, false, false},
		{"StringNotLike variable present in Allow", "StringNotLike", "s3:prefix", `"home/${aws:username}/*"`, kv{"s3:prefix": {"home/bob/x"}, "aws:username": {"alice"}}, true, false},
		{"StringNotLike variable default in Allow", "StringNotLike", "s3:prefix", `"home/${aws:username, 'x'}/*"`, kv{"s3:prefix": {"home/bob/x"}}, true, false},
		{"ArnNotLike variable missing in Allow", "ArnNotLike", "aws:PrincipalArn", `"arn:aws:sts::*:assumed-role/*/${aws:username}"`, kv{"aws:PrincipalArn": {"arn:aws:sts::1:assumed-role/r/alice"}}, false, false},
		{"StringEquals jwt variable", "StringEquals", "s3:prefix", `"${jwt:sub}"`, kv{"s3:prefix": {"u-1"}, "jwt:sub": {"u-1"}}, true, false},
		{"StringEquals 2008 no variables", "StringEquals", "s3:prefix", `"${jwt:sub}"`, kv{"s3:prefix": {"u-1"}, "jwt:sub": {"u-1"}}, false, true},
		{"StringEquals 2008 literal", "StringEquals", "s3:prefix", `"${jwt:sub}"`, kv{"s3:prefix": {"${jwt:sub}"}}, true, true},
		{"StringEquals number value", "StringEquals", "s3:max-keys", `10`, kv{"s3:max-keys": {"10"}}, true, false},
		// IfExists.
		{"StringEqualsIfExists missing", "StringEqualsIfExists", "aws:username", `"alice"`, nil, true, false},
		{"StringEqualsIfExists present mismatch", "StringEqualsIfExists", "aws:username", `"alice"`, kv{"aws:username": {"bob"}}, false, false},
		{"StringEqualsIfExists present match", "StringEqualsIfExists", "aws:username", `"alice"`, kv{"aws:username": {"alice"}}, true, false},
		{"NumericLessThanIfExists missing", "NumericLessThanIfExists", "s3:max-keys", `"10"`, nil, true, false},
		// Numeric.
		{"NumericEquals", "NumericEquals", "s3:max-keys", `"10"`, kv{"s3:max-keys": {"10"}}, true, false},
		{"NumericEquals float", "NumericEquals", "s3:max-keys", `10`, kv{"s3:max-keys": {"10.0"}}, true, false},
		{"NumericEquals differs", "NumericEquals", "s3:max-keys", `10`, kv{"s3:max-keys": {"11"}}, false, false},
		{"NumericNotEquals", "NumericNotEquals", "s3:max-keys", `10`, kv{"s3:max-keys": {"11"}}, true, false},
		{"NumericNotEquals same", "NumericNotEquals", "s3:max-keys", `10`, kv{"s3:max-keys": {"10"}}, false, false},
		{"NumericNotEquals garbage", "NumericNotEquals", "s3:max-keys", `10`, kv{"s3:max-keys": {"ten"}}, false, false},
		{"NumericLessThan", "NumericLessThan", "s3:max-keys", `10`, kv{"s3:max-keys": {"9"}}, true, false},
		{"NumericLessThan equal", "NumericLessThan", "s3:max-keys", `10`, kv{"s3:max-keys": {"10"}}, false, false},
		{"NumericLessThanEquals", "NumericLessThanEquals", "s3:max-keys", `10`, kv{"s3:max-keys": {"10"}}, true, false},
		{"NumericLessThanEquals over", "NumericLessThanEquals", "s3:max-keys", `10`, kv{"s3:max-keys": {"10.5"}}, false, false},
		{"NumericGreaterThan", "NumericGreaterThan", "s3:max-keys", `10`, kv{"s3:max-keys": {"11"}}, true, false},
		{"NumericGreaterThan equal", "NumericGreaterThan", "s3:max-keys", `10`, kv{"s3:max-keys": {"10"}}, false, false},
		{"NumericGreaterThanEquals", "NumericGreaterThanEquals", "s3:max-keys", `10`, kv{"s3:max-keys": {"10"}}, true, false},
		{"NumericGreaterThanEquals under", "NumericGreaterThanEquals", "s3:max-keys", `10`, kv{"s3:max-keys": {"-3"}}, false, false},
		{"Numeric garbage", "NumericLessThan", "s3:max-keys", `10`, kv{"s3:max-keys": {"abc"}}, false, false},
		{"Numeric NaN", "NumericLessThan", "s3:max-keys", `10`, kv{"s3:max-keys": {"NaN"}}, false, false},
		{"Numeric missing", "NumericLessThan", "s3:max-keys", `10`, nil, false, false},
		// Date.
		{"DateEquals", "DateEquals", "aws:CurrentTime", `"2026-01-01T00:00:00Z"`, kv{"aws:CurrentTime": {"2026-01-01T01:00:00+01:00"}}, true, false},
		{"DateEquals epoch", "DateEquals", "aws:EpochTime", `"1767225600"`, kv{"aws:EpochTime": {"1767225600"}}, true, false},
		{"DateEquals epoch vs iso", "DateEquals", "aws:CurrentTime", `"2026-01-01T00:00:00Z"`, kv{"aws:CurrentTime": {"1767225600"}}, true, false},
		{"DateNotEquals", "DateNotEquals", "aws:CurrentTime", `"2026-01-01T00:00:00Z"`, kv{"aws:CurrentTime": {"2026-01-02T00:00:00Z"}}, true, false},
		{"DateNotEquals same", "DateNotEquals", "aws:CurrentTime", `"2026-01-01"`, kv{"aws:CurrentTime": {"2026-01-01T00:00:00Z"}}, false, false},
		{"DateLessThan", "DateLessThan", "aws:CurrentTime", `"2026-01-01T00:00:00Z"`, kv{"aws:CurrentTime": {"2025-12-31T23:59:59Z"}}, true, false},
		{"DateLessThan equal", "DateLessThan", "aws:CurrentTime", `"2026-01-01T00:00:00Z"`, kv{"aws:CurrentTime": {"2026-01-01T00:00:00Z"}}, false, false},
		{"DateLessThanEquals", "DateLessThanEquals", "aws:CurrentTime", `"2026-01-01T00:00:00Z"`, kv{"aws:CurrentTime": {"2026-01-01T00:00:00Z"}}, true, false},
		{"DateGreaterThan", "DateGreaterThan", "aws:CurrentTime", `"2026-01-01T00:00:00Z"`, kv{"aws:CurrentTime": {"2026-01-01T00:00:00.5Z"}}, true, false},
		{"DateGreaterThan less", "DateGreaterThan", "aws:CurrentTime", `"2026-01-01T00:00:00Z"`, kv{"aws:CurrentTime": {"2025-01-01T00:00:00Z"}}, false, false},
		{"DateGreaterThanEquals", "DateGreaterThanEquals", "aws:CurrentTime", `1767225600`, kv{"aws:CurrentTime": {"2026-01-01T00:00:00Z"}}, true, false},
		{"Date garbage", "DateLessThan", "aws:CurrentTime", `"2026-01-01T00:00:00Z"`, kv{"aws:CurrentTime": {"soon"}}, false, false},
		// Bool.
		{"Bool true", "Bool", "aws:SecureTransport", `"true"`, kv{"aws:SecureTransport": {"true"}}, true, false},
		{"Bool json true", "Bool", "aws:SecureTransport", `true`, kv{"aws:SecureTransport": {"TRUE"}}, true, false},
		{"Bool false", "Bool", "aws:SecureTransport", `"false"`, kv{"aws:SecureTransport": {"true"}}, false, false},
		{"Bool missing", "Bool", "aws:SecureTransport", `"false"`, nil, false, false},
		{"BoolIfExists missing", "BoolIfExists", "aws:SecureTransport", `"false"`, nil, true, false},
		{"Bool garbage", "Bool", "aws:SecureTransport", `"true"`, kv{"aws:SecureTransport": {"yes"}}, false, false},
		// Binary.
		{"BinaryEquals", "BinaryEquals", "jwt:blob", `"QmluYXJ5"`, kv{"jwt:blob": {"QmluYXJ5"}}, true, false},
		// IP.
		{"IpAddress v4", "IpAddress", "aws:SourceIp", `"203.0.113.0/24"`, kv{"aws:SourceIp": {"203.0.113.7"}}, true, false},
		{"IpAddress v4 outside", "IpAddress", "aws:SourceIp", `"203.0.113.0/24"`, kv{"aws:SourceIp": {"203.0.114.7"}}, false, false},
		{"IpAddress single address", "IpAddress", "aws:SourceIp", `"203.0.113.7"`, kv{"aws:SourceIp": {"203.0.113.7"}}, true, false},
		{"IpAddress unmasked cidr", "IpAddress", "aws:SourceIp", `"10.1.2.3/8"`, kv{"aws:SourceIp": {"10.200.0.1"}}, true, false},
		{"IpAddress v6", "IpAddress", "aws:SourceIp", `"2001:db8::/32"`, kv{"aws:SourceIp": {"2001:db8:1::5"}}, true, false},
		{"IpAddress v6 outside", "IpAddress", "aws:SourceIp", `"2001:db8::/32"`, kv{"aws:SourceIp": {"2001:db9::5"}}, false, false},
		{"IpAddress v4-mapped request", "IpAddress", "aws:SourceIp", `"10.0.0.0/8"`, kv{"aws:SourceIp": {"::ffff:10.1.1.1"}}, true, false},
		{"IpAddress v4 vs v6 prefix", "IpAddress", "aws:SourceIp", `"::/0"`, kv{"aws:SourceIp": {"10.1.1.1"}}, false, false},
		{"IpAddress list", "IpAddress", "aws:SourceIp", `["10.0.0.0/8","2001:db8::/32"]`, kv{"aws:SourceIp": {"2001:db8::1"}}, true, false},
		{"NotIpAddress", "NotIpAddress", "aws:SourceIp", `"10.0.0.0/8"`, kv{"aws:SourceIp": {"192.0.2.1"}}, true, false},
		{"NotIpAddress inside", "NotIpAddress", "aws:SourceIp", `"10.0.0.0/8"`, kv{"aws:SourceIp": {"10.0.0.1"}}, false, false},
		{"NotIpAddress garbage", "NotIpAddress", "aws:SourceIp", `"10.0.0.0/8"`, kv{"aws:SourceIp": {"nope"}}, false, false},
		{"NotIpAddress missing", "NotIpAddress", "aws:SourceIp", `"10.0.0.0/8"`, nil, true, false},
		// Null.
		{"Null true absent", "Null", "jwt:email", `"true"`, nil, true, false},
		{"Null true present", "Null", "jwt:email", `"true"`, kv{"jwt:email": {"a@b"}}, false, false},
		{"Null false present", "Null", "jwt:email", `"false"`, kv{"jwt:email": {"a@b"}}, true, false},
		{"Null false absent", "Null", "jwt:email", `false`, nil, false, false},
		{"Null empty list is absent", "Null", "jwt:email", `"true"`, kv{"jwt:email": {}}, true, false},
		// ARN.
		{"ArnEquals", "ArnEquals", "aws:SourceArn", `"arn:aws:s3:::b"`, kv{"aws:SourceArn": {"arn:aws:s3:::b"}}, true, false},
		{"ArnEquals wildcard", "ArnEquals", "aws:SourceArn", `"arn:aws:s3:::b*"`, kv{"aws:SourceArn": {"arn:aws:s3:::bx"}}, true, false},
		{"ArnLike component", "ArnLike", "aws:PrincipalArn", `"arn:aws:sts::*:assumed-role/dev/*"`, kv{"aws:PrincipalArn": {"arn:aws:sts::123456789012:assumed-role/dev/alice"}}, true, false},
		{"ArnLike star stays in component", "ArnLike", "aws:PrincipalArn", `"arn:aws:sts::*:x"`, kv{"aws:PrincipalArn": {"arn:aws:sts::1:2:x"}}, false, false},
		{"ArnLike star matches its component", "ArnLike", "aws:PrincipalArn", `"arn:aws:sts::*:x"`, kv{"aws:PrincipalArn": {"arn:aws:sts::1:x"}}, true, false},
		{"ArnLike case-sensitive", "ArnLike", "aws:PrincipalArn", `"arn:aws:iam::*:role/Dev"`, kv{"aws:PrincipalArn": {"arn:aws:iam::1:role/dev"}}, false, false},
		{"ArnLike not an arn", "ArnLike", "aws:PrincipalArn", `"*"`, kv{"aws:PrincipalArn": {"x"}}, false, false},
		{"ArnLike star any arn", "ArnLike", "aws:PrincipalArn", `"*"`, kv{"aws:PrincipalArn": {"arn:a:b:c:d:e"}}, true, false},
		{"ArnLike variable", "ArnLike", "aws:PrincipalArn", `"arn:aws:sts::*:assumed-role/*/${aws:username}"`, kv{"aws:PrincipalArn": {"arn:aws:sts::1:assumed-role/r/alice"}, "aws:username": {"alice"}}, true, false},
		{"ArnNotEquals", "ArnNotEquals", "aws:SourceArn", `"arn:aws:s3:::b"`, kv{"aws:SourceArn": {"arn:aws:s3:::c"}}, true, false},
		{"ArnNotLike", "ArnNotLike", "aws:SourceArn", `"arn:aws:s3:::b*"`, kv{"aws:SourceArn": {"arn:aws:s3:::bucket"}}, false, false},
		{"ArnNotLike missing", "ArnNotLike", "aws:SourceArn", `"arn:aws:s3:::b*"`, nil, true, false},
		{"ArnNotLike garbage", "ArnNotLike", "aws:SourceArn", `"arn:aws:s3:::b*"`, kv{"aws:SourceArn": {"garbage"}}, false, false},
		// Qualifiers.
		{"ForAnyValue one matches", "ForAnyValue:StringEquals", "jwt:groups", `["admin","ops"]`, kv{"jwt:groups": {"dev", "ops"}}, true, false},
		{"ForAnyValue none matches", "ForAnyValue:StringEquals", "jwt:groups", `["admin","ops"]`, kv{"jwt:groups": {"dev", "qa"}}, false, false},
		{"ForAnyValue missing is false", "ForAnyValue:StringEquals", "jwt:groups", `"admin"`, nil, false, false},
		{"ForAnyValue empty set is false", "ForAnyValue:StringEquals", "jwt:groups", `"admin"`, kv{"jwt:groups": {}}, false, false},
		{"ForAnyValue IfExists missing", "ForAnyValue:StringEqualsIfExists", "jwt:groups", `"admin"`, nil, true, false},
		{"ForAnyValue negated one differs", "ForAnyValue:StringNotEquals", "jwt:groups", `"admin"`, kv{"jwt:groups": {"admin", "dev"}}, true, false},
		{"ForAnyValue negated all same", "ForAnyValue:StringNotEquals", "jwt:groups", `"admin"`, kv{"jwt:groups": {"admin"}}, false, false},
		{"ForAnyValue StringLike", "ForAnyValue:StringLike", "jwt:groups", `"team-*"`, kv{"jwt:groups": {"x", "team-a"}}, true, false},
		{"ForAllValues all match", "ForAllValues:StringEquals", "aws:TagKeys", `["env","owner"]`, kv{"aws:TagKeys": {"env", "owner"}}, true, false},
		{"ForAllValues subset", "ForAllValues:StringEquals", "aws:TagKeys", `["env","owner"]`, kv{"aws:TagKeys": {"env"}}, true, false},
		{"ForAllValues one outside", "ForAllValues:StringEquals", "aws:TagKeys", `["env","owner"]`, kv{"aws:TagKeys": {"env", "cost"}}, false, false},
		{"ForAllValues missing is true", "ForAllValues:StringEquals", "aws:TagKeys", `["env"]`, nil, true, false},
		{"ForAllValues empty set is true", "ForAllValues:StringEquals", "aws:TagKeys", `["env"]`, kv{"aws:TagKeys": {}}, true, false},
		{"ForAllValues negated none listed", "ForAllValues:StringNotEquals", "jwt:groups", `"admin"`, kv{"jwt:groups": {"a", "b"}}, true, false},
		{"ForAllValues negated one listed", "ForAllValues:StringNotEquals", "jwt:groups", `"admin"`, kv{"jwt:groups": {"a", "admin"}}, false, false},
		{"ForAllValues numeric", "ForAllValues:NumericLessThan", "jwt:levels", `5`, kv{"jwt:levels": {"1", "4"}}, true, false},
		{"ForAllValues numeric one over", "ForAllValues:NumericLessThan", "jwt:levels", `5`, kv{"jwt:levels": {"1", "6"}}, false, false},
		{"unqualified multi any", "StringEquals", "jwt:groups", `"admin"`, kv{"jwt:groups": {"dev", "admin"}}, true, false},
		// Non-aws prefixes are accepted and simply looked up.
		{"jwt claim", "StringEquals", "jwt:preferred_username", `"alice"`, kv{"jwt:preferred_username": {"alice"}}, true, false},
		{"other service key absent", "StringEquals", "ec2:Region", `"x"`, nil, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			version := Version2012
			if tc.version08 {
				version = Version2008
			}
			doc := fmt.Sprintf(`{"Version":%q,"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{%q:{%q:%s}}}}`,
				version, tc.op, tc.key, tc.values)
			p := mustParse(t, doc)
			req := Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: ctxOf(tc.ctx)}
			if got := p.Evaluate("p", req).Allowed(); got != tc.want {
				t.Errorf("%s {%s: %s} with %v: allowed = %v, want %v", tc.op, tc.key, tc.values, tc.ctx, got, tc.want)
			}
		})
	}
}

// TestMissingVariableNeverWidens: a Deny with a negated operator still
// applies when the variable is missing; the matching Allow does not.
func TestMissingVariableNeverWidens(t *testing.T) {
	t.Parallel()
	p := mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"},
		{"Sid":"OwnPrefixOnly","Effect":"Deny","Action":"s3:ListBucket","Resource":"*","Condition":{"StringNotLike":{"s3:prefix":"home/${aws:username}/*"}}}]}`)
	tests := []struct {
		ctx  kv
		want Effect
	}{
		{kv{"s3:prefix": {"home/alice/x"}, "aws:username": {"alice"}}, Allow},
		{kv{"s3:prefix": {"home/bob/x"}, "aws:username": {"alice"}}, Deny},
		{kv{"s3:prefix": {"home//x"}}, Deny},
		{kv{"s3:prefix": {"home/alice/x"}, "aws:username": {"alice", "bob"}}, Deny},
	}
	for _, tc := range tests {
		req := Request{Action: "s3:ListBucket", Resource: "arn:aws:s3:::b", Context: ctxOf(tc.ctx)}
		if got := p.Evaluate("p", req).Effect; got != tc.want {
			t.Errorf("%v: %v, want %v", tc.ctx, got, tc.want)
		}
	}
}

func TestConditionsAllMustHold(t *testing.T) {
	t.Parallel()
	p := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{
		"StringLike":{"s3:prefix":"home/${aws:username}/*"},
		"Bool":{"aws:SecureTransport":"true"},
		"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}`)
	base := kv{"s3:prefix": {"home/alice/x"}, "aws:username": {"alice"}, "aws:SecureTransport": {"true"}, "aws:SourceIp": {"10.0.0.1"}}
	req := Request{Action: "s3:ListBucket", Resource: "arn:aws:s3:::b", Context: ctxOf(base)}
	if !p.Evaluate("p", req).Allowed() {
		t.Fatalf("all conditions hold, want Allow")
	}
	for key := range base {
		c := ctxOf(base)
		c.Delete(key)
		req.Context = c
		if p.Evaluate("p", req).Allowed() {
			t.Errorf("without %s: allowed, want not applicable", key)
		}
	}
}

func TestContext(t *testing.T) {
	t.Parallel()
	var c Context
	if _, ok := c.Get("aws:username"); ok || c.Len() != 0 {
		t.Fatalf("zero Context is not empty")
	}
	c.Set("AWS:UserName", "alice")
	c.Add("jwt:Groups", "a")
	c.Add("jwt:groups", "b")
	if v, ok := c.Get("aws:username"); !ok || len(v) != 1 || v[0] != "alice" {
		t.Errorf("Get(aws:username) = %v, %v", v, ok)
	}
	if v, _ := c.Get("JWT:GROUPS"); len(v) != 2 {
		t.Errorf("Get(JWT:GROUPS) = %v, want 2 values", v)
	}
	c.Delete("Aws:Username")
	if _, ok := c.Get("aws:username"); ok || c.Len() != 1 {
		t.Errorf("Delete did not remove the key")
	}
	c.Reset()
	if c.Len() != 0 {
		t.Errorf("Reset left %d keys", c.Len())
	}
	var nilCtx *Context
	if _, ok := nilCtx.Get("x:y"); ok || nilCtx.Len() != 0 {
		t.Errorf("nil Context is not empty")
	}
}

func TestContextSetLowerShadows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fill    func(c *Context)
		key     string
		want    []string
		present bool
		keys    int
	}{
		{"latest wins", func(c *Context) {
			c.SetLower("aws:username", "from-request")
			c.SetLower("aws:username", "alice")
		}, "aws:username", []string{"alice"}, true, 1},
		{"set replaces the latest", func(c *Context) {
			c.SetLower("jwt:team", "a")
			c.SetLower("jwt:team", "b")
			c.Set("JWT:Team", "c")
		}, "jwt:team", []string{"c"}, true, 1},
		{"delete removes shadowed entries too", func(c *Context) {
			c.SetLower("aws:userid", "x")
			c.SetLower("aws:userid", "y")
			c.SetLower("aws:sourceip", "10.0.0.1")
			c.Delete("AWS:UserId")
		}, "aws:userid", nil, false, 1},
		{"an upper-case key given to SetLower is not found", func(c *Context) {
			c.SetLower("aws:SourceIp", "10.0.0.1")
		}, "aws:sourceip", nil, false, 1},
		{"add appends to the latest", func(c *Context) {
			c.SetLower("jwt:groups", "old")
			c.SetLower("jwt:groups", "a")
			c.Add("jwt:groups", "b")
		}, "jwt:groups", []string{"a", "b"}, true, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var c Context
			tc.fill(&c)
			got, ok := c.Get(tc.key)
			if ok != tc.present || !slices.Equal(got, tc.want) {
				t.Errorf("Get(%q) = %q, %v; want %q, %v", tc.key, got, ok, tc.want, tc.present)
			}
			if c.Len() != tc.keys {
				t.Errorf("Len() = %d, want %d", c.Len(), tc.keys)
			}
			c.Reset()
			if _, ok := c.Get(tc.key); ok || c.Len() != 0 {
				t.Errorf("Reset left keys")
			}
		})
	}
}

func TestContextAppend(t *testing.T) {
	t.Parallel()
	var block Context
	block.SetLower("aws:username", "alice")
	block.SetLower("jwt:team", "blue")
	var c Context
	c.SetLower("aws:username", "from-request")
	c.SetLower("aws:sourceip", "10.0.0.1")
	c.Append(&block)
	want := map[string][]string{"aws:username": {"alice"}, "jwt:team": {"blue"}, "aws:sourceip": {"10.0.0.1"}}
	for k, w := range want {
		if got, ok := c.Get(k); !ok || !slices.Equal(got, w) {
			t.Errorf("after Append, Get(%q) = %q, %v; want %q", k, got, ok, w)
		}
	}
	if c.Len() != 3 {
		t.Errorf("after Append, Len() = %d, want 3", c.Len())
	}
	// What follows the block shadows it, and changing c leaves the block
	// alone.
	c.SetLower("jwt:team", "red")
	c.Set("aws:username", "bob")
	if got, _ := c.Get("jwt:team"); !slices.Equal(got, []string{"red"}) {
		t.Errorf("Get(jwt:team) = %q, want [red]", got)
	}
	if got, _ := block.Get("aws:username"); !slices.Equal(got, []string{"alice"}) {
		t.Errorf("the appended block changed: Get(aws:username) = %q, want [alice]", got)
	}
	if block.Len() != 2 {
		t.Errorf("the appended block changed: Len() = %d, want 2", block.Len())
	}
}
