package s3api

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/fedstore/fedstore/internal/authn"
	"github.com/fedstore/fedstore/internal/object/posix"
)

const (
	testAccessKey = "FEDSTOREROOTKEY00001"
	testSecretKey = "fedstore-root-secret-key-for-tests-000000"
)

// rootSource knows one credential: root.
type rootSource struct{}

func (rootSource) LookupCredential(_ context.Context, accessKey, _ string) (authn.Credential, error) {
	if accessKey != testAccessKey {
		return authn.Credential{}, authn.ErrInvalidAccessKeyId
	}
	return authn.Credential{
		AccessKey: testAccessKey,
		SecretKey: testSecretKey,
		Principal: authn.Principal{Kind: authn.Root, AccessKey: testAccessKey, Name: "root"},
	}, nil
}

// newSDKClient serves the real handler (posix backend, real SigV4
// authentication) on 127.0.0.1 and returns an aws-sdk-go-v2 client for it.
func newSDKClient(t *testing.T, secret string) *s3.Client {
	return newSDKClientTLS(t, secret, false)
}

// newSDKClientTLS is newSDKClient, over HTTPS when useTLS (where the SDK
// switches to aws-chunked bodies with a trailing checksum).
func newSDKClientTLS(t *testing.T, secret string, useTLS bool) *s3.Client {
	t.Helper()
	be, err := posix.New(t.TempDir(), posix.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := New(Config{Backend: be, Auth: authn.New(rootSource{}, authn.Options{})})
	hc := awshttp.NewBuildableClient()
	var srv *httptest.Server
	if useTLS {
		srv = httptest.NewTLSServer(h)
		pool := x509.NewCertPool()
		pool.AddCert(srv.Certificate())
		hc = hc.WithTransportOptions(func(tr *http.Transport) {
			tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		})
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(testAccessKey, secret, ""),
		HTTPClient:   hc,
		// Fail fast: no retries hide errors.
		RetryMaxAttempts: 1,
	})
}

