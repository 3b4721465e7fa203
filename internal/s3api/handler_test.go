package s3api

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/fedstore/fedstore/internal/authn"
)

func TestRequestIDAndContext(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	w, info := e.doInfo(t, "PUT", "/bkt", "")
	mustStatus(t, w, 200, "")
	if info.ID == "" || w.Header().Get("X-Amz-Request-Id") != info.ID || w.Header().Get("X-Amz-Id-2") == "" {
		t.Errorf("request id headers %v, info %+v", w.Header(), info)
	}
	if info.API != "s3" || info.Op != "CreateBucket" || info.Principal != "rootkey" {
		t.Errorf("reqctx = %+v", info)
	}
	w, info = e.doInfo(t, "GET", "/bkt/missing", "", "X-Test-As: reject")
	mustStatus(t, w, 403, "SignatureDoesNotMatch")
	if info.Op != "GetObject" || info.Principal != "anonymous" {
		t.Errorf("reqctx after auth failure = %+v", info)
	}
	if !strings.Contains(w.Body.String(), "<RequestId>"+info.ID+"</RequestId>") {
		t.Errorf("error lacks request id: %s", w.Body)
	}
	w = e.do(t, "HEAD", "/bkt/missing", "")
	mustStatus(t, w, 404, "")
	if w.Body.Len() != 0 || w.Header().Get("X-Amz-Request-Id") == "" {
		t.Errorf("HEAD error: body %q, headers %v", w.Body, w.Header())
	}
}

func TestInternalErrorIsLoggedNotSent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.Backend = failingBackend{c.Backend} })
	w, info := e.doInfo(t, "GET", "/bkt?location", "")
	mustStatus(t, w, 500, "InternalError")
	if strings.Contains(w.Body.String(), "closed pipe") {
		t.Errorf("internal text leaked: %s", w.Body)
	}
	if logs := e.logs.String(); !strings.Contains(logs, info.ID) || !strings.Contains(logs, "closed pipe") {
		t.Errorf("log lacks request id or cause: %s", logs)
	}
}

