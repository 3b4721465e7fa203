package sigv4

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
)

// Bounds on the aws-chunked framing, against memory abuse.
const (
	maxChunkLine    = 4096 // a chunk header or trailer line, CRLF included
	maxTrailerLines = 16
	maxChunkSize    = 1 << 40
)

// ChunkSigning carries what verifying chunk signatures needs. A nil
// *ChunkSigning means unsigned chunks (STREAMING-UNSIGNED-PAYLOAD-TRAILER).
type ChunkSigning struct {
	Key     SigningKey
	AmzDate string
	Scope   string
	// Seed is the request's (seed) signature, hex, lower case.
	Seed string
}

// ChunkedOptions configures a ChunkedReader.
type ChunkedOptions struct {
	// Signing verifies chunk-signature extensions and x-amz-trailer-signature;
	// nil for unsigned chunks.
	Signing *ChunkSigning
	// Trailer is true when trailing headers follow the final chunk.
	Trailer bool
	// TrailerNames are the trailing headers allowed (lower case, from x-amz-trailer).
	TrailerNames []string
	// DecodedLength is x-amz-decoded-content-length: the payload length.
	DecodedLength int64
}

// ChunkedReader removes aws-chunked framing ("hex-size[;chunk-signature=sig]\r\n
// data\r\n" ..., a final 0-size chunk, optional trailing headers) and verifies
// it as it reads. Each chunk's signature is checked by the Read that returns
// its last byte; the trailer and the decoded length by the Read that returns
// io.EOF. Errors are sticky.
type ChunkedReader struct {
	br   *bufio.Reader
	opts ChunkedOptions

	remaining int64 // bytes left in the current chunk's data
	decoded   int64
	inChunk   bool
	chunkSig  [32]byte // signature the current chunk declares
	prevSig   [64]byte // hex signature chaining
	h         hash.Hash
	trailers  map[string]string
	err       error
	done      bool
}

// NewChunkedReader decodes aws-chunked data from r.
func NewChunkedReader(r io.Reader, opts ChunkedOptions) *ChunkedReader {
	c := &ChunkedReader{br: bufio.NewReaderSize(r, maxChunkLine), opts: opts}
	if opts.Signing != nil {
		copy(c.prevSig[:], opts.Signing.Seed)
		c.h = sha256.New()
	}
	return c
}

// Trailer returns a trailing header's value once Read has returned io.EOF.
func (c *ChunkedReader) Trailer(name string) (string, bool) {
	v, ok := c.trailers[name]
	return v, ok
}

// Read implements io.Reader.
func (c *ChunkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	for !c.inChunk {
		if c.done {
			return 0, io.EOF
		}
		if err := c.readChunkHeader(); err != nil {
			c.err = err
			return 0, err
		}
	}
	if len(p) == 0 {
		return 0, nil
	}
	if int64(len(p)) > c.remaining {
		p = p[:c.remaining]
	}
	n, err := c.br.Read(p)
	if n > 0 {
		if c.h != nil {
			c.h.Write(p[:n])
		}
		c.remaining -= int64(n)
		c.decoded += int64(n)
	}
	if err != nil {
		c.err = incomplete(err, "chunk data")
		return n, c.err
	}
	if c.remaining == 0 {
		if err := c.endChunk(); err != nil {
			c.err = err
			return n, err
		}
	}
	return n, nil
}

// incomplete maps a premature end of the body to ErrIncompleteBody.
func incomplete(err error, where string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: body ended in the middle of the %s", ErrIncompleteBody, where)
	}
	return err
}

// readLine reads one CRLF-terminated line (without the CRLF), bounded.
func (c *ChunkedReader) readLine(what string) ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("%w: aws-chunked %s longer than %d bytes", ErrInvalidRequest, what, maxChunkLine)
	}
	if err != nil {
		return nil, incomplete(err, what)
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("%w: aws-chunked %s is not terminated by CRLF", ErrInvalidRequest, what)
	}
	return line[:len(line)-2], nil
}