func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestSDKEndToEnd(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := newSDKClient(t, testSecretKey)
	bkt := aws.String("sdk-bucket")

	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bkt}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	lb, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(lb.Buckets) != 1 || aws.ToString(lb.Buckets[0].Name) != "sdk-bucket" {
		t.Fatalf("ListBuckets: %+v %v", lb, err)
	}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: bkt}); err != nil {
		t.Fatalf("HeadBucket: %v", err)
	}
	loc, err := c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: bkt})
	if err != nil || loc.LocationConstraint != "" {
		t.Fatalf("GetBucketLocation: %+v %v", loc, err)
	}

	// Put with metadata and the SDK's CRC32 checksum; get it back.
	put, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: bkt, Key: aws.String("docs/readme.txt"), Body: strings.NewReader("hello, fedstore"),
		ContentType: aws.String("text/plain"), Metadata: map[string]string{"owner": "team-a"},
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
	})
	if err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if aws.ToString(put.ETag) == "" || aws.ToString(put.ChecksumCRC32) == "" {
		t.Errorf("PutObject output: ETag %q CRC32 %q", aws.ToString(put.ETag), aws.ToString(put.ChecksumCRC32))
	}
	get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: bkt, Key: aws.String("docs/readme.txt"), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	data, err := io.ReadAll(get.Body)
	get.Body.Close()
	if err != nil || string(data) != "hello, fedstore" || get.Metadata["owner"] != "team-a" || aws.ToString(get.ContentType) != "text/plain" {
		t.Fatalf("GetObject: %q %v %+v", data, err, get.Metadata)
	}
	if aws.ToString(get.ChecksumCRC32) != aws.ToString(put.ChecksumCRC32) {
		t.Errorf("GetObject checksum %q, PUT said %q", aws.ToString(get.ChecksumCRC32), aws.ToString(put.ChecksumCRC32))
	}
	rng, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: bkt, Key: aws.String("docs/readme.txt"), Range: aws.String("bytes=7-14")})
	if err != nil {
		t.Fatalf("range GetObject: %v", err)
	}
	data, _ = io.ReadAll(rng.Body)
	rng.Body.Close()
	if string(data) != "fedstore" || aws.ToString(rng.ContentRange) != "bytes 7-14/15" {
		t.Errorf("range: %q %q", data, aws.ToString(rng.ContentRange))
	}

	// A presigned GET works with a plain HTTP client.
	ps, err := s3.NewPresignClient(c).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: bkt, Key: aws.String("docs/readme.txt")})
	if err != nil {
		t.Fatalf("presign: %v", err)
	}
	preq, _ := http.NewRequestWithContext(ctx, http.MethodGet, ps.URL, nil)
	presp, err := http.DefaultClient.Do(preq)
	if err != nil {
		t.Fatalf("presigned GET: %v", err)
	}
	data, _ = io.ReadAll(presp.Body)
	presp.Body.Close()
	if presp.StatusCode != 200 || string(data) != "hello, fedstore" {
		t.Errorf("presigned GET: %d %q", presp.StatusCode, data)
	}

	// Copy, then list with a delimiter.
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: bkt, Key: aws.String("docs/copy of readme.txt"), CopySource: aws.String("sdk-bucket/docs/readme.txt")}); err != nil {
		t.Fatalf("CopyObject: %v", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: bkt, Key: aws.String("top.txt"), Body: bytes.NewReader(nil)}); err != nil {
		t.Fatalf("PutObject empty: %v", err)
	}
	l, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: bkt, Delimiter: aws.String("/")})
	if err != nil {
		t.Fatalf("ListObjectsV2: %v", err)
	}
	if len(l.Contents) != 1 || aws.ToString(l.Contents[0].Key) != "top.txt" || len(l.CommonPrefixes) != 1 || aws.ToString(l.CommonPrefixes[0].Prefix) != "docs/" || aws.ToInt32(l.KeyCount) != 2 {
		t.Errorf("ListObjectsV2 delimiter: %+v", l)
	}
	pager := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: bkt, MaxKeys: aws.Int32(1)})
	var keys []string
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatalf("paging: %v", err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	if strings.Join(keys, ",") != "docs/copy of readme.txt,docs/readme.txt,top.txt" {
		t.Errorf("paged keys %v", keys)
	}

	// Multipart: two parts (5 MiB + 1 KiB), one of them copied from an object.
	part1 := bytes.Repeat([]byte("a"), 5<<20)
	mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bkt, Key: aws.String("big.bin"), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatalf("CreateMultipartUpload: %v", err)
	}
	up1, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: bkt, Key: aws.String("big.bin"), UploadId: mp.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader(part1), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatalf("UploadPart: %v", err)
	}
	if aws.ToString(up1.ChecksumCRC32) == "" {
		t.Errorf("UploadPart did not echo x-amz-checksum-crc32")
	}
	up2, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: bkt, Key: aws.String("big.bin"), UploadId: mp.UploadId, PartNumber: aws.Int32(2), Body: strings.NewReader(strings.Repeat("b", 1024)), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatalf("UploadPart 2: %v", err)
	}
	ups, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: bkt})
	if err != nil || len(ups.Uploads) != 1 || aws.ToString(ups.Uploads[0].UploadId) != aws.ToString(mp.UploadId) {
		t.Fatalf("ListMultipartUploads: %+v %v", ups, err)
	}
	parts, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: bkt, Key: aws.String("big.bin"), UploadId: mp.UploadId})
	if err != nil || len(parts.Parts) != 2 || aws.ToInt64(parts.Parts[0].Size) != 5<<20 {
		t.Fatalf("ListParts: %+v %v", parts, err)
	}
	done, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: bkt, Key: aws.String("big.bin"), UploadId: mp.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{
			{PartNumber: aws.Int32(1), ETag: up1.ETag, ChecksumCRC32: up1.ChecksumCRC32},
			{PartNumber: aws.Int32(2), ETag: up2.ETag, ChecksumCRC32: up2.ChecksumCRC32},
		}},
	})
	if err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	if !strings.HasSuffix(strings.Trim(aws.ToString(done.ETag), `"`), "-2") {
		t.Errorf("multipart ETag %q", aws.ToString(done.ETag))
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bkt, Key: aws.String("big.bin")})
	if err != nil || aws.ToInt64(head.ContentLength) != 5<<20+1024 {
		t.Fatalf("HeadObject big: %+v %v", head, err)
	}

	// UploadPartCopy of a range into a second upload, then abort it.
	mp2, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bkt, Key: aws.String("copied.bin")})
	if err != nil {
		t.Fatalf("CreateMultipartUpload 2: %v", err)
	}
	if _, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: bkt, Key: aws.String("copied.bin"), UploadId: mp2.UploadId, PartNumber: aws.Int32(1),
		CopySource: aws.String("sdk-bucket/big.bin"), CopySourceRange: aws.String("bytes=0-1023")}); err != nil {
		t.Fatalf("UploadPartCopy: %v", err)
	}
	parts, err = c.ListParts(ctx, &s3.ListPartsInput{Bucket: bkt, Key: aws.String("copied.bin"), UploadId: mp2.UploadId})
	if err != nil || len(parts.Parts) != 1 || aws.ToInt64(parts.Parts[0].Size) != 1024 {
		t.Fatalf("ListParts after copy: %+v %v", parts, err)
	}
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: bkt, Key: aws.String("copied.bin"), UploadId: mp2.UploadId}); err != nil {
		t.Fatalf("AbortMultipartUpload: %v", err)
	}

	// Error cases.
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: bkt, Key: aws.String("missing")})
	var nsk *types.NoSuchKey
	if !errors.As(err, &nsk) {
		t.Errorf("missing key: %v", err)
	}
	_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("no-such-bucket")})
	var nsb *types.NoSuchBucket
	if !errors.As(err, &nsb) {
		t.Errorf("missing bucket: %v", err)
	}
	if _, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: bkt}); errCode(err) != "BucketNotEmpty" {
		t.Errorf("DeleteBucket non-empty: %v", err)
	}
	if _, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: bkt, Key: aws.String("top.txt"), Range: aws.String("bytes=0-")}); errCode(err) != "InvalidRange" {
		t.Errorf("range on empty object: %v", err)
	}
	if _, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: bkt, Key: aws.String("docs/readme.txt"), IfMatch: aws.String(`"0000"`)}); errCode(err) != "PreconditionFailed" {
		t.Errorf("If-Match: %v", err)
	}
	if _, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: bkt, Key: aws.String("x"), CopySource: aws.String("sdk-bucket/docs/readme.txt"), CopySourceIfNoneMatch: put.ETag}); errCode(err) != "PreconditionFailed" {
		t.Errorf("copy If-None-Match: %v", err)
	}

	// Delete everything and the bucket.
	del, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: bkt, Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("docs/readme.txt")}, {Key: aws.String("docs/copy of readme.txt")}, {Key: aws.String("top.txt")}, {Key: aws.String("big.bin")},
	}}})
	if err != nil || len(del.Deleted) != 4 || len(del.Errors) != 0 {
		t.Fatalf("DeleteObjects: %+v %v", del, err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bkt, Key: aws.String("already-gone")}); err != nil {
		t.Errorf("DeleteObject missing: %v", err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: bkt}); err != nil {
		t.Errorf("DeleteBucket: %v", err)
	}
}