func TestAuthorization(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var asked []string
	// alice may do anything in bucket "mine" except touch key "mine/secret"
	// and read from "other"; she may not list all buckets.
	authz := AuthorizerFunc(func(_ context.Context, req AuthzRequest) error {
		mu.Lock()
		asked = append(asked, req.Action+" "+req.Resource)
		mu.Unlock()
		if req.Principal.Kind == authn.Root {
			return nil
		}
		if req.Principal.Name != "alice" {
			return authn.ErrAccessDenied
		}
		if req.Action == "s3:ListBucket" && req.Resource == "arn:aws:s3:::mine" && req.Conditions["s3:prefix"] != nil && req.Conditions["s3:prefix"][0] == "forbidden/" {
			return fmt.Errorf("%w: prefix", authn.ErrAccessDenied)
		}
		if strings.HasPrefix(req.Resource, "arn:aws:s3:::mine") && req.Resource != "arn:aws:s3:::mine/secret" {
			return nil
		}
		return authn.ErrAccessDenied
	})
	e := newEnv(t, func(c *Config) { c.Authz = authz })
	for _, b := range []string{"/mine", "/other"} {
		mustStatus(t, e.do(t, "PUT", b, ""), 200, "")
	}
	mustStatus(t, e.do(t, "PUT", "/other/src", "data"), 200, "")
	mustStatus(t, e.do(t, "PUT", "/mine/secret", "s"), 200, "")

	tests := []struct {
		name   string
		method string
		target string
		body   string
		hdr    []string
		status int
		code   string
	}{
		{"put allowed", "PUT", "/mine/a", "x", nil, 200, ""},
		{"put denied", "PUT", "/other/a", "x", nil, 403, "AccessDenied"},
		{"get denied", "GET", "/mine/secret", "", nil, 403, "AccessDenied"},
		{"create bucket denied", "PUT", "/third", "", nil, 403, "AccessDenied"},
		{"list allowed", "GET", "/mine?list-type=2&prefix=a", "", nil, 200, ""},
		{"list condition denied", "GET", "/mine?list-type=2&prefix=forbidden/", "", nil, 403, "AccessDenied"},
		{"copy source denied", "PUT", "/mine/copy", "", []string{"X-Amz-Copy-Source: /other/src"}, 403, "AccessDenied"},
		{"not implemented still needs auth", "GET", "/mine?tagging", "", []string{"X-Test-As: reject"}, 403, "SignatureDoesNotMatch"},
	}
	for _, tt := range tests {
		w := e.do(t, tt.method, tt.target, tt.body, append(tt.hdr, "X-Test-As: alice")...)
		if w.Code != tt.status || tt.code != "" && !strings.Contains(w.Body.String(), tt.code) {
			t.Errorf("%s: %d %s, want %d %s", tt.name, w.Code, w.Body, tt.status, tt.code)
		}
	}

	// ListBuckets is filtered to the buckets alice may list.
	w := e.do(t, "GET", "/", "", "X-Test-As: alice")
	mustStatus(t, w, 200, "")
	if !strings.Contains(w.Body.String(), "<Name>mine</Name>") || strings.Contains(w.Body.String(), "<Name>other</Name>") {
		t.Errorf("ListBuckets not filtered: %s", w.Body)
	}
	w = e.do(t, "GET", "/", "", "X-Test-As: bob")
	mustStatus(t, w, 403, "AccessDenied")

	// DeleteObjects authorizes every key.
	w = e.do(t, "POST", "/mine?delete", `<Delete><Object><Key>a</Key></Object><Object><Key>secret</Key></Object></Delete>`, "X-Test-As: alice")
	mustStatus(t, w, 200, "")
	if !strings.Contains(w.Body.String(), "<Deleted><Key>a</Key></Deleted>") || !strings.Contains(w.Body.String(), "<Key>secret</Key><Code>AccessDenied</Code>") {
		t.Errorf("DeleteObjects per-key authz: %s", w.Body)
	}
	mustStatus(t, e.do(t, "HEAD", "/mine/secret", ""), 200, "")

	if logs := e.logs.String(); !strings.Contains(logs, "audit=true") || !strings.Contains(logs, "action=s3:PutObject resource=arn:aws:s3:::other/a") || !strings.Contains(logs, "alice (ASIAALICE)") {
		t.Errorf("no audit line for a denial:\n%s", logs)
	}

	mu.Lock()
	defer mu.Unlock()
	joined := strings.Join(asked, "\n")
	for _, want := range []string{"s3:PutObject arn:aws:s3:::mine/a", "s3:GetObject arn:aws:s3:::other/src", "s3:ListAllMyBuckets arn:aws:s3:::*", "s3:DeleteObject arn:aws:s3:::mine/secret", "s3:CreateBucket arn:aws:s3:::third"} {
		if !strings.Contains(joined, want) {
			t.Errorf("authorizer never asked %q; asked:\n%s", want, joined)
		}
	}
}

func TestDefaultAuthorizerDeniesNonRoot(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	mustStatus(t, e.do(t, "PUT", "/bkt", "", "X-Test-As: alice"), 403, "AccessDenied")
	mustStatus(t, e.do(t, "PUT", "/bkt", ""), 200, "")
	anon := newEnv(t, func(c *Config) { c.Auth = nil })
	mustStatus(t, anon.do(t, "GET", "/", ""), 403, "AccessDenied")
}

