package objecttest

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/fedstore/fedstore/internal/object"
)

func testInvalidKeys(t *testing.T, b object.Backend) {
	mustCreateBucket(t, b, "bkt")
	for _, key := range []string{"", strings.Repeat("k", 1025), "bad\xffutf8"} {
		_, err := b.PutObject(ctx(t), "bkt", key, strings.NewReader("x"), object.PutOptions{Size: 1})
		wantErr(t, "PutObject("+key[:min(len(key), 10)]+")", err, object.ErrInvalidKey)
		_, err = b.CreateMultipartUpload(ctx(t), "bkt", key, object.PutOptions{})
		wantErr(t, "CreateMultipartUpload", err, object.ErrInvalidKey)
	}
	// 1024 bytes in short segments is a valid S3 key.
	long := strings.Repeat("abcdefghi/", 102) + "abcd"
	put(t, b, "bkt", long, []byte("long"))
	if got, _ := get(t, b, "bkt", long); string(got) != "long" {
		t.Fatalf("1024-byte key read back %q", got)
	}
	if keys := listAll(t, b, "bkt"); !equalStrings(keys, []string{long}) {
		t.Fatalf("bucket lists %d keys", len(keys))
	}
}

// testTraversalKeys: whatever a backend does with keys shaped like paths out
// of the bucket, it either refuses them (ErrInvalidKey) or keeps them inside
// the bucket: nothing appears in another bucket, nothing outside is read.
func testTraversalKeys(t *testing.T, b object.Backend) {
	mustCreateBucket(t, b, "one")
	mustCreateBucket(t, b, "two")
	put(t, b, "two", "secret", []byte("secret"))
	keys := []string{
		"../two/secret", "../two/x", "a/../../two/y", "./x", "a/./b", "a/..", "..", ".",
		"/abs", "a//b", "nul\x00byte", strings.Repeat("s", 256), "../../../../etc/passwd",
	}
	for _, key := range keys {
		_, err := b.PutObject(ctx(t), "one", key, strings.NewReader("evil"), object.PutOptions{Size: 4})
		if err != nil && !errors.Is(err, object.ErrInvalidKey) {
			t.Errorf("PutObject(%q) = %v, want success or ErrInvalidKey", key, err)
		}
		if o, err := b.GetObject(ctx(t), "one", key); err == nil {
			data := new(bytes.Buffer)
			data.ReadFrom(o.Body)
			o.Body.Close()
			if data.String() != "evil" {
				t.Errorf("GetObject(one, %q) read %q", key, data)
			}
		}
		_ = b.DeleteObject(ctx(t), "one", key)
	}
	if got := listAll(t, b, "two"); !equalStrings(got, []string{"secret"}) {
		t.Fatalf("bucket two lists %q after traversal attempts", got)
	}
	if got, _ := get(t, b, "two", "secret"); string(got) != "secret" {
		t.Fatalf("bucket two's object now reads %q", got)
	}
}

// testKeyConflicts: keys that cannot coexist on a filesystem either both
// work or the second gets ErrKeyConflict and the first stays intact.
func testKeyConflicts(t *testing.T, b object.Backend) {
	mustCreateBucket(t, b, "bkt")
	tests := []struct{ first, second string }{
		{"a", "a/b"},
		{"c/d", "c"},
		{"e/f/g", "e/f"},
		{"h/", "h"},
		{"i", "i/"},
	}
	for _, tc := range tests {
		put(t, b, "bkt", tc.first, []byte("first"))
		_, err := b.PutObject(ctx(t), "bkt", tc.second, strings.NewReader("second"), object.PutOptions{Size: 6})
		if err != nil && !errors.Is(err, object.ErrKeyConflict) {
			t.Errorf("PutObject(%q) after %q = %v, want success or ErrKeyConflict", tc.second, tc.first, err)
		}
		if got, _ := get(t, b, "bkt", tc.first); string(got) != "first" {
			t.Errorf("%q reads %q after PutObject(%q)", tc.first, got, tc.second)
		}
		if err == nil {
			if got, _ := get(t, b, "bkt", tc.second); string(got) != "second" {
				t.Errorf("%q reads %q", tc.second, got)
			}
		} else {
			absent(t, b, "bkt", tc.second)
		}
	}
	// Once the blocking key is gone, the other one can be written.
	if err := b.DeleteObject(ctx(t), "bkt", "a"); err != nil {
		t.Fatal(err)
	}
	put(t, b, "bkt", "a/b", []byte("now"))
	if err := b.DeleteObject(ctx(t), "bkt", "c/d"); err != nil {
		t.Fatal(err)
	}
	put(t, b, "bkt", "c", []byte("now"))
}
