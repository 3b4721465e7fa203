package s3api

import (
	"net/http"
	"net/url"
	"sort"
)

// scope is the level a request addresses; it also decides the ARN of the
// resource the IAM action applies to.
type scope int

const (
	scopeService scope = iota // "/"
	scopeBucket               // "/bucket"
	scopeObject               // "/bucket/key"
)

// arn is the IAM resource a route's action applies to.
func (s scope) arn(bucket, key string) string {
	switch s {
	case scopeBucket:
		return "arn:aws:s3:::" + bucket
	case scopeObject:
		return "arn:aws:s3:::" + bucket + "/" + key
	default:
		return "arn:aws:s3:::*"
	}
}

// handlerFunc serves one operation and returns what to send.
type handlerFunc func(h *handler, rq *request) (*response, error)

// route is one S3 operation: how a request selects it and what IAM action it
// needs. A route matches when the method and scope match, every query key in
// query is present, header (if set) is present, and no sub-resource outside
// query is present.
type route struct {
	op      string
	method  string
	scope   scope
	query   []string // sub-resources that must be present
	header  string   // header that must be present, e.g. x-amz-copy-source
	action  string   // IAM action, checked on scope.arn(bucket, key)
	handler handlerFunc
}

// routes is the route table, most specific first within a method and scope.
func routes() []route {
	return []route{
		{op: "ListBuckets", method: http.MethodGet, scope: scopeService, action: "s3:ListAllMyBuckets", handler: (*handler).listBuckets},

		{op: "CreateBucket", method: http.MethodPut, scope: scopeBucket, action: "s3:CreateBucket", handler: (*handler).createBucket},
		{op: "DeleteBucket", method: http.MethodDelete, scope: scopeBucket, action: "s3:DeleteBucket", handler: (*handler).deleteBucket},
		{op: "HeadBucket", method: http.MethodHead, scope: scopeBucket, action: "s3:ListBucket", handler: (*handler).headBucket},
		{op: "GetBucketLocation", method: http.MethodGet, scope: scopeBucket, query: []string{"location"}, action: "s3:GetBucketLocation", handler: (*handler).getBucketLocation},
		{op: "GetBucketVersioning", method: http.MethodGet, scope: scopeBucket, query: []string{"versioning"}, action: "s3:GetBucketVersioning", handler: (*handler).getBucketVersioning},
		{op: "GetBucketPolicy", method: http.MethodGet, scope: scopeBucket, query: []string{"policy"}, action: "s3:GetBucketPolicy", handler: (*handler).getBucketPolicy},
		{op: "PutBucketPolicy", method: http.MethodPut, scope: scopeBucket, query: []string{"policy"}, action: "s3:PutBucketPolicy", handler: (*handler).putBucketPolicy},
		{op: "DeleteBucketPolicy", method: http.MethodDelete, scope: scopeBucket, query: []string{"policy"}, action: "s3:DeleteBucketPolicy", handler: (*handler).deleteBucketPolicy},
		{op: "GetBucketAcl", method: http.MethodGet, scope: scopeBucket, query: []string{"acl"}, action: "s3:GetBucketAcl", handler: (*handler).getACL},
		{op: "ListMultipartUploads", method: http.MethodGet, scope: scopeBucket, query: []string{"uploads"}, action: "s3:ListBucketMultipartUploads", handler: (*handler).listMultipartUploads},
		{op: "ListObjectsV2", method: http.MethodGet, scope: scopeBucket, query: []string{"list-type"}, action: "s3:ListBucket", handler: (*handler).listObjectsV2},
		{op: "ListObjects", method: http.MethodGet, scope: scopeBucket, action: "s3:ListBucket", handler: (*handler).listObjectsV1},
		{op: "DeleteObjects", method: http.MethodPost, scope: scopeBucket, query: []string{"delete"}, action: "s3:DeleteObject", handler: (*handler).deleteObjects},

		{op: "UploadPartCopy", method: http.MethodPut, scope: scopeObject, query: []string{"partNumber", "uploadId"}, header: "X-Amz-Copy-Source", action: "s3:PutObject", handler: (*handler).uploadPartCopy},
		{op: "UploadPart", method: http.MethodPut, scope: scopeObject, query: []string{"partNumber", "uploadId"}, action: "s3:PutObject", handler: (*handler).uploadPart},
		{op: "CopyObject", method: http.MethodPut, scope: scopeObject, header: "X-Amz-Copy-Source", action: "s3:PutObject", handler: (*handler).copyObject},
		{op: "PutObject", method: http.MethodPut, scope: scopeObject, action: "s3:PutObject", handler: (*handler).putObject},
		{op: "ListParts", method: http.MethodGet, scope: scopeObject, query: []string{"uploadId"}, action: "s3:ListMultipartUploadParts", handler: (*handler).listParts},
		{op: "GetObjectTagging", method: http.MethodGet, scope: scopeObject, query: []string{"tagging"}, action: "s3:GetObjectTagging", handler: (*handler).getTagging},
		{op: "GetObjectAcl", method: http.MethodGet, scope: scopeObject, query: []string{"acl"}, action: "s3:GetObjectAcl", handler: (*handler).getACL},
		{op: "GetObject", method: http.MethodGet, scope: scopeObject, action: "s3:GetObject", handler: (*handler).getObject},
		{op: "HeadObject", method: http.MethodHead, scope: scopeObject, action: "s3:GetObject", handler: (*handler).headObject},
		{op: "AbortMultipartUpload", method: http.MethodDelete, scope: scopeObject, query: []string{"uploadId"}, action: "s3:AbortMultipartUpload", handler: (*handler).abortMultipartUpload},
		{op: "DeleteObject", method: http.MethodDelete, scope: scopeObject, action: "s3:DeleteObject", handler: (*handler).deleteObject},
		{op: "CreateMultipartUpload", method: http.MethodPost, scope: scopeObject, query: []string{"uploads"}, action: "s3:PutObject", handler: (*handler).createMultipartUpload},
		{op: "CompleteMultipartUpload", method: http.MethodPost, scope: scopeObject, query: []string{"uploadId"}, action: "s3:PutObject", handler: (*handler).completeMultipartUpload},
	}
}

