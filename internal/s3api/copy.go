package s3api

import (
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/fedstore/fedstore/internal/object"
)

// copySource is a decoded x-amz-copy-source.
type copySource struct {
	bucket, key string
}

// parseCopySource decodes "bucket/key" or "/bucket/key" (URL-encoded),
// optionally followed by "?versionId=...": only the unversioned "null" is
// accepted, since fedstore keeps no versions.
func parseCopySource(v string) (copySource, error) {
	bad := func(why string) error {
		return apiErrorf(codeInvalidArgument, "Invalid copy source %q: %s.", v, why)
	}
	raw, query, _ := strings.Cut(v, "?")
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil {
			return copySource{}, bad("malformed query")
		}
		for k := range q {
			if k != "versionId" {
				return copySource{}, bad("unknown parameter " + k)
			}
		}
		if vid := q.Get("versionId"); vid != "null" {
			return copySource{}, apiErrorf(codeNotImplemented, "Copying a specific object version is not implemented: fedstore keeps no object versions (versionId %q).", vid)
		}
	}
	path, err := url.PathUnescape(raw)
	if err != nil {
		return copySource{}, bad("malformed URL encoding")
	}
	path = strings.TrimPrefix(path, "/")
	bucket, key, _ := strings.Cut(path, "/")
	if bucket == "" || key == "" {
		return copySource{}, bad("it must name a bucket and a key, as bucket/key")
	}
	if err := validBucketName(bucket); err != nil {
		return copySource{}, err
	}
	if err := validKey(key); err != nil {
		return copySource{}, err
	}
	return copySource{bucket: bucket, key: key}, nil
}

// openCopySource authorizes s3:GetObject on the source, opens it, and applies
// the x-amz-copy-source-if-* conditions.
func (h *handler) openCopySource(rq *request) (copySource, *object.Object, error) {
	src, err := parseCopySource(rq.r.Header.Get("X-Amz-Copy-Source"))
	if err != nil {
		return src, nil, err
	}
	if err := h.authorize(rq, "s3:GetObject", scopeObject, src.bucket, src.key); err != nil {
		return src, nil, err
	}
	obj, err := h.backend.GetObject(rq.ctx, src.bucket, src.key)
	if err != nil {
		return src, nil, err
	}
	if checkConditions(rq.r.Header, "X-Amz-Copy-Source-", true, obj.Info.ETag, obj.Info.LastModified) != condOK {
		obj.Body.Close()
		return src, nil, apiErrorf(codePreconditionFailed, "At least one of the pre-conditions you specified did not hold.")
	}
	return src, obj, nil
}

func (h *handler) copyObject(rq *request) (*response, error) {
	directive := rq.r.Header.Get("X-Amz-Metadata-Directive")
	switch directive {
	case "", "COPY", "REPLACE":
	default:
		return nil, apiErrorf(codeInvalidArgument, "Unknown metadata directive %q: use COPY or REPLACE.", directive)
	}
	if err := rejectUnsupportedPutHeaders(rq.r.Header); err != nil {
		return nil, err
	}
	if d := rq.r.Header.Get("X-Amz-Tagging-Directive"); d == "REPLACE" {
		return nil, apiErrorf(codeNotImplemented, "Object tagging is not implemented.")
	}
	src, obj, err := h.openCopySource(rq)
	if err != nil {
		return nil, err
	}
	defer obj.Body.Close()
	if src.bucket == rq.bucket && src.key == rq.key && directive != "REPLACE" {
		return nil, apiErrorf(codeInvalidRequest, "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	if obj.Info.Size > maxSinglePut {
		return nil, apiErrorf(codeInvalidRequest, "The specified copy source is larger than the maximum allowable size for a copy source: %d.", int64(maxSinglePut))
	}
	md := obj.Info.Metadata
	if directive == "REPLACE" {
		if md, err = metadataFromHeaders(rq.r.Header); err != nil {
			return nil, err
		}
	}
	info, err := h.backend.PutObject(rq.ctx, rq.bucket, rq.key, obj.Body, object.PutOptions{
		Metadata: md,
		Size:     obj.Info.Size,
		Checksum: copiedChecksum(obj.Info.Checksum),
	})
	if err != nil {
		return nil, err
	}
	return xmlResponse(copyObjectResult{
		Xmlns:          s3Namespace,
		ETag:           quoteETag(info.ETag),
		LastModified:   xmlTime(info.LastModified),
		checksumFields: checksumXML(info.Checksum, false),
	}), nil
}

// copiedChecksum carries a full-object checksum over to the copy: the bytes
// are the same. A composite (multipart) checksum describes parts the copy
// does not have, so it is dropped.
func copiedChecksum(c *object.Checksum) func() *object.Checksum {
	if c == nil || c.Type == object.ChecksumComposite {
		return nil
	}
	cc := *c
	return func() *object.Checksum { return &cc }
}

func (h *handler) uploadPartCopy(rq *request) (*response, error) {
	uploadID, part, err := partParams(rq)
	if err != nil {
		return nil, err
	}
	_, obj, err := h.openCopySource(rq)
	if err != nil {
		return nil, err
	}
	defer obj.Body.Close()
	var body io.Reader = obj.Body
	size := obj.Info.Size
	if v := rq.r.Header.Get("X-Amz-Copy-Source-Range"); v != "" {
		rng, err := parseCopySourceRange(v, obj.Info.Size)
		if err != nil {
			return nil, err
		}
		if _, err := obj.Body.Seek(rng.start, io.SeekStart); err != nil {
			return nil, err
		}
		body, size = io.LimitReader(obj.Body, rng.length), rng.length
	}
	if size > maxSinglePut {
		return nil, apiErrorf(codeInvalidRequest, "The specified copy source range is larger than the maximum allowable part size: %d.", int64(maxSinglePut))
	}
	info, err := h.backend.UploadPart(rq.ctx, rq.bucket, rq.key, uploadID, part, body, object.PartOptions{Size: size})
	if err != nil {
		return nil, err
	}
	resp := xmlResponse(copyPartResult{
		Xmlns:        s3Namespace,
		ETag:         quoteETag(info.ETag),
		LastModified: xmlTime(info.LastModified),
	})
	resp.status = http.StatusOK
	return resp, nil
}