func (c *ChunkedReader) readChunkHeader() error {
	line, err := c.readLine("chunk header")
	if err != nil {
		return err
	}
	sizeHex, ext, hasExt := bytes.Cut(line, []byte(";"))
	if len(sizeHex) == 0 || len(sizeHex) > 16 {
		return fmt.Errorf("%w: aws-chunked chunk size %q is not 1-16 hexadecimal digits", ErrInvalidRequest, truncate(string(sizeHex)))
	}
	var size int64
	for _, ch := range sizeHex {
		var d byte
		switch {
		case '0' <= ch && ch <= '9':
			d = ch - '0'
		case 'a' <= ch && ch <= 'f':
			d = ch - 'a' + 10
		case 'A' <= ch && ch <= 'F':
			d = ch - 'A' + 10
		default:
			return fmt.Errorf("%w: aws-chunked chunk size %q is not hexadecimal", ErrInvalidRequest, truncate(string(sizeHex)))
		}
		size = size<<4 | int64(d)
		if size > maxChunkSize {
			return fmt.Errorf("%w: aws-chunked chunk size exceeds %d bytes", ErrInvalidRequest, int64(maxChunkSize))
		}
	}
	if c.opts.Signing != nil {
		sig, ok := bytes.CutPrefix(ext, []byte("chunk-signature="))
		if !hasExt || !ok {
			return fmt.Errorf("%w: aws-chunked chunk header lacks chunk-signature", ErrInvalidRequest)
		}
		if len(sig) != 64 {
			return fmt.Errorf("%w: chunk-signature must be 64 hexadecimal characters", ErrSignatureDoesNotMatch)
		}
		if _, err := hex.Decode(c.chunkSig[:], sig); err != nil {
			return fmt.Errorf("%w: chunk-signature is not hexadecimal", ErrSignatureDoesNotMatch)
		}
		c.h.Reset()
	}
	if size > c.opts.DecodedLength-c.decoded {
		return fmt.Errorf("%w: aws-chunked payload is longer than x-amz-decoded-content-length %d", ErrInvalidRequest, c.opts.DecodedLength)
	}
	if size > 0 {
		c.remaining, c.inChunk = size, true
		return nil
	}
	// Final chunk.
	if err := c.verifyChunk(); err != nil {
		return err
	}
	if c.decoded != c.opts.DecodedLength {
		return fmt.Errorf("%w: aws-chunked payload has %d bytes, x-amz-decoded-content-length says %d", ErrIncompleteBody, c.decoded, c.opts.DecodedLength)
	}
	if c.opts.Trailer {
		if err := c.readTrailer(); err != nil {
			return err
		}
	} else if err := c.readFinalCRLF(); err != nil {
		return err
	}
	c.done = true
	return c.expectEOF()
}

// endChunk consumes the CRLF after a chunk's data and verifies its signature.
func (c *ChunkedReader) endChunk() error {
	c.inChunk = false
	var crlf [2]byte
	if _, err := io.ReadFull(c.br, crlf[:]); err != nil {
		return incomplete(err, "chunk trailer CRLF")
	}
	if crlf != [2]byte{'\r', '\n'} {
		return fmt.Errorf("%w: aws-chunked chunk data is not followed by CRLF", ErrInvalidRequest)
	}
	return c.verifyChunk()
}

// verifyChunk checks the signature of the chunk whose data has been hashed.
func (c *ChunkedReader) verifyChunk() error {
	s := c.opts.Signing
	if s == nil {
		return nil
	}
	var sum [32]byte
	c.h.Sum(sum[:0])
	var stack [320]byte
	b := append(stack[:0], "AWS4-HMAC-SHA256-PAYLOAD\n"...)
	b = append(b, s.AmzDate...)
	b = append(b, '\n')
	b = append(b, s.Scope...)
	b = append(b, '\n')
	b = append(b, c.prevSig[:]...)
	b = append(b, '\n')
	b = append(b, EmptySHA256...)
	b = append(b, '\n')
	b = hex.AppendEncode(b, sum[:])
	want := hmacSHA256(s.Key[:], b)
	if !hmacEqual(want[:], c.chunkSig[:]) {
		return fmt.Errorf("%w: chunk signature mismatch at decoded offset %d", ErrSignatureDoesNotMatch, c.decoded)
	}
	hex.Encode(c.prevSig[:], want[:])
	return nil
}