func TestBucketOperations(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.Region = "eu-west-1" })
	tests := []struct {
		name   string
		method string
		target string
		body   string
		hdr    []string
		status int
		want   string // substring of the body
	}{
		{"bad name", "PUT", "/Bad_Name", "", nil, 400, "<Code>InvalidBucketName</Code>"},
		{"wrong region", "PUT", "/bk1", "<CreateBucketConfiguration><LocationConstraint>us-west-2</LocationConstraint></CreateBucketConfiguration>", nil, 400, "InvalidLocationConstraint"},
		{"malformed config", "PUT", "/bk1", "<CreateBucketConfiguration>", nil, 400, "MalformedXML"},
		{"public acl", "PUT", "/bk1", "", []string{"X-Amz-Acl: public-read"}, 501, "public-read"},
		{"create", "PUT", "/bk1", "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>", nil, 200, ""},
		{"create again", "PUT", "/bk1", "", nil, 409, "BucketAlreadyOwnedByYou"},
		{"head", "HEAD", "/bk1", "", nil, 200, ""},
		{"location", "GET", "/bk1?location", "", nil, 200, ">eu-west-1</LocationConstraint>"},
		{"versioning", "GET", "/bk1?versioning", "", nil, 200, "<VersioningConfiguration"},
		{"object tagging missing", "GET", "/bk1/nokey?tagging", "", nil, 404, "NoSuchKey"},
		{"acl", "GET", "/bk1?acl", "", nil, 200, "FULL_CONTROL"},
		{"tagging", "GET", "/bk1?tagging", "", nil, 501, "tagging"},
		{"put object for tagging", "PUT", "/bk1/k", "x", nil, 200, ""},
		{"object tagging", "GET", "/bk1/k?tagging", "", nil, 200, "<TagSet></TagSet>"},
		{"delete object for tagging", "DELETE", "/bk1/k", "", nil, 204, ""},
		{"put versioning", "PUT", "/bk1?versioning", "<VersioningConfiguration/>", nil, 501, "versioning"},
		{"put object", "PUT", "/bk1/k", "x", nil, 200, ""},
		{"delete non-empty", "DELETE", "/bk1", "", nil, 409, "BucketNotEmpty"},
		{"delete object", "DELETE", "/bk1/k", "", nil, 204, ""},
		{"delete missing object", "DELETE", "/bk1/k", "", nil, 204, ""},
		{"delete", "DELETE", "/bk1", "", nil, 204, ""},
		{"head missing", "HEAD", "/bk1", "", nil, 404, ""},
		{"delete missing", "DELETE", "/bk1", "", nil, 404, "NoSuchBucket"},
		{"method not allowed", "PATCH", "/bk1/k", "", nil, 405, "MethodNotAllowed"},
	}
	for _, tt := range tests {
		w := e.do(t, tt.method, tt.target, tt.body, tt.hdr...)
		if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.want) {
			t.Fatalf("%s: %d %s; want %d %q", tt.name, w.Code, w.Body, tt.status, tt.want)
		}
	}
}

func TestVirtualHostedStyle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.Domain = "s3.example.test" })
	mustStatus(t, e.do(t, "PUT", "http://vbkt.s3.example.test:9000/", ""), 200, "")
	mustStatus(t, e.do(t, "PUT", "http://vbkt.s3.example.test/dir/key", "hello"), 200, "")
	w := e.do(t, "GET", "http://s3.example.test/vbkt/dir/key", "")
	mustStatus(t, w, 200, "")
	if w.Body.String() != "hello" {
		t.Errorf("path style on the domain: %q", w.Body)
	}
	w = e.do(t, "GET", "http://vbkt.s3.example.test/?list-type=2", "")
	if !strings.Contains(w.Body.String(), "<Key>dir/key</Key>") {
		t.Errorf("virtual-hosted listing: %s", w.Body)
	}
}

