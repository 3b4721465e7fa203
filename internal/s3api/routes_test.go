package s3api

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestRouting(t *testing.T) {
	t.Parallel()
	h := New(Config{}).(*handler)
	copySrc := http.Header{"X-Amz-Copy-Source": {"src/key"}}
	tests := []struct {
		method string
		sc     scope
		query  string
		header http.Header
		want   string // operation, or the error code
	}{
		{"GET", scopeService, "", nil, "ListBuckets"},
		{"GET", scopeService, "x-id=ListBuckets", nil, "ListBuckets"},
		{"PUT", scopeService, "", nil, "MethodNotAllowed"},
		{"PUT", scopeBucket, "", nil, "CreateBucket"},
		{"DELETE", scopeBucket, "", nil, "DeleteBucket"},
		{"HEAD", scopeBucket, "", nil, "HeadBucket"},
		{"GET", scopeBucket, "location", nil, "GetBucketLocation"},
		{"GET", scopeBucket, "location=", nil, "GetBucketLocation"},
		{"GET", scopeBucket, "versioning", nil, "GetBucketVersioning"},
		{"GET", scopeBucket, "acl", nil, "GetBucketAcl"},
		{"GET", scopeBucket, "uploads", nil, "ListMultipartUploads"},
		{"GET", scopeBucket, "list-type=2&prefix=a&x-id=ListObjectsV2", nil, "ListObjectsV2"},
		{"GET", scopeBucket, "prefix=a&marker=b&max-keys=3", nil, "ListObjects"},
		{"GET", scopeBucket, "", nil, "ListObjects"},
		{"POST", scopeBucket, "delete", nil, "DeleteObjects"},
		{"POST", scopeBucket, "delete=&x-id=DeleteObjects", nil, "DeleteObjects"},
		{"PUT", scopeObject, "", nil, "PutObject"},
		{"PUT", scopeObject, "x-id=PutObject", nil, "PutObject"},
		{"PUT", scopeObject, "", copySrc, "CopyObject"},
		{"PUT", scopeObject, "partNumber=1&uploadId=u", nil, "UploadPart"},
		{"PUT", scopeObject, "partNumber=1&uploadId=u", copySrc, "UploadPartCopy"},
		{"GET", scopeObject, "", nil, "GetObject"},
		{"GET", scopeObject, "response-content-type=text/plain", nil, "GetObject"},
		{"GET", scopeObject, "uploadId=u", nil, "ListParts"},
		{"GET", scopeObject, "acl", nil, "GetObjectAcl"},
		{"HEAD", scopeObject, "", nil, "HeadObject"},
		{"DELETE", scopeObject, "", nil, "DeleteObject"},
		{"DELETE", scopeObject, "uploadId=u", nil, "AbortMultipartUpload"},
		{"POST", scopeObject, "uploads", nil, "CreateMultipartUpload"},
		{"POST", scopeObject, "uploads=&x-id=CreateMultipartUpload", nil, "CreateMultipartUpload"},
		{"POST", scopeObject, "uploadId=u", nil, "CompleteMultipartUpload"},
		// Not implemented sub-resources name themselves.
		{"GET", scopeBucket, "tagging", nil, "NotImplemented:tagging"},
		{"PUT", scopeBucket, "versioning", nil, "NotImplemented:versioning"},
		{"PUT", scopeBucket, "acl", nil, "NotImplemented:acl"},
		{"GET", scopeBucket, "lifecycle", nil, "NotImplemented:lifecycle"},
		{"GET", scopeBucket, "policy", nil, "GetBucketPolicy"},
		{"PUT", scopeBucket, "policy", nil, "PutBucketPolicy"},
		{"DELETE", scopeBucket, "policy", nil, "DeleteBucketPolicy"},
		{"POST", scopeBucket, "policy", nil, "NotImplemented:policy"},
		{"GET", scopeBucket, "versions", nil, "NotImplemented:versions"},
		{"GET", scopeObject, "tagging", nil, "GetObjectTagging"},
		{"GET", scopeObject, "partNumber=1", nil, "NotImplemented:partNumber"},
		{"GET", scopeObject, "versionId=abc", nil, "NotImplemented:versionId"},
		{"POST", scopeObject, "", nil, "MethodNotAllowed"},
		{"PATCH", scopeObject, "", nil, "MethodNotAllowed"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.query, func(t *testing.T) {
			t.Parallel()
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			hdr := tt.header
			if hdr == nil {
				hdr = http.Header{}
			}
			rt, err := h.match(tt.method, tt.sc, q, hdr)
			got := ""
			if rt != nil {
				got = rt.op
			} else {
				var ae *apiError
				if !errors.As(err, &ae) {
					t.Fatalf("match error %v is not an apiError", err)
				}
				got = ae.code.name()
				if ae.code == codeNotImplemented {
					want := strings.TrimPrefix(tt.want, "NotImplemented:")
					if !strings.Contains(ae.message, want) {
						t.Errorf("message %q does not name %q", ae.message, want)
					}
					got = tt.want
				}
			}
			if got != tt.want {
				t.Errorf("%s scope=%d ?%s -> %q, want %q", tt.method, tt.sc, tt.query, got, tt.want)
			}
		})
	}
}

// TestRouteTableComplete: every route has a unique operation, a handler, an IAM
// action, and a resource ARN of its scope's shape.
func TestRouteTableComplete(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	wantARN := map[scope]string{
		scopeService: "arn:aws:s3:::*",
		scopeBucket:  "arn:aws:s3:::bkt",
		scopeObject:  "arn:aws:s3:::bkt/dir/key",
	}
	for _, rt := range routes() {
		if rt.op == "" || seen[rt.op] {
			t.Errorf("route %+v: empty or duplicate op", rt.op)
		}
		seen[rt.op] = true
		if rt.handler == nil {
			t.Errorf("%s: no handler", rt.op)
		}
		if !strings.HasPrefix(rt.action, "s3:") || len(rt.action) < 4 {
			t.Errorf("%s: IAM action %q", rt.op, rt.action)
		}
		if got := rt.scope.arn("bkt", "dir/key"); got != wantARN[rt.scope] {
			t.Errorf("%s: resource %q, want %q", rt.op, got, wantARN[rt.scope])
		}
		for _, k := range rt.query {
			if !isSubResource(k) {
				t.Errorf("%s: query key %q is not a sub-resource, routing would ignore it", rt.op, k)
			}
		}
	}
	for _, op := range []string{"ListBuckets", "CreateBucket", "DeleteBucket", "HeadBucket", "GetBucketLocation",
		"ListObjects", "ListObjectsV2", "PutObject", "GetObject", "HeadObject", "DeleteObject", "DeleteObjects",
		"CopyObject", "CreateMultipartUpload", "UploadPart", "UploadPartCopy", "CompleteMultipartUpload",
		"AbortMultipartUpload", "ListParts", "ListMultipartUploads",
		"GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"} {
		if !seen[op] {
			t.Errorf("operation %s has no route", op)
		}
	}
}
