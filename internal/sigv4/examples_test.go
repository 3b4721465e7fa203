package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// AWS's published SigV4 examples for S3 (API reference, "Examples: Signature
// Calculations in AWS Signature Version 4" and "Authenticating Requests: Using
// Query Parameters"), with the example credentials and the 2013-05-24 date.
func TestPublishedExamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, head, body string
		wantBody         string
	}{
		{
			name: "GET object with Range",
			head: `GET /test.txt HTTP/1.1
Host: examplebucket.s3.amazonaws.com
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41
Range: bytes=0-9
x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
x-amz-date: 20130524T000000Z
`,
		},
		{
			name: "PUT object Welcome to Amazon S3.",
			head: `PUT /test%24file.text HTTP/1.1
Host: examplebucket.s3.amazonaws.com
Date: Fri, 24 May 2013 00:00:00 GMT
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd
x-amz-date: 20130524T000000Z
x-amz-storage-class: REDUCED_REDUNDANCY
x-amz-content-sha256: 44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072
Content-Length: 21
`,
			body:     "Welcome to Amazon S3.",
			wantBody: "Welcome to Amazon S3.",
		},
		{
			name: "GET bucket lifecycle",
			head: `GET /?lifecycle HTTP/1.1
Host: examplebucket.s3.amazonaws.com
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543
x-amz-date: 20130524T000000Z
x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
`,
		},
		{
			name: "GET list objects",
			head: `GET /?max-keys=2&prefix=J HTTP/1.1
Host: examplebucket.s3.amazonaws.com
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7
x-amz-date: 20130524T000000Z
x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
`,
		},
		{
			name: "presigned GET",
			head: `GET /test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404 HTTP/1.1
Host: examplebucket.s3.amazonaws.com
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := readAll(wireRequest(t, tt.head, tt.body), exampleSecret, exampleTime)
			if err != nil {
				t.Fatalf("published example refused: %v", err)
			}
			if string(got) != tt.wantBody {
				t.Fatalf("body = %q, want %q", got, tt.wantBody)
			}
			// The same request with one signature hex digit changed is refused.
			i := strings.Index(tt.head, "Signature=") + len("Signature=")
			flipped := tt.head[:i] + flipHex(tt.head[i]) + tt.head[i+1:]
			_, err = readAll(wireRequest(t, flipped, tt.body), exampleSecret, exampleTime)
			if !errors.Is(err, ErrSignatureDoesNotMatch) {
				t.Fatalf("flipped signature: err = %v, want ErrSignatureDoesNotMatch", err)
			}
			// And with another secret.
			_, err = readAll(wireRequest(t, tt.head, tt.body), "wrong"+exampleSecret, exampleTime)
			if !errors.Is(err, ErrSignatureDoesNotMatch) {
				t.Fatalf("wrong secret: err = %v, want ErrSignatureDoesNotMatch", err)
			}
		})
	}
}

func flipHex(c byte) string {
	if c == '0' {
		return "1"
	}
	return "0"
}

func TestPublishedPutBodyTampered(t *testing.T) {
	t.Parallel()
	head := `PUT /test%24file.text HTTP/1.1
Host: examplebucket.s3.amazonaws.com
Date: Fri, 24 May 2013 00:00:00 GMT
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd
x-amz-date: 20130524T000000Z
x-amz-storage-class: REDUCED_REDUNDANCY
x-amz-content-sha256: 44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072
Content-Length: 21
`
	_, err := readAll(wireRequest(t, head, "Welcome to Amazon S4."), exampleSecret, exampleTime)
	if !errors.Is(err, ErrXAmzContentSHA256Mismatch) {
		t.Fatalf("tampered body: err = %v, want ErrXAmzContentSHA256Mismatch", err)
	}
}

// The "streaming-upload" example: 64 KiB + 1 KiB of 'a' in signed chunks.
const streamingHead = `PUT /examplebucket/chunkObject.txt HTTP/1.1
Host: s3.amazonaws.com
x-amz-date: 20130524T000000Z
x-amz-storage-class: REDUCED_REDUNDANCY
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9
x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD
Content-Encoding: aws-chunked
x-amz-decoded-content-length: 66560
Content-Length: 66824
`

func streamingBody(sigs [3]string) string {
	return "10000;chunk-signature=" + sigs[0] + "\r\n" + strings.Repeat("a", 65536) + "\r\n" +
		"400;chunk-signature=" + sigs[1] + "\r\n" + strings.Repeat("a", 1024) + "\r\n" +
		"0;chunk-signature=" + sigs[2] + "\r\n\r\n"
}

var streamingSigs = [3]string{
	"ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
	"0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
	"b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
}

// The trailer example: same data, CRC32C in a signed trailer.
const trailerHead = `PUT /examplebucket/chunkObject.txt HTTP/1.1
Host: s3.amazonaws.com
x-amz-date: 20130524T000000Z
x-amz-storage-class: REDUCED_REDUNDANCY
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer,Signature=106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e
x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
Content-Encoding: aws-chunked
x-amz-decoded-content-length: 66560
x-amz-trailer: x-amz-checksum-crc32c
Content-Length: %d
`

func trailerBody(crc, trailerSig string) string {
	return "10000;chunk-signature=b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2\r\n" + strings.Repeat("a", 65536) + "\r\n" +
		"400;chunk-signature=1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7\r\n" + strings.Repeat("a", 1024) + "\r\n" +
		"0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n" +
		"x-amz-checksum-crc32c:" + crc + "\r\n" +
		"x-amz-trailer-signature:" + trailerSig + "\r\n\r\n"
}

const exampleTrailerSig = "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"

func TestPublishedStreamingExamples(t *testing.T) {
	t.Parallel()
	tamper := streamingSigs
	tamper[1] = "1" + tamper[1][1:]
	tests := []struct {
		name, head, body string
		wantErr          error
		wantCRC32C       string
	}{
		{name: "signed chunks", head: streamingHead, body: streamingBody(streamingSigs)},
		{name: "tampered chunk signature", head: streamingHead, body: streamingBody(tamper), wantErr: ErrSignatureDoesNotMatch},
		{name: "signed trailer", head: trailerHead, body: trailerBody("sOO8/Q==", exampleTrailerSig), wantCRC32C: "sOO8/Q=="},
		{name: "wrong trailer checksum", head: trailerHead, body: trailerBody("AAAAAA==", exampleTrailerSig), wantErr: ErrSignatureDoesNotMatch},
		{name: "tampered trailer signature", head: trailerHead, body: trailerBody("sOO8/Q==", "0"+exampleTrailerSig[1:]), wantErr: ErrSignatureDoesNotMatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			head := strings.Replace(tt.head, "%d", strconv.Itoa(len(tt.body)), 1)
			_, b, err := authenticate(wireRequest(t, head, tt.body), exampleSecret, exampleTime)
			if err != nil {
				t.Fatalf("authenticate: %v", err)
			}
			got, err := readAllBody(b)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("read: err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				return
			}
			if string(got) != strings.Repeat("a", 66560) {
				t.Fatalf("decoded body has %d bytes", len(got))
			}
			if b.ContentLength != 66560 {
				t.Fatalf("ContentLength = %d", b.ContentLength)
			}
			if b.Checksum() != tt.wantCRC32C {
				t.Fatalf("Checksum() = %q, want %q", b.Checksum(), tt.wantCRC32C)
			}
		})
	}
}

func TestChunkDataTampered(t *testing.T) {
	t.Parallel()
	body := streamingBody(streamingSigs)
	i := strings.Index(body, "\r\n") + 2 + 30000
	body = body[:i] + "b" + body[i+1:]
	_, err := readAll(wireRequest(t, streamingHead, body), exampleSecret, exampleTime)
	if !errors.Is(err, ErrSignatureDoesNotMatch) {
		t.Fatalf("err = %v, want ErrSignatureDoesNotMatch", err)
	}
}

func TestHMACMatchesCryptoHMAC(t *testing.T) {
	t.Parallel()
	for _, keyLen := range []int{0, 1, 32, 63, 64, 65, 200} {
		for _, msgLen := range []int{0, 1, 100, 447, 448, 1000} {
			key := []byte(strings.Repeat("k", keyLen))
			msg := []byte(strings.Repeat("m", msgLen))
			m := hmac.New(sha256.New, key)
			m.Write(msg)
			want := m.Sum(nil)
			got := hmacSHA256(key, msg)
			if !hmac.Equal(got[:], want) {
				t.Fatalf("hmacSHA256(key %d, msg %d) = %x, want %x", keyLen, msgLen, got, want)
			}
		}
	}
}

func TestDeriveKeyAndCache(t *testing.T) {
	t.Parallel()
	k := DeriveKey(exampleSecret, "20130524", "us-east-1", "s3")
	// Signing key of the S3 streaming example (derived with crypto/hmac below).
	ref := func(key, msg []byte) []byte { m := hmac.New(sha256.New, key); m.Write(msg); return m.Sum(nil) }
	want := ref(ref(ref(ref([]byte("AWS4"+exampleSecret), []byte("20130524")), []byte("us-east-1")), []byte("s3")), []byte("aws4_request"))
	if hex.EncodeToString(k[:]) != hex.EncodeToString(want) {
		t.Fatalf("DeriveKey = %x, want %x", k, want)
	}
	c := NewKeyCache(2)
	scope := Scope{"20130524", "us-east-1", "s3"}
	if got := c.Key(exampleSecret, scope); got != k {
		t.Fatalf("cache miss key differs")
	}
	if got := c.Key(exampleSecret, scope); got != k || c.Len() != 1 {
		t.Fatalf("cache hit key differs or len %d", c.Len())
	}
	c.Key("other", scope)
	c.Key("third", scope)
	if c.Len() != 2 {
		t.Fatalf("cache not bounded: len %d", c.Len())
	}
	if got := c.Key("x", Scope{"20130525", "us-east-1", "s3"}); got == k {
		t.Fatalf("different scope gave the same key")
	}
}