func TestPutGetObject(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.MaxObjectSize = 16 })
	mustStatus(t, e.do(t, "PUT", "/bkt", ""), 200, "")
	sum := md5.Sum([]byte("hello"))
	goodMD5 := base64.StdEncoding.EncodeToString(sum[:])

	w := e.do(t, "PUT", "/bkt/dir/file.txt", "hello",
		"Content-Type: text/plain", "X-Amz-Meta-Color: blue", "Content-MD5: "+goodMD5,
		"Cache-Control: no-cache", "Content-Encoding: aws-chunked,gzip", "X-Test-Checksum: CRC32=NhCmhg==")
	mustStatus(t, w, 200, "")
	if w.Header().Get("ETag") != `"5d41402abc4b2a76b9719d911017c592"` || w.Header().Get("X-Amz-Checksum-Crc32") != "NhCmhg==" {
		t.Errorf("PUT headers %v", w.Header())
	}
	w = e.do(t, "GET", "/bkt/dir/file.txt", "", "X-Amz-Checksum-Mode: ENABLED")
	mustStatus(t, w, 200, "")
	for k, v := range map[string]string{
		"Content-Type": "text/plain", "X-Amz-Meta-Color": "blue", "Cache-Control": "no-cache",
		"Content-Encoding": "gzip", "Content-Length": "5", "Accept-Ranges": "bytes",
		"ETag": `"5d41402abc4b2a76b9719d911017c592"`, "X-Amz-Checksum-Crc32": "NhCmhg==",
	} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("GET %s = %q, want %q", k, got, v)
		}
	}
	if w.Header().Get("Last-Modified") == "" || w.Body.String() != "hello" {
		t.Errorf("GET: %v %q", w.Header(), w.Body)
	}
	w = e.do(t, "GET", "/bkt/dir/file.txt?response-content-type=application/json&response-cache-control=max-age%3D5", "")
	if w.Header().Get("Content-Type") != "application/json" || w.Header().Get("Cache-Control") != "max-age=5" {
		t.Errorf("overrides: %v", w.Header())
	}
	w = e.do(t, "HEAD", "/bkt/dir/file.txt", "", "Range: bytes=1-2")
	mustStatus(t, w, 206, "")
	if w.Header().Get("Content-Length") != "2" || w.Header().Get("Content-Range") != "bytes 1-2/5" || w.Body.Len() != 0 {
		t.Errorf("HEAD range: %v %q", w.Header(), w.Body)
	}
	w = e.do(t, "GET", "/bkt/dir/file.txt", "", "Range: bytes=-3")
	mustStatus(t, w, 206, "")
	if w.Body.String() != "llo" {
		t.Errorf("suffix range body %q", w.Body)
	}
	mustStatus(t, e.do(t, "GET", "/bkt/dir/file.txt", "", "Range: bytes=5-"), 416, "InvalidRange")
	w = e.do(t, "GET", "/bkt/dir/file.txt", "", `If-None-Match: "5d41402abc4b2a76b9719d911017c592"`)
	mustStatus(t, w, 304, "")
	if w.Body.Len() != 0 || w.Header().Get("ETag") == "" {
		t.Errorf("304: %v %q", w.Header(), w.Body)
	}
	mustStatus(t, e.do(t, "GET", "/bkt/dir/file.txt", "", `If-Match: "nope"`), 412, "PreconditionFailed")

	// Content-Length 17 > MaxObjectSize 16; chunked bodies are cut off too.
	mustStatus(t, e.do(t, "PUT", "/bkt/big", strings.Repeat("x", 17)), 400, "EntityTooLarge")
	r := e.do(t, "PUT", "/bkt/small", strings.Repeat("x", 16))
	mustStatus(t, r, 200, "")
	mustStatus(t, e.do(t, "PUT", "/bkt/k", "hello", "Content-MD5: nope"), 400, "InvalidDigest")
	mustStatus(t, e.do(t, "PUT", "/bkt/k", "hellO", "Content-MD5: "+goodMD5), 400, "BadDigest")
	mustStatus(t, e.do(t, "PUT", "/bkt/k", "x", "X-Amz-Meta-Big: "+strings.Repeat("v", 2100)), 400, "MetadataTooLarge")
	mustStatus(t, e.do(t, "PUT", "/bkt/k", "x", "X-Amz-Server-Side-Encryption: AES256"), 501, "NotImplemented")
	mustStatus(t, e.do(t, "HEAD", "/bkt/k", ""), 404, "")
	mustStatus(t, e.do(t, "GET", "/bkt/k", ""), 404, "NoSuchKey")
	mustStatus(t, e.do(t, "GET", "/nobkt/k", ""), 404, "NoSuchBucket")
	mustStatus(t, e.do(t, "GET", "/bkt/"+strings.Repeat("k", 1025), ""), 400, "KeyTooLongError")
	mustStatus(t, e.do(t, "PUT", "/bkt/dir/file.txt/sub", "x"), 409, "KeyConflict")
	mustStatus(t, e.do(t, "PUT", "/bkt/a/../b", "x"), 400, "InvalidArgument")

	// A default content type.
	mustStatus(t, e.do(t, "PUT", "/bkt/plain", "z"), 200, "")
	if ct := e.do(t, "GET", "/bkt/plain", "").Header().Get("Content-Type"); ct != "binary/octet-stream" {
		t.Errorf("default Content-Type %q", ct)
	}
}