// subResources are the query keys that select an operation (as opposed to
// parameters such as prefix or x-id, which routing ignores).
func isSubResource(k string) bool {
	switch k {
	case "accelerate", "acl", "analytics", "attributes", "cors", "delete", "encryption",
		"intelligent-tiering", "inventory", "legal-hold", "lifecycle", "list-type", "location",
		"logging", "metadataTable", "metrics", "notification", "object-lock", "ownershipControls",
		"partNumber", "policy", "policyStatus", "publicAccessBlock", "renameObject", "replication",
		"requestPayment", "restore", "retention", "select", "session", "tagging", "torrent",
		"uploadId", "uploads", "versionId", "versioning", "versions", "website":
		return true
	}
	return false
}

// match finds the route for a request. When none matches it returns the
// error to send: NotImplemented naming an unsupported sub-resource, or
// MethodNotAllowed.
func (h *handler) match(method string, sc scope, q url.Values, hdr http.Header) (*route, error) {
	var subs []string
	for k := range q {
		if isSubResource(k) {
			subs = append(subs, k)
		}
	}
	sort.Strings(subs)
	for i := range h.routes {
		rt := &h.routes[i]
		if rt.method != method || rt.scope != sc {
			continue
		}
		if rt.header != "" && hdr.Get(rt.header) == "" {
			continue
		}
		if !hasAll(q, rt.query) || !within(subs, rt.query) {
			continue
		}
		return rt, nil
	}
	for _, s := range subs {
		if s == "versionId" {
			return nil, apiErrorf(codeNotImplemented, "Object versioning is not supported: the versionId parameter is not implemented.")
		}
	}
	if len(subs) > 0 {
		return nil, apiErrorf(codeNotImplemented, "The %q sub-resource is not implemented for %s requests.", subs[0], method)
	}
	return nil, apiErrorf(codeMethodNotAllowed, "The specified method is not allowed against this resource.")
}

func hasAll(q url.Values, keys []string) bool {
	for _, k := range keys {
		if _, ok := q[k]; !ok {
			return false
		}
	}
	return true
}

func within(subs, allowed []string) bool {
	for _, s := range subs {
		found := false
		for _, a := range allowed {
			if s == a {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
