package objecttest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fedstore/fedstore/internal/object"
)

func testPutGetHeadDelete(t *testing.T, b object.Backend) {
	mustCreateBucket(t, b, "bkt")
	data := []byte("hello, fedstore")
	before := time.Now().Add(-2 * time.Second)
	info := put(t, b, "bkt", "dir/sub/hello.txt", data)
	if want := object.ETagFromMD5(md5of(data)); info.ETag != want {
		t.Errorf("PutObject ETag = %s, want %s", info.ETag, want)
	}
	if info.Size != int64(len(data)) || info.Key != "dir/sub/hello.txt" || info.Bucket != "bkt" {
		t.Errorf("PutObject info = %+v", info)
	}
	got, ginfo := get(t, b, "bkt", "dir/sub/hello.txt")
	if !bytes.Equal(got, data) {
		t.Fatalf("GetObject body = %q, want %q", got, data)
	}
	if ginfo.ETag != info.ETag || ginfo.Size != info.Size || ginfo.LastModified.Before(before) {
		t.Errorf("GetObject info = %+v, put info = %+v", ginfo, info)
	}
	if ginfo.Metadata.ContentType != "binary/octet-stream" {
		t.Errorf("default content type = %q, want binary/octet-stream", ginfo.Metadata.ContentType)
	}
	hinfo, err := b.HeadObject(ctx(t), "bkt", "dir/sub/hello.txt")
	if err != nil {
		t.Fatalf("HeadObject: %v", err)
	}
	if diff := cmp.Diff(ginfo, hinfo); diff != "" {
		t.Errorf("HeadObject differs from GetObject (-get +head):\n%s", diff)
	}

	// The body seeks.
	o, err := b.GetObject(ctx(t), "bkt", "dir/sub/hello.txt")
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	if _, err := o.Body.Seek(7, io.SeekStart); err != nil {
		t.Fatalf("Seek: %v", err)
	}
	rest, _ := io.ReadAll(o.Body)
	o.Body.Close()
	if string(rest) != "fedstore" {
		t.Errorf("after Seek(7) read %q", rest)
	}

	// Overwrite replaces, empty objects work.
	put(t, b, "bkt", "dir/sub/hello.txt", []byte("v2"))
	if got, _ := get(t, b, "bkt", "dir/sub/hello.txt"); string(got) != "v2" {
		t.Errorf("after overwrite got %q", got)
	}
	if info := put(t, b, "bkt", "empty", nil); info.ETag != `"d41d8cd98f00b204e9800998ecf8427e"` || info.Size != 0 {
		t.Errorf("empty object info = %+v", info)
	}
	if got, _ := get(t, b, "bkt", "empty"); len(got) != 0 {
		t.Errorf("empty object read %q", got)
	}

	// Delete, and delete again (no error), and missing keys.
	for range 2 {
		if err := b.DeleteObject(ctx(t), "bkt", "dir/sub/hello.txt"); err != nil {
			t.Fatalf("DeleteObject: %v", err)
		}
	}
	absent(t, b, "bkt", "dir/sub/hello.txt")
	_, err = b.GetObject(ctx(t), "bkt", "dir/sub/hello.txt")
	wantErr(t, "GetObject after delete", err, object.ErrNoSuchKey)
	_, err = b.GetObject(ctx(t), "bkt", "dir")
	wantErr(t, "GetObject of a prefix", err, object.ErrNoSuchKey)
	if keys := listAll(t, b, "bkt"); !equalStrings(keys, []string{"empty"}) {
		t.Errorf("after delete the bucket lists %q", keys)
	}
	// Deleting the last object leaves the bucket deletable.
	if err := b.DeleteObject(ctx(t), "bkt", "empty"); err != nil {
		t.Fatalf("DeleteObject: %v", err)
	}
	if err := b.DeleteBucket(ctx(t), "bkt"); err != nil {
		t.Fatalf("DeleteBucket after deleting every object: %v", err)
	}
}