// readFinalCRLF reads the empty line after the final chunk; a body that ends
// right after the final chunk header is accepted too.
func (c *ChunkedReader) readFinalCRLF() error {
	line, err := c.readLine("final CRLF")
	if errors.Is(err, ErrIncompleteBody) {
		if _, perr := c.br.Peek(1); errors.Is(perr, io.EOF) {
			return nil
		}
	}
	if err != nil {
		return err
	}
	if len(line) != 0 {
		return fmt.Errorf("%w: unexpected data after the final aws-chunked chunk", ErrInvalidRequest)
	}
	return nil
}

// readTrailer reads "name:value\r\n" lines up to an empty line (or the end of
// the body), and verifies x-amz-trailer-signature when signed.
func (c *ChunkedReader) readTrailer() error {
	c.trailers = make(map[string]string, 2)
	var canon []byte
	var sig []byte
	first := true
	for lines := 0; ; lines++ {
		if lines > maxTrailerLines {
			return fmt.Errorf("%w: more than %d trailing header lines", ErrInvalidRequest, maxTrailerLines)
		}
		if _, err := c.br.Peek(1); errors.Is(err, io.EOF) && len(c.trailers) > 0 {
			break // tolerated: no final empty line
		}
		line, err := c.readLine("trailer")
		if err != nil {
			return err
		}
		if len(line) == 0 {
			if first {
				// Some encoders put an empty line between the final chunk
				// and the trailer.
				first = false
				continue
			}
			break
		}
		first = false
		name, val, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return fmt.Errorf("%w: trailing header line is not name:value", ErrInvalidRequest)
		}
		n := strings.ToLower(strings.TrimSpace(string(name)))
		v := strings.TrimSpace(string(val))
		if n == "x-amz-trailer-signature" {
			if c.opts.Signing == nil || sig != nil {
				return fmt.Errorf("%w: unexpected x-amz-trailer-signature", ErrInvalidRequest)
			}
			sig = []byte(v)
			continue
		}
		if sig != nil {
			return fmt.Errorf("%w: trailing header %q after x-amz-trailer-signature", ErrInvalidRequest, truncate(n))
		}
		allowed := false
		for _, a := range c.opts.TrailerNames {
			allowed = allowed || a == n
		}
		if !allowed {
			return fmt.Errorf("%w: trailing header %q was not declared in x-amz-trailer", ErrInvalidRequest, truncate(n))
		}
		if _, dup := c.trailers[n]; dup {
			return fmt.Errorf("%w: trailing header %q sent twice", ErrInvalidRequest, n)
		}
		c.trailers[n] = v
		canon = append(canon, n...)
		canon = append(canon, ':')
		canon = append(canon, v...)
		canon = append(canon, '\n')
	}
	for _, n := range c.opts.TrailerNames {
		if _, ok := c.trailers[n]; !ok {
			return fmt.Errorf("%w: trailing header %s declared in x-amz-trailer was not sent", ErrIncompleteBody, n)
		}
	}
	if s := c.opts.Signing; s != nil {
		if sig == nil {
			return fmt.Errorf("%w: missing x-amz-trailer-signature", ErrSignatureDoesNotMatch)
		}
		var got [32]byte
		if len(sig) != 64 {
			return fmt.Errorf("%w: x-amz-trailer-signature must be 64 hexadecimal characters", ErrSignatureDoesNotMatch)
		}
		if _, err := hex.Decode(got[:], sig); err != nil {
			return fmt.Errorf("%w: x-amz-trailer-signature is not hexadecimal", ErrSignatureDoesNotMatch)
		}
		ch := sha256.Sum256(canon)
		b := append([]byte("AWS4-HMAC-SHA256-TRAILER\n"), s.AmzDate...)
		b = append(b, '\n')
		b = append(b, s.Scope...)
		b = append(b, '\n')
		b = append(b, c.prevSig[:]...)
		b = append(b, '\n')
		b = hex.AppendEncode(b, ch[:])
		want := hmacSHA256(s.Key[:], b)
		if !hmacEqual(want[:], got[:]) {
			return fmt.Errorf("%w: trailer signature mismatch", ErrSignatureDoesNotMatch)
		}
	}
	return nil
}

// expectEOF refuses bytes after the end of the aws-chunked stream.
func (c *ChunkedReader) expectEOF() error {
	_, err := c.br.Peek(1)
	switch {
	case errors.Is(err, io.EOF):
		return nil
	case err == nil:
		return fmt.Errorf("%w: unexpected data after the end of the aws-chunked body", ErrInvalidRequest)
	}
	return err
}
