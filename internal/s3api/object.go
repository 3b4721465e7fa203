package s3api

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/fedstore/fedstore/internal/authn"
	"github.com/fedstore/fedstore/internal/object"
)

func (h *handler) putObject(rq *request) (*response, error) {
	opts, err := h.putOptions(rq)
	if err != nil {
		return nil, err
	}
	body, err := h.limitBody(rq.auth)
	if err != nil {
		return nil, err
	}
	info, err := h.backend.PutObject(rq.ctx, rq.bucket, rq.key, body, opts)
	if err != nil {
		return nil, err
	}
	resp := &response{}
	resp.setHeader("ETag", quoteETag(info.ETag))
	setChecksumHeader(resp, info.Checksum, rq.auth)
	return resp, nil
}

// putOptions decodes what a PutObject or CreateMultipartUpload request says
// about the object: metadata, Content-MD5, length and checksum.
func (h *handler) putOptions(rq *request) (object.PutOptions, error) {
	if err := rejectUnsupportedPutHeaders(rq.r.Header); err != nil {
		return object.PutOptions{}, err
	}
	md, err := metadataFromHeaders(rq.r.Header)
	if err != nil {
		return object.PutOptions{}, err
	}
	md5, err := contentMD5(rq.r.Header)
	if err != nil {
		return object.PutOptions{}, err
	}
	return object.PutOptions{
		Metadata:   md,
		ContentMD5: md5,
		Size:       rq.auth.ContentLength,
		Checksum:   checksumFunc(rq.auth),
	}, nil
}

// rejectUnsupportedPutHeaders refuses requests whose headers ask for behaviour
// fedstore does not have, rather than silently ignoring it.
func rejectUnsupportedPutHeaders(hdr http.Header) error {
	if err := checkCannedACL(hdr); err != nil {
		return err
	}
	for _, name := range []string{
		"X-Amz-Server-Side-Encryption", "X-Amz-Server-Side-Encryption-Customer-Algorithm",
		"X-Amz-Object-Lock-Mode", "X-Amz-Object-Lock-Legal-Hold", "X-Amz-Website-Redirect-Location",
		"If-Match", "If-None-Match",
	} {
		if hdr.Get(name) != "" {
			return apiErrorf(codeNotImplemented, "The %s header is not implemented.", name)
		}
	}
	return nil
}

// metadataFromHeaders collects the standard object headers and x-amz-meta-*.
func metadataFromHeaders(hdr http.Header) (object.Metadata, error) {
	md := object.Metadata{
		ContentType:        hdr.Get("Content-Type"),
		ContentEncoding:    stripAWSChunked(hdr.Get("Content-Encoding")),
		ContentDisposition: hdr.Get("Content-Disposition"),
		ContentLanguage:    hdr.Get("Content-Language"),
		CacheControl:       hdr.Get("Cache-Control"),
		Expires:            hdr.Get("Expires"),
	}
	size := 0
	for k, vs := range hdr {
		name, ok := strings.CutPrefix(strings.ToLower(k), "x-amz-meta-")
		if !ok {
			continue
		}
		if name == "" {
			return object.Metadata{}, apiErrorf(codeInvalidArgument, "A user metadata header needs a name after x-amz-meta-.")
		}
		if md.User == nil {
			md.User = map[string]string{}
		}
		v := strings.Join(vs, ",")
		md.User[name] = v
		size += len(name) + len(v)
	}
	if size > maxUserMetadata {
		return object.Metadata{}, apiErrorf(codeMetadataTooLarge, "Your metadata headers exceed the maximum allowed metadata size: %d bytes, the limit is %d.", size, maxUserMetadata)
	}
	return md, nil
}

// stripAWSChunked removes the aws-chunked transfer coding, which describes the
// request, not the object.
func stripAWSChunked(ce string) string {
	var keep []string
	for _, c := range strings.Split(ce, ",") {
		c = strings.TrimSpace(c)
		if c != "" && !strings.EqualFold(c, "aws-chunked") {
			keep = append(keep, c)
		}
	}
	return strings.Join(keep, ",")
}