func testMetadata(t *testing.T, b object.Backend) {
	mustCreateBucket(t, b, "bkt")
	meta := object.Metadata{
		ContentType:        "text/plain; charset=utf-8",
		ContentEncoding:    "gzip",
		ContentDisposition: `attachment; filename="x.txt"`,
		ContentLanguage:    "de",
		CacheControl:       "max-age=60",
		Expires:            "Wed, 21 Oct 2037 07:28:00 GMT",
		User:               map[string]string{"color": "blue", "unicode": "grüße"},
	}
	sum := &object.Checksum{Algorithm: "CRC32", Value: "AAAAAA==", Type: object.ChecksumFullObject}
	called := 0
	data := []byte("metadata body")
	info, err := b.PutObject(ctx(t), "bkt", "m", bytes.NewReader(data), object.PutOptions{
		Metadata: meta, Size: -1, ContentMD5: md5of(data),
		Checksum: func() *object.Checksum { called++; return sum },
	})
	if err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if called != 1 {
		t.Errorf("Checksum callback called %d times, want 1", called)
	}
	for _, got := range []object.ObjectInfo{info, headInfo(t, b, "bkt", "m"), getInfo(t, b, "bkt", "m")} {
		if diff := cmp.Diff(meta, got.Metadata); diff != "" {
			t.Errorf("metadata (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(sum, got.Checksum); diff != "" {
			t.Errorf("checksum (-want +got):\n%s", diff)
		}
	}
	// A list entry carries the same ETag and size.
	res, err := b.ListObjects(ctx(t), "bkt", object.ListOptions{MaxKeys: 10})
	if err != nil || len(res.Objects) != 1 || res.Objects[0].ETag != info.ETag || res.Objects[0].Size != int64(len(data)) {
		t.Fatalf("ListObjects = %+v, %v", res, err)
	}
	// Overwriting without metadata drops the old metadata.
	put(t, b, "bkt", "m", []byte("plain"))
	if got := headInfo(t, b, "bkt", "m"); got.Metadata.User != nil || got.Checksum != nil || got.Metadata.ContentType != "binary/octet-stream" {
		t.Errorf("after a plain overwrite: %+v", got)
	}
}

func headInfo(t *testing.T, b object.Backend, bucket, key string) object.ObjectInfo {
	t.Helper()
	info, err := b.HeadObject(ctx(t), bucket, key)
	if err != nil {
		t.Fatalf("HeadObject(%q): %v", key, err)
	}
	return info
}

func getInfo(t *testing.T, b object.Backend, bucket, key string) object.ObjectInfo {
	t.Helper()
	_, info := get(t, b, bucket, key)
	return info
}

func testContentMD5(t *testing.T, b object.Backend) {
	mustCreateBucket(t, b, "bkt")
	data := []byte("digest me")
	if _, err := b.PutObject(ctx(t), "bkt", "good", bytes.NewReader(data), object.PutOptions{Size: int64(len(data)), ContentMD5: md5of(data)}); err != nil {
		t.Fatalf("PutObject with the right Content-MD5: %v", err)
	}
	_, err := b.PutObject(ctx(t), "bkt", "bad", bytes.NewReader(data), object.PutOptions{Size: int64(len(data)), ContentMD5: md5of([]byte("other"))})
	wantErr(t, "PutObject with a wrong Content-MD5", err, object.ErrBadDigest)
	absent(t, b, "bkt", "bad")
	// A failed overwrite keeps the old object.
	_, err = b.PutObject(ctx(t), "bkt", "good", strings.NewReader("new"), object.PutOptions{Size: 3, ContentMD5: md5of(data)})
	wantErr(t, "overwrite with a wrong Content-MD5", err, object.ErrBadDigest)
	if got, _ := get(t, b, "bkt", "good"); !bytes.Equal(got, data) {
		t.Fatalf("after a failed overwrite got %q", got)
	}
	if keys := listAll(t, b, "bkt"); !equalStrings(keys, []string{"good"}) {
		t.Fatalf("bucket lists %q", keys)
	}
}

func testSizeMismatch(t *testing.T, b object.Backend) {
	mustCreateBucket(t, b, "bkt")
	tests := []struct {
		name string
		body string
		size int64
	}{
		{"short", "abc", 10},
		{"long", "abcdefghijkl", 10},
	}
	for _, tc := range tests {
		_, err := b.PutObject(ctx(t), "bkt", tc.name, strings.NewReader(tc.body), object.PutOptions{Size: tc.size})
		wantErr(t, "PutObject "+tc.name, err, object.ErrIncompleteBody)
		absent(t, b, "bkt", tc.name)
	}
}

// failingReader returns n bytes, then err.
type failingReader struct {
	n   int
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, f.err
	}
	k := min(len(p), f.n)
	for i := range p[:k] {
		p[i] = 'x'
	}
	f.n -= k
	return k, nil
}

