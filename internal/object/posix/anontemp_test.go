package posix

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	"github.com/fedstore/fedstore/internal/object"
	"github.com/fedstore/fedstore/internal/object/objecttest"
)

// TestConformanceNamedTempFiles: the conformance suite with PUTs writing
// named temp files (the path taken where O_TMPFILE is missing), with the
// journal and without.
func TestConformanceNamedTempFiles(t *testing.T) {
	t.Parallel()
	for _, journal := range []bool{false, true} {
		t.Run(map[bool]string{false: "fsync", true: "journal"}[journal], func(t *testing.T) {
			t.Parallel()
			objecttest.Run(t, func(t *testing.T) object.Backend {
				b, err := New(t.TempDir(), Options{NamedTempFiles: true, Journal: journal})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { b.Close() })
				if b.anonTemp {
					t.Fatal("NamedTempFiles: PUTs still write unnamed temp files")
				}
				return b
			})
		})
	}
}

// TestAnonTempFiles: where the filesystem has O_TMPFILE, PUTs of new keys,
// overwrites, refused PUTs and key conflicts leave nothing in the temp
// directory, and the objects read back; with the journal and without.
func TestAnonTempFiles(t *testing.T) {
	t.Parallel()
	for _, journal := range []bool{false, true} {
		t.Run(map[bool]string{false: "fsync", true: "journal"}[journal], func(t *testing.T) {
			t.Parallel()
			b, err := New(t.TempDir(), Options{Journal: journal})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			if !b.anonTemp {
				t.Skip("the test filesystem has no O_TMPFILE (or no /proc)")
			}
			ctx := context.Background()
			if err := b.CreateBucket(ctx, "bkt"); err != nil {
				t.Fatal(err)
			}
			put := func(key string, body []byte, opts object.PutOptions) (object.ObjectInfo, error) {
				opts.Size = int64(len(body))
				return b.PutObject(ctx, "bkt", key, bytes.NewReader(body), opts)
			}
			check := func(key string, want []byte) {
				t.Helper()
				o, err := b.GetObject(ctx, "bkt", key)
				if err != nil {
					t.Fatalf("GET %s: %v", key, err)
				}
				defer o.Body.Close()
				var got bytes.Buffer
				if _, err := got.ReadFrom(o.Body); err != nil || !bytes.Equal(got.Bytes(), want) || o.Info.Size != int64(len(want)) {
					t.Fatalf("GET %s: %q (size %d), %v; want %q", key, got.Bytes(), o.Info.Size, err, want)
				}
			}
			tmpEmpty := func(when string) {
				t.Helper()
				b.waitRetired() // replaced files are unlinked in the background (retire.go)
				ents, err := os.ReadDir(b.tmp)
				if err != nil {
					t.Fatal(err)
				}
				if len(ents) != 0 {
					t.Fatalf("%s: the temp directory holds %d entries (%s...)", when, len(ents), ents[0].Name())
				}
			}
			if _, err := put("a/new", []byte("one"), object.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			check("a/new", []byte("one"))
			tmpEmpty("after a new key")
			if _, err := put("a/new", []byte("two, longer"), object.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			check("a/new", []byte("two, longer"))
			tmpEmpty("after an overwrite")
			if _, err := put("a/bad", []byte("x"), object.PutOptions{ContentMD5: make([]byte, 16)}); !errors.Is(err, object.ErrBadDigest) {
				t.Fatalf("wrong Content-MD5: %v", err)
			}
			tmpEmpty("after a refused PUT")
			if _, err := put("a/new/under", []byte("y"), object.PutOptions{}); !errors.Is(err, object.ErrKeyConflict) {
				t.Fatalf("a key under an object: %v", err)
			}
			if _, err := put("a", []byte("z"), object.PutOptions{}); !errors.Is(err, object.ErrKeyConflict) {
				t.Fatalf("an object over a prefix: %v", err)
			}
			tmpEmpty("after key conflicts")
			if _, err := b.HeadObject(ctx, "bkt", "a/bad"); !errors.Is(err, object.ErrNoSuchKey) {
				t.Fatalf("the refused PUT left an object: %v", err)
			}
			check("a/new", []byte("two, longer"))
		})
	}
}