func TestEntityTooLargeWithoutLength(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.MaxObjectSize = 4 })
	mustStatus(t, e.do(t, "PUT", "/bkt", ""), 200, "")
	r := newChunkedPut(t, "/bkt/k", "12345")
	w := e.serve(r)
	mustStatus(t, w, 400, "EntityTooLarge")
	w = e.serve(newChunkedPut(t, "/bkt/k", "1234"))
	mustStatus(t, w, 200, "")
}

func TestCopyObject(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	mustStatus(t, e.do(t, "PUT", "/bkt", ""), 200, "")
	mustStatus(t, e.do(t, "PUT", "/bkt/src%20key", "data", "X-Amz-Meta-A: 1", "Content-Type: text/x", "X-Test-Checksum: CRC32=rfT1dg=="), 200, "")
	tests := []struct {
		name   string
		target string
		hdr    []string
		status int
		code   string
	}{
		{"copy", "/bkt/dst", []string{"X-Amz-Copy-Source: /bkt/src%20key"}, 200, ""},
		{"self without replace", "/bkt/src%20key", []string{"X-Amz-Copy-Source: bkt/src%20key"}, 400, "InvalidRequest"},
		{"self with replace", "/bkt/src%20key", []string{"X-Amz-Copy-Source: bkt/src%20key", "X-Amz-Metadata-Directive: REPLACE", "X-Amz-Meta-B: 2"}, 200, ""},
		{"version id", "/bkt/dst2", []string{"X-Amz-Copy-Source: bkt/src%20key?versionId=abc"}, 501, "NotImplemented"},
		{"null version id", "/bkt/dst2", []string{"X-Amz-Copy-Source: bkt/src%20key?versionId=null"}, 200, ""},
		{"bad directive", "/bkt/dst3", []string{"X-Amz-Copy-Source: bkt/src%20key", "X-Amz-Metadata-Directive: MERGE"}, 400, "InvalidArgument"},
		{"missing source", "/bkt/dst3", []string{"X-Amz-Copy-Source: bkt/none"}, 404, "NoSuchKey"},
		{"no key", "/bkt/dst3", []string{"X-Amz-Copy-Source: bkt"}, 400, "InvalidArgument"},
		{"if-match fails", "/bkt/dst3", []string{"X-Amz-Copy-Source: bkt/src%20key", `X-Amz-Copy-Source-If-Match: "x"`}, 412, "PreconditionFailed"},
		{"if-none-match fails", "/bkt/dst3", []string{"X-Amz-Copy-Source: bkt/src%20key", `X-Amz-Copy-Source-If-None-Match: *`}, 412, "PreconditionFailed"},
	}
	for _, tt := range tests {
		w := e.do(t, "PUT", tt.target, "", tt.hdr...)
		if w.Code != tt.status || tt.code != "" && !strings.Contains(w.Body.String(), tt.code) {
			t.Errorf("%s: %d %s, want %d %s", tt.name, w.Code, w.Body, tt.status, tt.code)
		}
		if tt.status == 200 && !strings.Contains(w.Body.String(), "<CopyObjectResult") {
			t.Errorf("%s: body %s", tt.name, w.Body)
		}
	}
	w := e.do(t, "GET", "/bkt/dst", "", "X-Amz-Checksum-Mode: ENABLED")
	if w.Body.String() != "data" || w.Header().Get("X-Amz-Meta-A") != "1" || w.Header().Get("Content-Type") != "text/x" || w.Header().Get("X-Amz-Checksum-Crc32") != "rfT1dg==" {
		t.Errorf("COPY kept metadata? %v %q", w.Header(), w.Body)
	}
	w = e.do(t, "GET", "/bkt/src%20key", "")
	if w.Body.String() != "data" || w.Header().Get("X-Amz-Meta-A") != "" || w.Header().Get("X-Amz-Meta-B") != "2" {
		t.Errorf("REPLACE metadata: %v %q", w.Header(), w.Body)
	}
}

func TestListObjectsHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	mustStatus(t, e.do(t, "PUT", "/bkt", ""), 200, "")
	for _, k := range []string{"a/1", "a/2", "b", "c d/e", "z"} {
		mustStatus(t, e.do(t, "PUT", "/bkt/"+strings.ReplaceAll(k, " ", "%20"), "x"), 200, "")
	}
	w := e.do(t, "GET", "/bkt?max-keys=2", "")
	body := w.Body.String()
	if !strings.Contains(body, "<IsTruncated>true</IsTruncated>") || strings.Contains(body, "NextMarker") {
		t.Errorf("v1 without delimiter must not send NextMarker: %s", body)
	}
	w = e.do(t, "GET", "/bkt?delimiter=/&max-keys=2", "")
	if !strings.Contains(w.Body.String(), "<NextMarker>b</NextMarker>") || !strings.Contains(w.Body.String(), "<Prefix>a/</Prefix>") {
		t.Errorf("v1 with delimiter: %s", w.Body)
	}
	w = e.do(t, "GET", "/bkt?list-type=2&delimiter=/&max-keys=2&encoding-type=url&fetch-owner=true", "")
	body = w.Body.String()
	if !strings.Contains(body, "<KeyCount>2</KeyCount>") || !strings.Contains(body, "<Owner>") || !strings.Contains(body, "NextContinuationToken") {
		t.Fatalf("v2 page 1: %s", body)
	}
	tok := body[strings.Index(body, "<NextContinuationToken>")+len("<NextContinuationToken>"):]
	tok = tok[:strings.Index(tok, "<")]
	w = e.do(t, "GET", "/bkt?list-type=2&delimiter=/&encoding-type=url&continuation-token="+tok, "")
	body = w.Body.String()
	if !strings.Contains(body, "<Prefix>c+d/</Prefix>") || !strings.Contains(body, "<Key>z</Key>") || strings.Contains(body, "<Owner>") || strings.Contains(body, "<Key>b</Key>") {
		t.Errorf("v2 page 2: %s", body)
	}
	// minio-go lists with a slash after the bucket.
	w = e.do(t, "GET", "/bkt/?list-type=2&fetch-owner=true&prefix=a/", "")
	if !strings.Contains(w.Body.String(), "<Key>a/1</Key><") || !strings.Contains(w.Body.String(), "<KeyCount>2</KeyCount>") {
		t.Errorf("GET /bkt/?list-type=2: %s", w.Body)
	}
	mustStatus(t, e.do(t, "GET", "/bkt?list-type=2&continuation-token=bogus", ""), 400, "InvalidArgument")
	mustStatus(t, e.do(t, "GET", "/bkt?encoding-type=xml", ""), 400, "InvalidArgument")
	mustStatus(t, e.do(t, "GET", "/nobkt?list-type=2", ""), 404, "NoSuchBucket")
}

func TestDeleteObjectsLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	mustStatus(t, e.do(t, "PUT", "/bkt", ""), 200, "")
	mustStatus(t, e.do(t, "PUT", "/bkt/a", "x"), 200, "")
	var b strings.Builder
	b.WriteString("<Delete>")
	for i := 0; i < 1001; i++ {
		fmt.Fprintf(&b, "<Object><Key>k%d</Key></Object>", i)
	}
	b.WriteString("</Delete>")
	mustStatus(t, e.do(t, "POST", "/bkt?delete", b.String()), 400, "MalformedXML")
	mustStatus(t, e.do(t, "POST", "/bkt?delete", "<Delete><Object><Key>a</Key>"), 400, "MalformedXML")
	mustStatus(t, e.do(t, "POST", "/bkt?delete", "<Delete><Object><Key>a</Key></Object></Delete>", "Content-MD5: 1B2M2Y8AsgTpgAmY7PhCfg=="), 400, "BadDigest")
	mustStatus(t, e.do(t, "POST", "/bkt?delete", "<Delete><Object><Key>a</Key></Object></Delete>", "Content-MD5: short"), 400, "InvalidDigest")
	mustStatus(t, e.do(t, "POST", "/bkt?delete", "<Delete>"+strings.Repeat(" ", 1<<20)+"</Delete>"), 400, "MaxMessageLengthExceeded")
	w := e.do(t, "POST", "/bkt?delete", "<Delete><Quiet>true</Quiet><Object><Key>a</Key></Object><Object><Key>missing</Key></Object></Delete>")
	mustStatus(t, w, 200, "")
	if strings.Contains(w.Body.String(), "<Deleted>") {
		t.Errorf("quiet mode lists deletions: %s", w.Body)
	}
	mustStatus(t, e.do(t, "HEAD", "/bkt/a", ""), 404, "")
}
