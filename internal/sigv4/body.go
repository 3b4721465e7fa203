package sigv4

import (
	"crypto/md5" //nolint:gosec // Content-MD5 is an integrity check defined by HTTP/S3
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Body is a request body with its framing removed and every declared digest
// verified while it is read: x-amz-content-sha256 (hex), chunk and trailer
// signatures, the x-amz-checksum-* value (header or trailer) and Content-MD5.
// A mismatch is returned by the Read that would have returned io.EOF, at
// the latest.
type Body struct {
	r      io.Reader
	closer io.Closer
	// ContentLength is the decoded payload length, -1 if unknown.
	ContentLength int64
	// Algorithm is the additional checksum being computed, or "".
	Algorithm ChecksumAlgorithm

	checksum string // base64, set at EOF
	err      error
	length   lengthReader // the innermost reader but for signed chunks
}

// Read implements io.Reader.
func (b *Body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.r.Read(p)
	if err != nil {
		b.err = err
	}
	return n, err
}

// Close closes the underlying request body.
func (b *Body) Close() error {
	if b.closer == nil {
		return nil
	}
	return b.closer.Close()
}

// Checksum returns the verified (or computed) base64 checksum of Algorithm
// once Read has returned io.EOF, else "".
func (b *Body) Checksum() string {
	if !errors.Is(b.err, io.EOF) {
		return ""
	}
	return b.checksum
}

// NewBody wraps r.Body according to payloadHash (the x-amz-content-sha256
// value, or "" for an anonymous request that sent none). signing is needed
// for the signed streaming modes (nil for anonymous requests, which may then
// only use unsigned modes). It does not read the body.
func NewBody(r *http.Request, payloadHash string, signing *ChunkSigning) (*Body, error) {
	spec, err := ParseChecksumHeaders(r.Header)
	if err != nil {
		return nil, err
	}
	if isCompleteMultipartUpload(r) {
		// Its x-amz-checksum-* headers describe the whole object, not this
		// XML body.
		spec = ChecksumSpec{}
	}
	md5sum, err := contentMD5(r.Header)
	if err != nil {
		return nil, err
	}
	var src io.Reader = http.NoBody
	if r.Body != nil {
		src = r.Body
	}
	b := &Body{closer: r.Body, ContentLength: r.ContentLength, Algorithm: spec.Algorithm}
	var chunked *ChunkedReader
	switch payloadHash {
	case "", UnsignedPayload:
		if spec.Trailer {
			return nil, fmt.Errorf("%w: x-amz-trailer requires a STREAMING-*-TRAILER x-amz-content-sha256", ErrInvalidRequest)
		}
		b.length = lengthReader{r: src, want: r.ContentLength}
		src = &b.length
	case StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedTrailer:
		trailer := payloadHash != StreamingPayload
		if trailer != spec.Trailer {
			if trailer {
				return nil, fmt.Errorf("%w: %s requires an x-amz-trailer header", ErrInvalidRequest, payloadHash)
			}
			return nil, fmt.Errorf("%w: x-amz-trailer is only allowed with a STREAMING-*-TRAILER x-amz-content-sha256", ErrInvalidRequest)
		}
		opts := ChunkedOptions{Trailer: trailer}
		if payloadHash != StreamingUnsignedTrailer {
			if signing == nil {
				return nil, fmt.Errorf("%w: %s needs a signed request", ErrInvalidRequest, payloadHash)
			}
			opts.Signing = signing
		}
		if trailer {
			opts.TrailerNames = []string{spec.Algorithm.Header()}
		}
		dl := r.Header.Get("X-Amz-Decoded-Content-Length")
		if dl == "" {
			return nil, fmt.Errorf("%w: x-amz-decoded-content-length is required with %s", ErrMissingContentLength, payloadHash)
		}
		n, err := strconv.ParseInt(dl, 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%w: x-amz-decoded-content-length %q is not a non-negative integer", ErrInvalidArgument, truncate(dl))
		}
		opts.DecodedLength = n
		b.ContentLength = n
		chunked = NewChunkedReader(src, opts)
		src = chunked
	default:
		if !isHexSHA256(payloadHash) {
			return nil, checkPayloadHash(payloadHash)
		}
		if spec.Trailer {
			return nil, fmt.Errorf("%w: x-amz-trailer requires a STREAMING-*-TRAILER x-amz-content-sha256", ErrInvalidRequest)
		}
		if emptyBody(r) && strings.EqualFold(payloadHash, EmptySHA256) {
			// Nothing to read, and the digest of nothing is the declared
			// one: reading src gives io.EOF at once, as the wrapped readers
			// would.
			break
		}
		want, _ := hex.DecodeString(payloadHash)
		b.length = lengthReader{r: src, want: r.ContentLength}
		src = &digestReader{
			r: &b.length,
			h: sha256.New(),
			check: func(sum []byte) error {
				if !hmacEqual(sum, want) {
					return fmt.Errorf("%w: computed %x", ErrXAmzContentSHA256Mismatch, sum)
				}
				return nil
			},
		}
	}
	if spec.Algorithm != "" {
		alg := spec.Algorithm
		src = &digestReader{r: src, h: alg.New(), check: func(sum []byte) error {
			got := base64.StdEncoding.EncodeToString(sum)
			want := spec.Value
			if spec.Trailer {
				want, _ = chunked.Trailer(alg.Header())
				if err := alg.checkValue(want); err != nil {
					return err
				}
			}
			if want != "" && want != got {
				return fmt.Errorf("%w: %s %s does not match the computed %s", ErrBadDigest, alg.Header(), want, got)
			}
			b.checksum = got
			return nil
		}}
	}
	if md5sum != nil {
		src = &digestReader{r: src, h: md5.New(), check: func(sum []byte) error { //nolint:gosec
			if !hmacEqual(sum, md5sum) {
				return fmt.Errorf("%w: Content-MD5 does not match the body", ErrBadDigest)
			}
			return nil
		}}
	}
	b.r = src
	return b, nil
}

// emptyBody reports whether r has no body to read (as net/http hands a
// server a request without Content-Length or Transfer-Encoding).
func emptyBody(r *http.Request) bool {
	return (r.Body == nil || r.Body == http.NoBody) && r.ContentLength == 0
}

func contentMD5(h http.Header) ([]byte, error) {
	v := h.Values("Content-Md5")
	if len(v) == 0 {
		return nil, nil
	}
	if len(v) > 1 {
		return nil, fmt.Errorf("%w: more than one Content-MD5 header", ErrInvalidDigest)
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v[0]))
	if err != nil || len(b) != md5.Size {
		return nil, fmt.Errorf("%w: Content-MD5 must be the base64 of a 16-byte MD5 digest", ErrInvalidDigest)
	}
	return b, nil
}

