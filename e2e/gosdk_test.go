package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithy "github.com/aws/smithy-go"
)

// newSDKClient builds an aws-sdk-go-v2 S3 client for the server without
// reading any machine configuration (AWS_CA_BUNDLE, ~/.aws).
func newSDKClient(srv *server, accessKey, secretKey string) *s3.Client {
	hc := awshttp.NewBuildableClient().WithTimeout(2 * time.Minute)
	if srv.CAPool != nil {
		hc = hc.WithTransportOptions(func(tr *http.Transport) {
			tr.TLSClientConfig = &tls.Config{RootCAs: srv.CAPool, MinVersion: tls.VersionTLS12}
		})
	}
	return s3.New(s3.Options{
		Region:           region,
		BaseEndpoint:     aws.String(srv.Wire.URL),
		UsePathStyle:     true,
		Credentials:      credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		HTTPClient:       hc,
		RetryMaxAttempts: 1,
		// What config.LoadDefaultConfig sets (s3.New alone leaves checksums off).
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	})
}

// TestGoSDK runs the scenario with aws-sdk-go-v2: over http the payload is
// signed (seekable bodies only); over https the SDK sends
// STREAMING-UNSIGNED-PAYLOAD-TRAILER with a Content-Length.
func TestGoSDK(t *testing.T) {
	t.Parallel()
	for _, tlsOn := range []bool{false, true} {
		name := map[bool]string{false: "http", true: "https"}[tlsOn]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, tlsOn)
			goSDKScenario(t, srv, newSDKClient(srv, rootUser, rootPassword), bucketName("gosdk", tlsOn))
			if tlsOn {
				srv.Wire.assertSaw(t, "x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER", "x-amz-trailer: x-amz-checksum-crc32", "content-encoding: aws-chunked")
			} else {
				srv.Wire.assertSaw(t, "x-amz-content-sha256: <signed>", "x-amz-checksum-crc32")
			}
		})
	}
}

