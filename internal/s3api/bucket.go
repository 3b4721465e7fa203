package s3api

import (
	"errors"
	"net/http"

	"github.com/fedstore/fedstore/internal/authn"
)

func (h *handler) owner() owner { return owner{ID: h.ownerID, DisplayName: "fedstore"} }

// listBuckets returns every bucket when the caller may s3:ListAllMyBuckets;
// otherwise the buckets on which it may s3:ListBucket or
// s3:GetBucketLocation, and AccessDenied when that leaves none. Its
// authorization probes are not audited one by one; a final refusal is.
func (h *handler) listBuckets(rq *request) (*response, error) {
	all := true
	allErr := h.authorize(rq, "s3:ListAllMyBuckets", scopeService, "", "")
	if allErr != nil {
		if !errors.Is(allErr, authn.ErrAccessDenied) {
			return nil, allErr
		}
		all = false
	}
	buckets, err := h.backend.ListBuckets(rq.ctx)
	if err != nil {
		return nil, err
	}
	doc := listAllMyBucketsResult{Xmlns: s3Namespace, Owner: h.owner(), Buckets: []bucketEntry{}}
	for _, b := range buckets {
		if !all {
			ok, err := h.mayListBucket(rq, b.Name)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		doc.Buckets = append(doc.Buckets, bucketEntry{Name: b.Name, CreationDate: xmlTime(b.Created)})
	}
	if !all && len(doc.Buckets) == 0 {
		h.audit(rq.r, principalName(rq.auth.Principal), "s3:ListAllMyBuckets", "arn:aws:s3:::*", allErr)
		return nil, apiErrorf(codeAccessDenied, "Access Denied: you may not list buckets.")
	}
	return xmlResponse(doc), nil
}

// mayListBucket reports whether ListBuckets shows bucket to a caller that may
// not list them all: it may s3:ListBucket or s3:GetBucketLocation on it.
func (h *handler) mayListBucket(rq *request, bucket string) (bool, error) {
	for _, action := range []string{"s3:ListBucket", "s3:GetBucketLocation"} {
		err := h.authorize(rq, action, scopeBucket, bucket, "")
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, authn.ErrAccessDenied) {
			return false, err
		}
	}
	return false, nil
}

func (h *handler) createBucket(rq *request) (*response, error) {
	if err := checkCannedACL(rq.r.Header); err != nil {
		return nil, err
	}
	if v := rq.r.Header.Get("X-Amz-Bucket-Object-Lock-Enabled"); v != "" && v != "false" {
		return nil, apiErrorf(codeNotImplemented, "Object Lock is not implemented.")
	}
	body, err := readRequestXML(rq, maxSmallXMLBody)
	if err != nil {
		return nil, err
	}
	if len(body) > 0 {
		var cfg createBucketConfiguration
		if err := decodeXML(body, &cfg); err != nil {
			return nil, err
		}
		if lc := cfg.LocationConstraint; lc != "" && lc != h.region {
			return nil, apiErrorf(codeInvalidLocationConstraint,
				"The specified location-constraint %q is not valid: this server's region is %q.", lc, h.region)
		}
	}
	if err := h.backend.CreateBucket(rq.ctx, rq.bucket); err != nil {
		return nil, err
	}
	h.dropBucketPolicy(rq) // a stale policy of an earlier bucket of this name
	resp := &response{}
	resp.setHeader("Location", "/"+rq.bucket)
	return resp, nil
}

// checkCannedACL accepts the canned ACLs that grant nothing beyond the owner;
// anything else would promise access fedstore does not give.
func checkCannedACL(hdr http.Header) error {
	switch acl := hdr.Get("X-Amz-Acl"); acl {
	case "", "private", "bucket-owner-full-control", "bucket-owner-read":
	default:
		return apiErrorf(codeNotImplemented, "The canned ACL %q is not implemented: access is granted by IAM and bucket policies only.", acl)
	}
	for _, g := range []string{"X-Amz-Grant-Full-Control", "X-Amz-Grant-Read", "X-Amz-Grant-Read-Acp", "X-Amz-Grant-Write", "X-Amz-Grant-Write-Acp"} {
		if hdr.Get(g) != "" {
			return apiErrorf(codeNotImplemented, "The %s header is not implemented: access is granted by IAM and bucket policies only.", g)
		}
	}
	return nil
}

func (h *handler) deleteBucket(rq *request) (*response, error) {
	if err := h.backend.DeleteBucket(rq.ctx, rq.bucket); err != nil {
		return nil, err
	}
	h.dropBucketPolicy(rq)
	return &response{status: http.StatusNoContent}, nil
}

func (h *handler) headBucket(rq *request) (*response, error) {
	if _, err := h.backend.HeadBucket(rq.ctx, rq.bucket); err != nil {
		return nil, err
	}
	resp := &response{}
	resp.setHeader("X-Amz-Bucket-Region", h.region)
	return resp, nil
}

// getBucketLocation answers like S3: us-east-1 is the empty constraint.
func (h *handler) getBucketLocation(rq *request) (*response, error) {
	if _, err := h.backend.HeadBucket(rq.ctx, rq.bucket); err != nil {
		return nil, err
	}
	loc := h.region
	if loc == "us-east-1" {
		loc = ""
	}
	return xmlResponse(locationConstraint{Xmlns: s3Namespace, Location: loc}), nil
}

// getBucketVersioning: buckets are never versioned, which S3 reports as an
// empty configuration.
func (h *handler) getBucketVersioning(rq *request) (*response, error) {
	if _, err := h.backend.HeadBucket(rq.ctx, rq.bucket); err != nil {
		return nil, err
	}
	return xmlResponse(versioningConfiguration{Xmlns: s3Namespace}), nil
}

// getTagging reports an object's empty tag set: fedstore stores no tags (PUT
// ?tagging is NotImplemented), but tools such as the AWS CLI v2 read an
// object's tags before copying it.
func (h *handler) getTagging(rq *request) (*response, error) {
	if _, err := h.backend.HeadObject(rq.ctx, rq.bucket, rq.key); err != nil {
		return nil, err
	}
	return xmlResponse(tagging{Xmlns: s3Namespace}), nil
}

// getACL (bucket or object) reports the only ACL fedstore has: the owner
// holds FULL_CONTROL; access beyond that comes from IAM policies.
func (h *handler) getACL(rq *request) (*response, error) {
	if rq.key == "" {
		if _, err := h.backend.HeadBucket(rq.ctx, rq.bucket); err != nil {
			return nil, err
		}
	} else if _, err := h.backend.HeadObject(rq.ctx, rq.bucket, rq.key); err != nil {
		return nil, err
	}
	doc, err := h.getACLDoc()
	return xmlResponse(doc), err
}

// getACLDoc is the one ACL fedstore reports.
func (h *handler) getACLDoc() (accessControlPolicy, error) {
	o := h.owner()
	return accessControlPolicy{
		Xmlns: s3Namespace,
		Owner: o,
		Grants: []grant{{
			Grantee: grantee{
				XMLNSXSI:    "http://www.w3.org/2001/XMLSchema-instance",
				XSIType:     "CanonicalUser",
				ID:          o.ID,
				DisplayName: o.DisplayName,
			},
			Permission: "FULL_CONTROL",
		}},
	}, nil
}