// contentMD5 decodes Content-MD5: base64 of exactly 16 bytes, else InvalidDigest.
func contentMD5(hdr http.Header) ([]byte, error) {
	vs, ok := hdr["Content-Md5"]
	if !ok {
		return nil, nil
	}
	v := ""
	if len(vs) > 0 {
		v = vs[0]
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
	if err != nil || len(b) != 16 {
		return nil, apiErrorf(codeInvalidDigest, "The Content-MD5 you specified is not valid: it must be the base64 encoding of a 16-byte MD5 digest.")
	}
	return b, nil
}

// checksumFunc reports the additional checksum authn verified, once the body is read.
func checksumFunc(res *authn.Result) func() *object.Checksum {
	if res.ChecksumAlgorithm == "" {
		return nil
	}
	alg := res.ChecksumAlgorithm
	get := res.Checksum
	return func() *object.Checksum {
		v := get()
		if v == "" {
			return nil
		}
		return &object.Checksum{Algorithm: alg, Value: v, Type: "FULL_OBJECT"}
	}
}

// setChecksumHeader echoes the stored (or else the verified) checksum as
// x-amz-checksum-<alg>.
func setChecksumHeader(resp *response, c *object.Checksum, res *authn.Result) {
	if c == nil && res != nil {
		if f := checksumFunc(res); f != nil {
			c = f()
		}
	}
	if c != nil && c.Algorithm != "" && c.Value != "" {
		resp.setHeader("X-Amz-Checksum-"+strings.ToLower(c.Algorithm), c.Value)
	}
}

// limitBody returns the body to store, refusing more than the single-PUT limit.
func (h *handler) limitBody(res *authn.Result) (io.Reader, error) {
	if res.ContentLength > h.maxObjectSize {
		return nil, apiErrorf(codeEntityTooLarge, "Your proposed upload of %d bytes exceeds the maximum allowed object size of %d bytes.", res.ContentLength, h.maxObjectSize)
	}
	if res.ContentLength >= 0 {
		return res.Body, nil
	}
	return &maxReader{r: res.Body, left: h.maxObjectSize}, nil
}

// maxReader fails with EntityTooLarge once more than left bytes are read.
type maxReader struct {
	r    io.Reader
	left int64
}

func (m *maxReader) Read(p []byte) (int, error) {
	if int64(len(p)) > m.left+1 {
		p = p[:m.left+1]
	}
	n, err := m.r.Read(p)
	m.left -= int64(n)
	if m.left < 0 {
		return 0, apiErrorf(codeEntityTooLarge, "Your proposed upload exceeds the maximum allowed object size.")
	}
	return n, err
}

func (h *handler) getObject(rq *request) (*response, error) {
	overrides, err := responseOverrides(rq.query)
	if err != nil {
		return nil, err
	}
	obj, err := h.backend.GetObject(rq.ctx, rq.bucket, rq.key)
	if err != nil {
		return nil, err
	}
	resp, rng, err := h.objectResponse(rq, obj.Info)
	if err != nil || resp.status == http.StatusNotModified {
		obj.Body.Close()
		return resp, err
	}
	for k, v := range overrides {
		resp.setHeader(k, v)
	}
	resp.body, resp.closer, resp.size = obj.Body, obj.Body, obj.Info.Size
	if rng != nil {
		if _, err := obj.Body.Seek(rng.start, io.SeekStart); err != nil {
			obj.Body.Close()
			return nil, err
		}
		resp.body = &io.LimitedReader{R: obj.Body, N: rng.length}
		resp.size = rng.length
	}
	return resp, nil
}

func (h *handler) headObject(rq *request) (*response, error) {
	info, err := h.backend.HeadObject(rq.ctx, rq.bucket, rq.key)
	if err != nil {
		return nil, err
	}
	resp, rng, err := h.objectResponse(rq, info)
	if err != nil || resp.status == http.StatusNotModified {
		return resp, err
	}
	size := info.Size
	if rng != nil {
		size = rng.length
	}
	resp.setHeader("Content-Length", strconv.FormatInt(size, 10))
	return resp, nil
}

// objectResponse applies a GET/HEAD's conditionals and Range to info and
// returns the response headers (and the range to send, if any). A 304 comes
// back as a response, a 412 or 416 as an error.
func (h *handler) objectResponse(rq *request, info object.ObjectInfo) (*response, *byteRange, error) {
	resp := &response{header: objectHeaders(info)}
	switch checkConditions(rq.r.Header, "", false, info.ETag, info.LastModified) {
	case condFailed:
		return nil, nil, apiErrorf(codePreconditionFailed, "At least one of the pre-conditions you specified did not hold.")
	case condNotModified:
		resp.header.Del("Content-Type")
		resp.status = http.StatusNotModified
		return resp, nil, nil
	}
	rng, err := parseRange(rq.r.Header.Get("Range"), info.Size)
	if err != nil {
		return nil, nil, err
	}
	if rng != nil {
		resp.status = http.StatusPartialContent
		resp.setHeader("Content-Range", rng.contentRange(info.Size))
	} else if strings.EqualFold(rq.r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") && info.Checksum != nil {
		setChecksumHeader(resp, info.Checksum, nil)
		if info.Checksum.Type != "" {
			resp.setHeader("X-Amz-Checksum-Type", info.Checksum.Type)
		}
	}
	return resp, rng, nil
}

// objectHeaders are the headers S3 sends with an object.
func objectHeaders(info object.ObjectInfo) http.Header {
	hdr := http.Header{}
	hdr.Set("ETag", quoteETag(info.ETag))
	hdr.Set("Last-Modified", info.LastModified.UTC().Format(http.TimeFormat))
	hdr.Set("Accept-Ranges", "bytes")
	ct := info.Metadata.ContentType
	if ct == "" {
		ct = "binary/octet-stream"
	}
	hdr.Set("Content-Type", ct)
	for name, v := range map[string]string{
		"Content-Encoding":    info.Metadata.ContentEncoding,
		"Content-Disposition": info.Metadata.ContentDisposition,
		"Content-Language":    info.Metadata.ContentLanguage,
		"Cache-Control":       info.Metadata.CacheControl,
		"Expires":             info.Metadata.Expires,
	} {
		if v != "" {
			hdr.Set(name, v)
		}
	}
	keys := make([]string, 0, len(info.Metadata.User))
	for k := range info.Metadata.User {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		// S3 sends user metadata names in lower case; Set would canonicalise them.
		hdr["x-amz-meta-"+k] = []string{info.Metadata.User[k]}
	}
	if info.PartsCount > 0 {
		hdr.Set("X-Amz-Mp-Parts-Count", strconv.Itoa(info.PartsCount))
	}
	return hdr
}

// responseOverrides are GetObject's response-* query parameters.
func responseOverrides(q url.Values) (map[string]string, error) {
	out := map[string]string{}
	for param, hdr := range map[string]string{
		"response-content-type":        "Content-Type",
		"response-content-language":    "Content-Language",
		"response-expires":             "Expires",
		"response-cache-control":       "Cache-Control",
		"response-content-disposition": "Content-Disposition",
		"response-content-encoding":    "Content-Encoding",
	} {
		if vs, ok := q[param]; ok && len(vs) > 0 {
			if strings.ContainsAny(vs[0], "\r\n") {
				return nil, apiErrorf(codeInvalidArgument, "The %s parameter must not contain line breaks.", param)
			}
			out[hdr] = vs[0]
		}
	}
	return out, nil
}

func (h *handler) deleteObject(rq *request) (*response, error) {
	if err := h.backend.DeleteObject(rq.ctx, rq.bucket, rq.key); err != nil {
		return nil, err
	}
	return &response{status: http.StatusNoContent}, nil
}
