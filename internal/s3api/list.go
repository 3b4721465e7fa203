package s3api

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fedstore/fedstore/internal/object"
)

// listParams is a ListObjects / ListObjectsV2 request after decoding.
type listParams struct {
	v2                bool
	prefix            string
	delimiter         string
	maxKeys           int
	encodeURL         bool
	marker            string // V1 marker
	continuationToken string // V2, as sent
	startAfter        string // V2
	fetchOwner        bool
	opts              object.ListOptions
}

// tokenPrefix marks fedstore's continuation tokens: base64url("c1:" + last key).
const tokenPrefix = "c1:"

func encodeToken(marker string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenPrefix + marker))
}

func decodeToken(tok string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", false
	}
	m, ok := strings.CutPrefix(string(b), tokenPrefix)
	if !ok || !utf8.ValidString(m) {
		return "", false
	}
	return m, true
}

// decodeListParams validates the query of a V1 (v2 false) or V2 listing.
func decodeListParams(q url.Values, v2 bool) (listParams, error) {
	p := listParams{
		v2:        v2,
		prefix:    q.Get("prefix"),
		delimiter: q.Get("delimiter"),
		maxKeys:   maxListKeys,
	}
	if v2 && q.Get("list-type") != "2" {
		return p, apiErrorf(codeInvalidArgument, "Invalid list-type %q: only 2 (ListObjectsV2) is supported here; omit it for ListObjects.", q.Get("list-type"))
	}
	if vs, ok := q["max-keys"]; ok {
		s := ""
		if len(vs) > 0 {
			s = vs[0]
		}
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return p, apiErrorf(codeInvalidArgument, "Provided max-keys not an integer or within integer range: %q.", s)
		}
		if n < 0 {
			return p, apiErrorf(codeInvalidArgument, "Argument max-keys must be an integer between 0 and 2147483647; got %d.", n)
		}
		p.maxKeys = int(min(n, maxListKeys))
	}
	if vs, ok := q["encoding-type"]; ok {
		if len(vs) == 0 || vs[0] != "url" {
			return p, apiErrorf(codeInvalidArgument, "Invalid Encoding Method specified in Request: only \"url\" is supported.")
		}
		p.encodeURL = true
	}
	for _, s := range []string{p.prefix, p.delimiter, q.Get("marker"), q.Get("start-after")} {
		if !utf8.ValidString(s) {
			return p, apiErrorf(codeInvalidArgument, "List parameters must be valid UTF-8.")
		}
	}
	if !v2 {
		p.marker = q.Get("marker")
		p.opts = object.ListOptions{Prefix: p.prefix, Delimiter: p.delimiter, Marker: p.marker, MaxKeys: p.maxKeys}
		return p, nil
	}
	p.startAfter = q.Get("start-after")
	p.fetchOwner = q.Get("fetch-owner") == "true"
	marker := p.startAfter
	if vs, ok := q["continuation-token"]; ok {
		tok := ""
		if len(vs) > 0 {
			tok = vs[0]
		}
		m, valid := decodeToken(tok)
		if !valid {
			return p, apiErrorf(codeInvalidArgument, "The continuation token provided is incorrect.")
		}
		p.continuationToken = tok
		marker = max(marker, m)
	}
	p.opts = object.ListOptions{Prefix: p.prefix, Delimiter: p.delimiter, Marker: marker, MaxKeys: p.maxKeys}
	return p, nil
}

// listPage decodes rq's listing parameters (v1 or v2) and lists one page of
// its bucket.
func (h *handler) listPage(rq *request, v2 bool) (listParams, object.ListResult, error) {
	p, err := decodeListParams(rq.query, v2)
	if err != nil {
		return p, object.ListResult{}, err
	}
	res, err := h.backend.ListObjects(rq.ctx, rq.bucket, p.opts)
	return p, res, err
}

func (h *handler) listObjectsV1(rq *request) (*response, error) {
	p, res, err := h.listPage(rq, false)
	if err != nil {
		return nil, err
	}
	enc := encoder(p.encodeURL)
	doc := listBucketResultV1{
		Xmlns:       s3Namespace,
		Name:        rq.bucket,
		Prefix:      enc(p.prefix),
		Marker:      enc(p.marker),
		MaxKeys:     p.maxKeys,
		Delimiter:   enc(p.delimiter),
		IsTruncated: res.IsTruncated,
	}
	if p.encodeURL {
		doc.EncodingType = "url"
	}
	if res.IsTruncated && p.delimiter != "" {
		doc.NextMarker = enc(res.NextMarker)
	}
	o := h.owner()
	doc.Contents = h.objectEntries(res.Objects, enc, &o)
	doc.CommonPrefixes = prefixEntries(res.CommonPrefixes, enc)
	return xmlResponse(doc), nil
}

func (h *handler) listObjectsV2(rq *request) (*response, error) {
	p, res, err := h.listPage(rq, true)
	if err != nil {
		return nil, err
	}
	enc := encoder(p.encodeURL)
	doc := listBucketResultV2{
		Xmlns:             s3Namespace,
		Name:              rq.bucket,
		Prefix:            enc(p.prefix),
		MaxKeys:           p.maxKeys,
		KeyCount:          len(res.Objects) + len(res.CommonPrefixes),
		Delimiter:         enc(p.delimiter),
		IsTruncated:       res.IsTruncated,
		ContinuationToken: p.continuationToken,
		StartAfter:        enc(p.startAfter),
	}
	if p.encodeURL {
		doc.EncodingType = "url"
	}
	if res.IsTruncated {
		doc.NextContinuationToken = encodeToken(res.NextMarker)
	}
	var o *owner
	if p.fetchOwner {
		ow := h.owner()
		o = &ow
	}
	doc.Contents = h.objectEntries(res.Objects, enc, o)
	doc.CommonPrefixes = prefixEntries(res.CommonPrefixes, enc)
	return xmlResponse(doc), nil
}

func (h *handler) objectEntries(objs []object.ObjectInfo, enc func(string) string, o *owner) []objectEntry {
	out := make([]objectEntry, 0, len(objs))
	for _, ob := range objs {
		e := objectEntry{
			Key:          enc(ob.Key),
			LastModified: xmlTime(ob.LastModified),
			ETag:         quoteETag(ob.ETag),
			Size:         ob.Size,
			Owner:        o,
			StorageClass: "STANDARD",
		}
		if ob.Checksum != nil {
			e.ChecksumAlgorithm = ob.Checksum.Algorithm
			e.ChecksumType = ob.Checksum.Type
		}
		out = append(out, e)
	}
	return out
}

func prefixEntries(ps []string, enc func(string) string) []commonPrefix {
	out := make([]commonPrefix, 0, len(ps))
	for _, p := range ps {
		out = append(out, commonPrefix{Prefix: enc(p)})
	}
	return out
}

// encoder returns the identity, or S3's encoding-type=url encoding.
func encoder(on bool) func(string) string {
	if !on {
		return func(s string) string { return s }
	}
	return s3URLEncode
}

// s3URLEncode percent-encodes s as S3 does for encoding-type=url: unreserved
// characters and "/" stay, a space becomes "+", every other byte is %XX. Both
// url.QueryUnescape and Python's unquote_plus (botocore) invert it.
func s3URLEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '-', c == '_', c == '.', c == '~', c == '/':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}
