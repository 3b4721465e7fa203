package policy

import "testing"

// tenStatements is a realistic identity policy: lists, wildcards, variables
// and conditions.
const tenStatements = `{"Version":"2012-10-17","Statement":[
 {"Sid":"ListOwnPrefix","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::home","Condition":{"StringLike":{"s3:prefix":["","home/","${aws:username}/*"]}}},
 {"Sid":"HomeRW","Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::home/${aws:username}/*"},
 {"Sid":"TeamRead","Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::team-${jwt:team}/*"},
 {"Sid":"Logs","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::logs/*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}},
 {"Sid":"Public","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::public","arn:aws:s3:::public/*"]},
 {"Sid":"Multipart","Effect":"Allow","Action":["s3:AbortMultipartUpload","s3:ListMultipartUploadParts","s3:ListBucketMultipartUploads"],"Resource":"arn:aws:s3:::data/*"},
 {"Sid":"DataRead","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::data","arn:aws:s3:::data/*"],"Condition":{"Bool":{"aws:SecureTransport":"true"}}},
 {"Sid":"DenyInsecure","Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
 {"Sid":"DenySecrets","Effect":"Deny","Action":"s3:*","Resource":["arn:aws:s3:::data/secret/*","arn:aws:s3:::home/*/.ssh/*"]},
 {"Sid":"DenyBigLists","Effect":"Deny","Action":"s3:ListBucket","Resource":"*","Condition":{"NumericGreaterThan":{"s3:max-keys":"1000"}}}
]}`

var sessionPolicies = []string{
	`{"Version":"2012-10-17","Statement":[
 {"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::data","arn:aws:s3:::data/*"]},
 {"Sid":"Write","Effect":"Allow","Action":["s3:PutObject","s3:AbortMultipartUpload"],"Resource":"arn:aws:s3:::data/incoming/*"},
 {"Sid":"Own","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${jwt:sub}/*"}]}`,
	`{"Version":"2012-10-17","Statement":[
 {"Sid":"Buckets","Effect":"Allow","Action":["s3:ListAllMyBuckets","s3:GetBucketLocation"],"Resource":"*"},
 {"Sid":"Logs","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::logs/${jwt:sub}/*"},
 {"Sid":"Tmp","Effect":"Allow","Action":"s3:*Object","Resource":"arn:aws:s3:::tmp/*"}]}`,
	`{"Version":"2012-10-17","Statement":[
 {"Sid":"NoSecrets","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::data/secret/*"},
 {"Sid":"TLSOnly","Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
 {"Sid":"Office","Effect":"Deny","Action":"s3:PutObject","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
 {"Sid":"Groups","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*","Condition":{"ForAnyValue:StringEquals":{"jwt:groups":["eng","ops"]}}}]}`,
}

func benchContext() Context {
	var c Context
	c.Set("aws:username", "alice")
	c.Set("jwt:sub", "alice")
	c.Set("jwt:team", "blue")
	c.Set("jwt:groups", "eng", "staff")
	c.Set("aws:SourceIp", "10.1.2.3")
	c.Set("aws:SecureTransport", "true")
	c.Set("s3:max-keys", "1000")
	return c
}

func benchRequests() []Request {
	c := benchContext()
	return []Request{
		{Action: "s3:GetObject", Resource: "arn:aws:s3:::data/reports/2026/q1.csv", Context: c},
		{Action: "s3:PutObject", Resource: "arn:aws:s3:::home/alice/notes.txt", Context: c},
		{Action: "s3:DeleteObject", Resource: "arn:aws:s3:::data/secret/key", Context: c},
		{Action: "s3:PutObject", Resource: "arn:aws:s3:::elsewhere/x", Context: c},
	}
}

func tenStatementSet(tb testing.TB) Set {
	return Set{{Name: "ten", Policy: mustParse(tb, tenStatements)}}
}

func sessionSet(tb testing.TB) Set {
	var s Set
	for i, d := range sessionPolicies {
		s = append(s, Named{Name: string(rune('a' + i)), Policy: mustParse(tb, d)})
	}
	return s
}

func TestBenchPoliciesDecide(t *testing.T) {
	t.Parallel()
	ten, sess := tenStatementSet(t), sessionSet(t)
	want := []struct{ ten, sess Effect }{{Allow, Allow}, {Allow, Allow}, {Deny, Deny}, {NotApplicable, NotApplicable}}
	for i, r := range benchRequests() {
		if got := ten.Evaluate(r).Effect; got != want[i].ten {
			t.Errorf("ten, request %d: %v, want %v", i, got, want[i].ten)
		}
		if got := sess.Evaluate(r).Effect; got != want[i].sess {
			t.Errorf("session, request %d: %v, want %v", i, got, want[i].sess)
		}
	}
}

// TestEvaluateDoesNotAllocate holds the performance contract: deciding
// allocates nothing. (Not parallel: AllocsPerRun forbids it.)
func TestEvaluateDoesNotAllocate(t *testing.T) {
	ten, sess := tenStatementSet(t), sessionSet(t)
	reqs := benchRequests()
	for i, r := range reqs {
		if n := testing.AllocsPerRun(100, func() { _ = ten.Evaluate(r) }); n != 0 {
			t.Errorf("ten statements, request %d: %v allocs per run, want 0", i, n)
		}
		if n := testing.AllocsPerRun(100, func() {
			_ = Intersect(sess.Evaluate(r), ten.Evaluate(r))
		}); n != 0 {
			t.Errorf("session, request %d: %v allocs per run, want 0", i, n)
		}
	}
}

func BenchmarkEvaluateTenStatements(b *testing.B) {
	s := tenStatementSet(b)
	reqs := benchRequests()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		_ = s.Evaluate(reqs[i%len(reqs)])
	}
}

func BenchmarkEvaluateSession(b *testing.B) {
	s := sessionSet(b)
	reqs := benchRequests()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		_ = s.Evaluate(reqs[i%len(reqs)])
	}
}

func BenchmarkParse(b *testing.B) {
	doc := []byte(tenStatements)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(doc); err != nil {
			b.Fatal(err)
		}
	}
}