func TestSDKBadSignature(t *testing.T) {
	t.Parallel()
	c := newSDKClient(t, "wrong-secret")
	_, err := c.ListBuckets(context.Background(), &s3.ListBucketsInput{})
	if errCode(err) != "SignatureDoesNotMatch" {
		t.Errorf("wrong secret: %v", err)
	}
}

// TestSDKOverTLS: over HTTPS the SDK streams aws-chunked bodies with a
// trailing CRC32; the verified checksum is stored and echoed.
func TestSDKOverTLS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newSDKClientTLS(t, testSecretKey, true)
	bkt := aws.String("tls-bucket")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bkt}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: bkt, Key: aws.String("k"), Body: strings.NewReader("trailer body"), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if aws.ToString(put.ChecksumCRC32) == "" {
		t.Error("no checksum echoed")
	}
	get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: bkt, Key: aws.String("k"), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	data, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if string(data) != "trailer body" || aws.ToString(get.ChecksumCRC32) != aws.ToString(put.ChecksumCRC32) || aws.ToInt64(get.ContentLength) != int64(len(data)) {
		t.Errorf("GetObject: %q crc %q (put %q)", data, aws.ToString(get.ChecksumCRC32), aws.ToString(put.ChecksumCRC32))
	}
	mp, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bkt, Key: aws.String("m"), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatalf("CreateMultipartUpload: %v", err)
	}
	up, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: bkt, Key: aws.String("m"), UploadId: mp.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("only part"), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if err != nil || aws.ToString(up.ChecksumCRC32) == "" {
		t.Fatalf("UploadPart: %+v %v", up, err)
	}
	done, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: bkt, Key: aws.String("m"), UploadId: mp.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: up.ETag, ChecksumCRC32: up.ChecksumCRC32}}}})
	if err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	if !strings.HasSuffix(aws.ToString(done.ChecksumCRC32), "-1") {
		t.Errorf("composite checksum %q", aws.ToString(done.ChecksumCRC32))
	}
}