func goSDKScenario(t *testing.T, srv *server, c *s3.Client, bucket string) {
	ctx := waitCtx(t, 3*time.Minute)
	small, big := testData(smallSize, 11), testData(bigSize, 12)
	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", step, describeSDKError(err))
		}
	}

	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket})
	must("CreateBucket", err)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("dir/small.bin"), Body: bytes.NewReader(small),
		Metadata: map[string]string{"colour": "green"}})
	must("PutObject small", err)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("big.bin"), Body: bytes.NewReader(big)})
	must("PutObject big", err)
	if srv.TLS {
		// Over https a non-seekable body works: unsigned payload with a trailer.
		_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("stream.bin"),
			Body: struct{ io.Reader }{bytes.NewReader(small)}, ContentLength: aws.Int64(smallSize)})
		must("PutObject non-seekable body", err)
	} else {
		// Over http the SDK must hash the body up front: a non-seekable body
		// fails in the client, before anything is sent.
		_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("stream.bin"),
			Body: struct{ io.Reader }{bytes.NewReader(small)}, ContentLength: aws.Int64(smallSize)})
		var re *awshttp.ResponseError
		if err == nil || errors.As(err, &re) {
			t.Fatalf("PutObject of a non-seekable body over http: %v; want a client-side error", describeSDKError(err))
		}
	}
	goSDKMultipart(t, ctx, c, bucket, "big-mp.bin", big)
	srv.assertStoredFile(t, bucket, "dir/small.bin", small)
	srv.assertStoredFile(t, bucket, "big.bin", big)
	srv.assertStoredFile(t, bucket, "big-mp.bin", big)

	want := map[string]int64{"big-mp.bin": bigSize, "big.bin": bigSize, "dir/small.bin": smallSize}
	if srv.TLS {
		want["stream.bin"] = smallSize
	}
	lo, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket})
	must("ListObjectsV2", err)
	got := map[string]int64{}
	for _, o := range lo.Contents {
		got[aws.ToString(o.Key)] = aws.ToInt64(o.Size)
	}
	if len(got) != len(want) {
		t.Fatalf("ListObjectsV2: got %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Fatalf("ListObjectsV2: got %v, want %v", got, want)
		}
	}

	for key, data := range map[string][]byte{"dir/small.bin": small, "big.bin": big, "big-mp.bin": big} {
		o, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String(key)})
		must("GetObject "+key, err)
		b, err := io.ReadAll(o.Body)
		o.Body.Close()
		must("read "+key, err)
		if !bytes.Equal(b, data) {
			t.Fatalf("GetObject %s: %d bytes differ from the %d uploaded", key, len(b), len(data))
		}
		if key == "dir/small.bin" && o.Metadata["colour"] != "green" {
			t.Fatalf("GetObject %s: metadata %v, want colour=green", key, o.Metadata)
		}
	}

	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: &bucket, Key: aws.String("small-copy.bin"), CopySource: aws.String(bucket + "/dir/small.bin")})
	must("CopyObject", err)
	o, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("small-copy.bin")})
	must("GetObject small-copy.bin", err)
	b, _ := io.ReadAll(o.Body)
	o.Body.Close()
	if !bytes.Equal(b, small) || o.Metadata["colour"] != "green" {
		t.Fatalf("copy: %d bytes (equal=%v), metadata %v; want the source's bytes and colour=green", len(b), bytes.Equal(b, small), o.Metadata)
	}

	// Keys that need escaping in the path and in the canonical request.
	for _, k := range []string{"odd/ü é+plus&amp=(1).bin", "odd/~tilde*star'quote.bin", "odd/%41 percent.bin"} {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(k), Body: strings.NewReader(k)})
		must("PutObject "+k, err)
		o, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String(k)})
		must("GetObject "+k, err)
		b, _ := io.ReadAll(o.Body)
		o.Body.Close()
		if string(b) != k {
			t.Fatalf("GetObject %q: got %q", k, b)
		}
		_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String(k)})
		must("DeleteObject "+k, err)
	}

	var ids []types.ObjectIdentifier
	for k := range want {
		ids = append(ids, types.ObjectIdentifier{Key: aws.String(k)})
	}
	ids = append(ids, types.ObjectIdentifier{Key: aws.String("small-copy.bin")})
	do, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &types.Delete{Objects: ids}})
	must("DeleteObjects", err)
	if len(do.Deleted) != len(ids) || len(do.Errors) != 0 {
		t.Fatalf("DeleteObjects: %d deleted, errors %+v; want %d deleted", len(do.Deleted), do.Errors, len(ids))
	}
	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &bucket})
	must("DeleteBucket", err)
	_, err = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket})
	var nf *types.NotFound
	if !errors.As(err, &nf) {
		t.Fatalf("HeadBucket after DeleteBucket: %v, want NotFound", describeSDKError(err))
	}
	srv.assertBucketGone(t, bucket)
}

// goSDKMultipart uploads data in 8 MiB parts, sending the parts in reverse
// order (as concurrent clients may), then checks ListParts and completes.
func goSDKMultipart(t *testing.T, ctx context.Context, c *s3.Client, bucket, key string, data []byte) {
	t.Helper()
	cm, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: &key})
	if err != nil {
		t.Fatalf("CreateMultipartUpload: %v", describeSDKError(err))
	}
	const partSize = 8 << 20
	n := (len(data) + partSize - 1) / partSize
	parts := make([]types.CompletedPart, n)
	for i := n - 1; i >= 0; i-- {
		chunk := data[i*partSize : min(len(data), (i+1)*partSize)]
		up, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: &bucket, Key: &key, UploadId: cm.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(chunk)})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", i+1, describeSDKError(err))
		}
		parts[i] = types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: up.ETag,
			ChecksumCRC32: up.ChecksumCRC32}
	}
	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: &bucket, Key: &key, UploadId: cm.UploadId})
	if err != nil {
		t.Fatalf("ListParts: %v", describeSDKError(err))
	}
	if len(lp.Parts) != n {
		t.Fatalf("ListParts: %d parts, want %d", len(lp.Parts), n)
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &bucket, Key: &key, UploadId: cm.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	if err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", describeSDKError(err))
	}
}

// describeSDKError adds the S3 error code and HTTP status to an SDK error.
func describeSDKError(err error) error {
	if err == nil {
		return nil
	}
	var ae smithy.APIError
	var re *awshttp.ResponseError
	code, status := "", 0
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return errf("%w (code=%q status=%d)", err, code, status)
}
