package s3api

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/fedstore/fedstore/internal/authn"
	"github.com/fedstore/fedstore/internal/object/posix"
)

// TestMinioGo drives the handler with minio-go, which over plain HTTP streams
// bodies as STREAMING-AWS4-HMAC-SHA256-PAYLOAD with chunk signatures and lists
// as GET /bucket/?...&fetch-owner=true.
func TestMinioGo(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	be, err := posix.New(t.TempDir(), posix.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(Config{Backend: be, Auth: authn.New(rootSource{}, authn.Options{})}))
	defer srv.Close()
	mc, err := minio.New(strings.TrimPrefix(srv.URL, "http://"), &minio.Options{
		Creds:  credentials.NewStaticV4(testAccessKey, testSecretKey, ""),
		Region: "us-east-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := mc.MakeBucket(ctx, "mc-bucket", minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("MakeBucket: %v", err)
	}
	payload := bytes.Repeat([]byte("0123456789abcdef"), 10000) // 160 KB: several 64 KiB chunks
	if _, err := mc.PutObject(ctx, "mc-bucket", "dir/obj", bytes.NewReader(payload), int64(len(payload)),
		minio.PutObjectOptions{ContentType: "application/x-test", UserMetadata: map[string]string{"k": "v"}}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	obj, err := mc.GetObject(ctx, "mc-bucket", "dir/obj", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(obj)
	obj.Close()
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("GetObject: %d bytes, %v", len(got), err)
	}
	st, err := mc.StatObject(ctx, "mc-bucket", "dir/obj", minio.StatObjectOptions{})
	if err != nil || st.ContentType != "application/x-test" || st.UserMetadata["K"] != "v" {
		t.Errorf("StatObject: %+v %v", st, err)
	}
	var keys []string
	for o := range mc.ListObjects(ctx, "mc-bucket", minio.ListObjectsOptions{Recursive: true, WithMetadata: false}) {
		if o.Err != nil {
			t.Fatalf("ListObjects: %v", o.Err)
		}
		keys = append(keys, o.Key)
	}
	if strings.Join(keys, ",") != "dir/obj" {
		t.Errorf("keys %v", keys)
	}
	if _, err := mc.CopyObject(ctx, minio.CopyDestOptions{Bucket: "mc-bucket", Object: "copy"}, minio.CopySrcOptions{Bucket: "mc-bucket", Object: "dir/obj"}); err != nil {
		t.Errorf("CopyObject: %v", err)
	}
	for _, k := range []string{"dir/obj", "copy"} {
		if err := mc.RemoveObject(ctx, "mc-bucket", k, minio.RemoveObjectOptions{}); err != nil {
			t.Errorf("RemoveObject %s: %v", k, err)
		}
	}
	if err := mc.RemoveBucket(ctx, "mc-bucket"); err != nil {
		t.Errorf("RemoveBucket: %v", err)
	}
}