// isCompleteMultipartUpload reports POST /bucket/key?uploadId=...
func isCompleteMultipartUpload(r *http.Request) bool {
	if r.Method != http.MethodPost || r.URL == nil {
		return false
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	return err == nil && q.Has("uploadId")
}

// digestReader hashes what it reads and runs check at io.EOF.
type digestReader struct {
	r     io.Reader
	h     hash.Hash
	check func(sum []byte) error
	err   error
}

func (d *digestReader) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	n, err := d.r.Read(p)
	d.h.Write(p[:n])
	if errors.Is(err, io.EOF) {
		if cerr := d.check(d.h.Sum(nil)); cerr != nil {
			err = cerr
		}
	}
	if err != nil {
		d.err = err
	}
	return n, err
}

// lengthReader turns a short body (fewer bytes than Content-Length) into
// ErrIncompleteBody.
type lengthReader struct {
	r    io.Reader
	want int64 // -1: unknown
	n    int64
}

func (l *lengthReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		err = fmt.Errorf("%w: body ended after %d bytes", ErrIncompleteBody, l.n)
	case errors.Is(err, io.EOF) && l.want >= 0 && l.n < l.want:
		err = fmt.Errorf("%w: body has %d bytes, Content-Length says %d", ErrIncompleteBody, l.n, l.want)
	}
	return n, err
}