var errBodyBroken = errors.New("signature of chunk 3 does not match")

func testFailingBody(t *testing.T, b object.Backend) {
	mustCreateBucket(t, b, "bkt")
	put(t, b, "bkt", "kept", []byte("original"))
	for _, key := range []string{"new/key", "kept"} {
		_, err := b.PutObject(ctx(t), "bkt", key, &failingReader{n: 100 << 10, err: errBodyBroken}, object.PutOptions{Size: 200 << 10})
		wantErr(t, "PutObject with a failing body", err, errBodyBroken)
	}
	absent(t, b, "bkt", "new/key")
	if got, _ := get(t, b, "bkt", "kept"); string(got) != "original" {
		t.Fatalf("failed overwrite changed the object to %d bytes", len(got))
	}
	id, err := b.CreateMultipartUpload(ctx(t), "bkt", "mp", object.PutOptions{})
	if err != nil {
		t.Fatalf("CreateMultipartUpload: %v", err)
	}
	_, err = b.UploadPart(ctx(t), "bkt", "mp", id, 1, &failingReader{n: 10, err: errBodyBroken}, object.PartOptions{Size: -1})
	wantErr(t, "UploadPart with a failing body", err, errBodyBroken)
	parts, err := b.ListParts(ctx(t), "bkt", "mp", id, object.ListPartsOptions{})
	if err != nil || len(parts.Parts) != 0 {
		t.Fatalf("ListParts after a failed part = %+v, %v", parts, err)
	}
	if keys := listAll(t, b, "bkt"); !equalStrings(keys, []string{"kept"}) {
		t.Fatalf("bucket lists %q", keys)
	}
}

// testConcurrentPut: writers race on one key; readers must only ever see one
// writer's whole content, matching the ETag they were given.
func testConcurrentPut(t *testing.T, b object.Backend) {
	mustCreateBucket(t, b, "bkt")
	const writers, size = 6, 192 << 10
	payload := func(w int) []byte { return bytes.Repeat([]byte{byte('a' + w)}, size+w) }
	put(t, b, "bkt", "k", payload(0))
	var wg sync.WaitGroup
	done := make(chan struct{})
	errs := make(chan error, 64)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 4 {
				data := payload(w)
				if _, err := b.PutObject(ctx(t), "bkt", "k", bytes.NewReader(data), object.PutOptions{Size: int64(len(data))}); err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
			}
		}()
	}
	var rg sync.WaitGroup
	for range 3 {
		rg.Add(1)
		go func() {
			defer rg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if err := checkWhole(b, t, payload); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	rg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := checkWhole(b, t, payload); err != nil {
		t.Fatal(err)
	}
}

func checkWhole(b object.Backend, t *testing.T, payload func(int) []byte) error {
	o, err := b.GetObject(ctx(t), "bkt", "k")
	if err != nil {
		return fmt.Errorf("reader: %w", err)
	}
	defer o.Body.Close()
	got, err := io.ReadAll(o.Body)
	if err != nil {
		return fmt.Errorf("reader: %w", err)
	}
	if len(got) == 0 {
		return errors.New("reader saw an empty object")
	}
	w := int(got[0] - 'a')
	if w < 0 || w > 26 || !bytes.Equal(got, payload(w)) {
		return fmt.Errorf("reader saw a mixed or partial object of %d bytes", len(got))
	}
	if o.Info.Size != int64(len(got)) || o.Info.ETag != object.ETagFromMD5(md5of(got)) {
		return fmt.Errorf("reader: info %+v does not describe the %d bytes read", o.Info, len(got))
	}
	return nil
}
