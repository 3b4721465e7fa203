package s3api

import (
	"errors"

	"github.com/fedstore/fedstore/internal/authn"
)

// decodeDeleteRequest parses a DeleteObjects body: 1..1000 objects.
func decodeDeleteRequest(body []byte) (deleteRequest, error) {
	var req deleteRequest
	if err := decodeXML(body, &req); err != nil {
		return req, err
	}
	if len(req.Objects) == 0 {
		return req, apiErrorf(codeMalformedXML, "The XML you provided did not validate: it must list at least one Object.")
	}
	if len(req.Objects) > maxDeleteObjects {
		return req, apiErrorf(codeMalformedXML, "The XML you provided lists %d objects; at most %d may be deleted in one request.", len(req.Objects), maxDeleteObjects)
	}
	return req, nil
}

// deleteObjects deletes each listed key the caller may s3:DeleteObject and
// reports every outcome (only failures when Quiet). Content-MD5 or a checksum
// header is verified by authn when present and not required.
func (h *handler) deleteObjects(rq *request) (*response, error) {
	if _, err := h.backend.HeadBucket(rq.ctx, rq.bucket); err != nil {
		return nil, err
	}
	body, err := readRequestXML(rq, maxXMLBody)
	if err != nil {
		return nil, err
	}
	req, err := decodeDeleteRequest(body)
	if err != nil {
		return nil, err
	}
	doc := deleteResult{Xmlns: s3Namespace}
	fail := func(key string, err error) {
		ae, known := toAPIError(err)
		if !known {
			h.log.ErrorContext(rq.ctx, "s3 DeleteObjects: internal error", "bucket", rq.bucket, "error", err.Error())
		}
		doc.Errors = append(doc.Errors, deleteErrorEntry{Key: key, Code: ae.code.name(), Message: ae.message})
	}
	for _, o := range req.Objects {
		switch {
		case validKey(o.Key) != nil:
			fail(o.Key, validKey(o.Key))
			continue
		case o.VersionID != "" && o.VersionID != "null":
			fail(o.Key, apiErrorf(codeNotImplemented, "Deleting a specific object version is not implemented: fedstore keeps no object versions."))
			continue
		}
		if err := h.authorize(rq, "s3:DeleteObject", scopeObject, rq.bucket, o.Key); err != nil {
			if errors.Is(err, authn.ErrAccessDenied) {
				err = apiErrorf(codeAccessDenied, "Access Denied.")
			}
			fail(o.Key, err)
			continue
		}
		if err := h.backend.DeleteObject(rq.ctx, rq.bucket, o.Key); err != nil {
			fail(o.Key, err)
			continue
		}
		if !req.Quiet {
			doc.Deleted = append(doc.Deleted, deletedEntry{Key: o.Key})
		}
	}
	return xmlResponse(doc), nil
}
