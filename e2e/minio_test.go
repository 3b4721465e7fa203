package e2e

import (
	"bytes"
	"crypto/tls"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// TestMinioGo runs the scenario with minio-go v7. Over http its uploads use
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD (signed 64 KiB chunks); over https
// UNSIGNED-PAYLOAD. It also fetches a presigned GET.
func TestMinioGo(t *testing.T) {
	t.Parallel()
	for _, tlsOn := range []bool{false, true} {
		name := map[bool]string{false: "http", true: "https"}[tlsOn]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, tlsOn)
			minioScenario(t, srv, bucketName("minio", tlsOn))
			if tlsOn {
				srv.Wire.assertSaw(t, "x-amz-content-sha256: UNSIGNED-PAYLOAD")
			} else {
				srv.Wire.assertSaw(t, "x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "content-encoding: aws-chunked")
			}
		})
	}
}

func minioScenario(t *testing.T, srv *server, bucket string) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if srv.CAPool != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: srv.CAPool, MinVersion: tls.VersionTLS12}
	}
	c, err := minio.New(srv.Wire.HostPort, &minio.Options{
		Creds:      credentials.NewStaticV4(rootUser, rootPassword, ""),
		Secure:     srv.TLS,
		Region:     region,
		Transport:  tr,
		MaxRetries: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := waitCtx(t, 3*time.Minute)
	small, big := testData(smallSize, 21), testData(bigSize, 22)

	if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: region}); err != nil {
		t.Fatalf("MakeBucket: %v", describeMinioError(err))
	}
	if ok, err := c.BucketExists(ctx, bucket); err != nil || !ok {
		t.Fatalf("BucketExists: %v, %v; want true", ok, describeMinioError(err))
	}
	if _, err := c.PutObject(ctx, bucket, "dir/small.bin", bytes.NewReader(small), int64(len(small)),
		minio.PutObjectOptions{ContentType: "text/x-e2e", UserMetadata: map[string]string{"colour": "red"}}); err != nil {
		t.Fatalf("PutObject small: %v", describeMinioError(err))
	}
	// Unknown size: multipart, each part streamed (signed chunks over http).
	info, err := c.PutObject(ctx, bucket, "big.bin", struct{ io.Reader }{bytes.NewReader(big)}, -1,
		minio.PutObjectOptions{PartSize: 8 << 20})
	if err != nil {
		t.Fatalf("PutObject big (size -1): %v", describeMinioError(err))
	}
	if info.Size != bigSize {
		t.Fatalf("PutObject big: size %d, want %d", info.Size, bigSize)
	}
	srv.assertStoredFile(t, bucket, "dir/small.bin", small)
	srv.assertStoredFile(t, bucket, "big.bin", big)

	// minio-go lists with GET /bucket/?...&fetch-owner=true (note the slash).
	got := map[string]int64{}
	for o := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatalf("ListObjects: %v", describeMinioError(o.Err))
		}
		got[o.Key] = o.Size
	}
	if len(got) != 2 || got["dir/small.bin"] != smallSize || got["big.bin"] != bigSize {
		t.Fatalf("ListObjects: %v, want dir/small.bin and big.bin", got)
	}

	for key, want := range map[string][]byte{"dir/small.bin": small, "big.bin": big} {
		o, err := c.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatalf("GetObject %s: %v", key, describeMinioError(err))
		}
		b, err := io.ReadAll(o)
		o.Close()
		if err != nil {
			t.Fatalf("GetObject %s read: %v", key, describeMinioError(err))
		}
		if !bytes.Equal(b, want) {
			t.Fatalf("GetObject %s: %d bytes differ from the %d uploaded", key, len(b), len(want))
		}
	}

	// Presigned GET with a plain HTTP client, and a tampered one.
	u, err := c.PresignedGetObject(ctx, bucket, "dir/small.bin", 5*time.Minute, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	hc := srv.httpClient()
	status, body := httpGet(t, hc, u.String())
	if status != http.StatusOK || !bytes.Equal(body, small) {
		t.Fatalf("presigned GET: status %d, %d bytes (equal=%v); want 200 and the object", status, len(body), bytes.Equal(body, small))
	}
	tampered := strings.Replace(u.String(), "dir%2Fsmall.bin", "dir%2Fsmall.bi", 1)
	tampered = strings.Replace(tampered, "dir/small.bin", "dir/small.bi", 1)
	if status, body := httpGet(t, hc, tampered); status != http.StatusForbidden || !bytes.Contains(body, []byte("<Code>SignatureDoesNotMatch</Code>")) {
		t.Fatalf("presigned GET with another key: status %d body %s; want 403 SignatureDoesNotMatch", status, clip(string(body)))
	}

	if _, err := c.CopyObject(ctx, minio.CopyDestOptions{Bucket: bucket, Object: "small-copy.bin"},
		minio.CopySrcOptions{Bucket: bucket, Object: "dir/small.bin"}); err != nil {
		t.Fatalf("CopyObject: %v", describeMinioError(err))
	}
	st, err := c.StatObject(ctx, bucket, "small-copy.bin", minio.StatObjectOptions{})
	if err != nil {
		t.Fatalf("StatObject copy: %v", describeMinioError(err))
	}
	if st.Size != smallSize || st.UserMetadata["Colour"] != "red" {
		t.Fatalf("StatObject copy: size %d metadata %v; want %d and Colour=red", st.Size, st.UserMetadata, smallSize)
	}

	objs := make(chan minio.ObjectInfo, 3)
	for _, k := range []string{"dir/small.bin", "big.bin", "small-copy.bin"} {
		objs <- minio.ObjectInfo{Key: k}
	}
	close(objs)
	for e := range c.RemoveObjects(ctx, bucket, objs, minio.RemoveObjectsOptions{}) {
		t.Fatalf("RemoveObjects %s: %v", e.ObjectName, describeMinioError(e.Err))
	}
	if err := c.RemoveBucket(ctx, bucket); err != nil {
		t.Fatalf("RemoveBucket: %v", describeMinioError(err))
	}
	if ok, err := c.BucketExists(ctx, bucket); err != nil || ok {
		t.Fatalf("BucketExists after RemoveBucket: %v, %v; want false", ok, describeMinioError(err))
	}
	srv.assertBucketGone(t, bucket)
}

func httpGet(t *testing.T, hc *http.Client, u string) (int, []byte) {
	t.Helper()
	resp, err := hc.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		t.Fatalf("GET %s: read: %v", u, err)
	}
	return resp.StatusCode, b
}

func describeMinioError(err error) error {
	if err == nil {
		return nil
	}
	r := minio.ToErrorResponse(err)
	return errf("%w (code=%q status=%d message=%q)", err, r.Code, r.StatusCode, r.Message)
}
