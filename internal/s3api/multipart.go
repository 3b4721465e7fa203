package s3api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fedstore/fedstore/internal/object"
)

func (h *handler) createMultipartUpload(rq *request) (*response, error) {
	opts, err := h.putOptions(rq)
	if err != nil {
		return nil, err
	}
	opts.Size, opts.Checksum, opts.ContentMD5 = -1, nil, nil
	alg := strings.ToUpper(rq.r.Header.Get("X-Amz-Checksum-Algorithm"))
	switch alg {
	case "", "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256":
	default:
		return nil, apiErrorf(codeInvalidArgument, "Checksum algorithm %q is not supported: use CRC32, CRC32C, CRC64NVME, SHA1 or SHA256.", alg)
	}
	if ct := rq.r.Header.Get("X-Amz-Checksum-Type"); ct != "" && ct != object.ChecksumComposite {
		return nil, apiErrorf(codeNotImplemented, "Checksum type %q is not implemented for multipart uploads: fedstore computes COMPOSITE checksums.", ct)
	}
	opts.ChecksumAlgorithm = alg
	id, err := h.backend.CreateMultipartUpload(rq.ctx, rq.bucket, rq.key, opts)
	if err != nil {
		return nil, err
	}
	resp := xmlResponse(initiateMultipartUploadResult{Xmlns: s3Namespace, Bucket: rq.bucket, Key: rq.key, UploadID: id})
	if alg != "" {
		resp.setHeader("X-Amz-Checksum-Algorithm", alg)
	}
	return resp, nil
}

// partParams validates uploadId and partNumber (1..10000).
func partParams(rq *request) (string, int, error) {
	id := rq.query.Get("uploadId")
	if id == "" {
		return "", 0, apiErrorf(codeInvalidArgument, "The uploadId parameter must not be empty.")
	}
	n, err := strconv.Atoi(rq.query.Get("partNumber"))
	if err != nil || n < 1 || n > object.MaxPartNumber {
		return "", 0, apiErrorf(codeInvalidArgument, "Part number must be an integer between 1 and %d, inclusive.", object.MaxPartNumber)
	}
	return id, n, nil
}

func (h *handler) uploadPart(rq *request) (*response, error) {
	id, n, err := partParams(rq)
	if err != nil {
		return nil, err
	}
	md5, err := contentMD5(rq.r.Header)
	if err != nil {
		return nil, err
	}
	body, err := h.limitBody(rq.auth)
	if err != nil {
		return nil, err
	}
	info, err := h.backend.UploadPart(rq.ctx, rq.bucket, rq.key, id, n, body, object.PartOptions{
		ContentMD5: md5,
		Size:       rq.auth.ContentLength,
		Checksum:   checksumFunc(rq.auth),
	})
	if err != nil {
		return nil, err
	}
	resp := &response{}
	resp.setHeader("ETag", quoteETag(info.ETag))
	setChecksumHeader(resp, info.Checksum, rq.auth)
	return resp, nil
}

// decodeCompleteRequest parses a CompleteMultipartUpload body into parts.
func decodeCompleteRequest(body []byte) ([]object.CompletePart, error) {
	var req completeRequest
	if err := decodeXML(body, &req); err != nil {
		return nil, err
	}
	if len(req.Parts) == 0 {
		return nil, apiErrorf(codeMalformedXML, "The XML you provided did not validate: you must specify at least one part.")
	}
	if len(req.Parts) > object.MaxPartNumber {
		return nil, apiErrorf(codeMalformedXML, "The XML you provided lists %d parts; at most %d are allowed.", len(req.Parts), object.MaxPartNumber)
	}
	parts := make([]object.CompletePart, 0, len(req.Parts))
	for _, p := range req.Parts {
		if p.PartNumber < 1 || p.PartNumber > object.MaxPartNumber {
			return nil, apiErrorf(codeInvalidArgument, "Part number must be an integer between 1 and %d, inclusive; got %d.", object.MaxPartNumber, p.PartNumber)
		}
		if bareETag(p.ETag) == "" {
			return nil, apiErrorf(codeInvalidPart, "Part %d has no ETag.", p.PartNumber)
		}
		parts = append(parts, object.CompletePart{PartNumber: p.PartNumber, ETag: quoteETag(p.ETag), Checksum: p.checksum()})
	}
	return parts, nil
}

func (h *handler) completeMultipartUpload(rq *request) (*response, error) {
	id := rq.query.Get("uploadId")
	if id == "" {
		return nil, apiErrorf(codeInvalidArgument, "The uploadId parameter must not be empty.")
	}
	body, err := readRequestXML(rq, maxXMLBody)
	if err != nil {
		return nil, err
	}
	parts, err := decodeCompleteRequest(body)
	if err != nil {
		return nil, err
	}
	info, err := h.backend.CompleteMultipartUpload(rq.ctx, rq.bucket, rq.key, id, parts)
	if err != nil {
		return nil, err
	}
	scheme := "http"
	if rq.r.TLS != nil {
		scheme = "https"
	}
	loc := url.URL{Scheme: scheme, Host: rq.r.Host, Path: "/" + rq.bucket + "/" + rq.key}
	resp := xmlResponse(completeMultipartUploadResult{
		Xmlns:          s3Namespace,
		Location:       loc.String(),
		Bucket:         rq.bucket,
		Key:            rq.key,
		ETag:           quoteETag(info.ETag),
		checksumFields: checksumXML(info.Checksum, true),
	})
	return resp, nil
}

func (h *handler) abortMultipartUpload(rq *request) (*response, error) {
	id := rq.query.Get("uploadId")
	if id == "" {
		return nil, apiErrorf(codeInvalidArgument, "The uploadId parameter must not be empty.")
	}
	if err := h.backend.AbortMultipartUpload(rq.ctx, rq.bucket, rq.key, id); err != nil {
		return nil, err
	}
	return &response{status: http.StatusNoContent}, nil
}

// intParam decodes an optional non-negative integer query parameter.
func intParam(q url.Values, name string, def, limit int) (int, error) {
	vs, ok := q[name]
	if !ok {
		return def, nil
	}
	s := ""
	if len(vs) > 0 {
		s = vs[0]
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < 0 {
		return 0, apiErrorf(codeInvalidArgument, "Argument %s must be an integer between 0 and 2147483647; got %q.", name, s)
	}
	return int(min(n, int64(limit))), nil
}

func (h *handler) listParts(rq *request) (*response, error) {
	id := rq.query.Get("uploadId")
	if id == "" {
		return nil, apiErrorf(codeInvalidArgument, "The uploadId parameter must not be empty.")
	}
	maxParts, err := intParam(rq.query, "max-parts", 1000, 1000)
	if err != nil {
		return nil, err
	}
	marker, err := intParam(rq.query, "part-number-marker", 0, object.MaxPartNumber)
	if err != nil {
		return nil, err
	}
	res, err := h.backend.ListParts(rq.ctx, rq.bucket, rq.key, id, object.ListPartsOptions{PartNumberMarker: marker, MaxParts: maxParts})
	if err != nil {
		return nil, err
	}
	o := h.owner()
	doc := listPartsResult{
		Xmlns:                s3Namespace,
		Bucket:               rq.bucket,
		Key:                  rq.key,
		UploadID:             id,
		Initiator:            o,
		Owner:                o,
		StorageClass:         "STANDARD",
		PartNumberMarker:     marker,
		NextPartNumberMarker: res.NextPartNumberMarker,
		MaxParts:             maxParts,
		IsTruncated:          res.IsTruncated,
		ChecksumAlgorithm:    res.ChecksumAlgorithm,
		Parts:                make([]partEntry, 0, len(res.Parts)),
	}
	for _, p := range res.Parts {
		doc.Parts = append(doc.Parts, partEntry{
			PartNumber:     p.PartNumber,
			LastModified:   xmlTime(p.LastModified),
			ETag:           quoteETag(p.ETag),
			Size:           p.Size,
			checksumFields: checksumXML(p.Checksum, false),
		})
	}
	return xmlResponse(doc), nil
}

func (h *handler) listMultipartUploads(rq *request) (*response, error) {
	q := rq.query
	maxUploads, err := intParam(q, "max-uploads", 1000, 1000)
	if err != nil {
		return nil, err
	}
	encodeURL := false
	if vs, ok := q["encoding-type"]; ok {
		if len(vs) == 0 || vs[0] != "url" {
			return nil, apiErrorf(codeInvalidArgument, "Invalid Encoding Method specified in Request: only \"url\" is supported.")
		}
		encodeURL = true
	}
	opts := object.ListUploadsOptions{
		Prefix:         q.Get("prefix"),
		Delimiter:      q.Get("delimiter"),
		KeyMarker:      q.Get("key-marker"),
		UploadIDMarker: q.Get("upload-id-marker"),
		MaxUploads:     maxUploads,
	}
	res, err := h.backend.ListMultipartUploads(rq.ctx, rq.bucket, opts)
	if err != nil {
		return nil, err
	}
	enc := encoder(encodeURL)
	o := h.owner()
	doc := listMultipartUploadsResult{
		Xmlns:              s3Namespace,
		Bucket:             rq.bucket,
		KeyMarker:          enc(opts.KeyMarker),
		UploadIDMarker:     opts.UploadIDMarker,
		NextKeyMarker:      enc(res.NextKeyMarker),
		NextUploadIDMarker: res.NextUploadIDMarker,
		Delimiter:          enc(opts.Delimiter),
		Prefix:             enc(opts.Prefix),
		MaxUploads:         maxUploads,
		IsTruncated:        res.IsTruncated,
		Uploads:            make([]uploadEntry, 0, len(res.Uploads)),
		CommonPrefixes:     prefixEntries(res.CommonPrefixes, enc),
	}
	if encodeURL {
		doc.EncodingType = "url"
	}
	for _, u := range res.Uploads {
		doc.Uploads = append(doc.Uploads, uploadEntry{
			Key: enc(u.Key), UploadID: u.UploadID, Initiator: o, Owner: o,
			StorageClass: "STANDARD", Initiated: xmlTime(u.Initiated),
		})
	}
	return xmlResponse(doc), nil
}
