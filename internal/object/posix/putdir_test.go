package posix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/fedstore/fedstore/internal/object"
)

// TestPutParentDir: a PUT opens its key's directory with one openat2 when
// no symbolic link is on the way; a directory that does not exist yet is
// made through os.Root. A link, out of the bucket or inside it, is not
// followed: reads see no key through it, and writes and deletes refuse it
// alike (a PUT with ErrKeyConflict, a DELETE by removing nothing). With
// and without the journal.
func TestPutParentDir(t *testing.T) {
	t.Parallel()
	withAndWithoutJournal(t, func(t *testing.T, dir string, b *Backend) {
		ctx := context.Background()
		if err := b.CreateBucket(ctx, "bkt"); err != nil {
			t.Fatal(err)
		}
		bkt := filepath.Join(dir, "bkt")
		outside := t.TempDir()
		for _, err := range []error{
			os.MkdirAll(filepath.Join(bkt, "real", "sub"), 0o755),
			os.Symlink(outside, filepath.Join(bkt, "out")),
			os.Symlink("real", filepath.Join(bkt, "in")),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
		br, err := b.acquireBucket("bkt")
		if err != nil {
			t.Fatal(err)
		}
		defer br.release()
		if !b.useOpenat2(br) {
			t.Skip("no openat2 here: os.Root follows links inside the bucket (TestOpenat2Conformance covers that mode)")
		}
		for _, tc := range []struct {
			dir  string
			fast bool
		}{{"", true}, {"real/", true}, {"real/sub/", true}, {"new/er/", false}} {
			p, err := b.openParent(br, "bkt", tc.dir)
			if err != nil {
				t.Fatalf("openParent(%q): %v", tc.dir, err)
			}
			if fast := p.f == nil; fast != tc.fast {
				t.Errorf("openParent(%q): openat2 used %v, want %v", tc.dir, fast, tc.fast)
			}
			p.close()
		}
		for _, d := range []string{"in/", "in/sub/", "out/", "real/../in/"} {
			if _, err := b.openParent(br, "bkt", d); err == nil {
				t.Errorf("openParent(%q) through a link succeeded", d)
			}
		}

		data := bytes.Repeat([]byte("x"), 4096)
		popts := object.PutOptions{Size: int64(len(data))}
		for _, key := range []string{"out/planted", "in/sub/k", "in/k"} {
			if _, err := b.PutObject(ctx, "bkt", key, bytes.NewReader(data), popts); !errors.Is(err, object.ErrKeyConflict) {
				t.Errorf("PutObject(%q) through a link: %v, want ErrKeyConflict", key, err)
			}
		}
		for _, p := range []string{filepath.Join(outside, "planted"), filepath.Join(bkt, "real", "sub", "k"), filepath.Join(bkt, "real", "k")} {
			if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a PUT through a link wrote %s: %v", p, err)
			}
		}
		for _, key := range []string{"real/k", "top"} {
			put, err := b.PutObject(ctx, "bkt", key, bytes.NewReader(data), popts)
			if err != nil {
				t.Fatalf("PutObject(%q): %v", key, err)
			}
			head, err := b.HeadObject(ctx, "bkt", key)
			if err != nil || head.ETag != put.ETag || !head.LastModified.Equal(put.LastModified) {
				t.Errorf("HEAD %q: %+v, %v; the PUT answered %+v", key, head, err, put)
			}
		}
		// real/k seen through the link: no key to read, none to delete.
		if _, err := b.HeadObject(ctx, "bkt", "in/k"); !errors.Is(err, object.ErrNoSuchKey) {
			t.Errorf("HEAD through a link: %v, want ErrNoSuchKey", err)
		}
		if err := b.DeleteObject(ctx, "bkt", "in/k"); err != nil {
			t.Errorf("DELETE through a link: %v", err)
		}
		if _, err := b.HeadObject(ctx, "bkt", "real/k"); err != nil {
			t.Errorf("DELETE through a link removed the object it points at: %v", err)
		}
		// A key whose parent is an object conflicts, fast path or not.
		if _, err := b.PutObject(ctx, "bkt", "top/x", bytes.NewReader(data), popts); !errors.Is(err, object.ErrKeyConflict) {
			t.Errorf("PutObject under an object: %v, want ErrKeyConflict", err)
		}
	})
}

// TestLinkedBucketDirectory: the bucket's directory itself may be a
// symbolic link (an operator's mount trick): resolution starts below it,
// so keys are written, read and deleted there as in any bucket.
func TestLinkedBucketDirectory(t *testing.T) {
	t.Parallel()
	withAndWithoutJournal(t, func(t *testing.T, dir string, b *Backend) {
		elsewhere := t.TempDir()
		if err := os.Symlink(elsewhere, filepath.Join(dir, "lbkt")); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		data := bytes.Repeat([]byte("y"), 4096)
		for _, key := range []string{"k", "a/b/c"} {
			if _, err := b.PutObject(ctx, "lbkt", key, bytes.NewReader(data), object.PutOptions{Size: int64(len(data))}); err != nil {
				t.Fatalf("PUT %s in a linked bucket directory: %v", key, err)
			}
			if _, got, err := get(t, b, "lbkt", key); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("GET %s: %v", key, err)
			}
			if _, err := os.Stat(filepath.Join(elsewhere, filepath.FromSlash(key))); err != nil {
				t.Errorf("%s is not in the link's target: %v", key, err)
			}
			if err := b.DeleteObject(ctx, "lbkt", key); err != nil {
				t.Fatalf("DELETE %s: %v", key, err)
			}
			if _, err := os.Stat(filepath.Join(elsewhere, filepath.FromSlash(key))); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("DELETE %s left the file: %v", key, err)
			}
		}
	})
}

// withAndWithoutJournal runs test, in parallel, on a new backend in dir
// with the journal on and with it off.
func withAndWithoutJournal(t *testing.T, test func(t *testing.T, dir string, b *Backend)) {
	for _, journal := range []bool{true, false} {
		t.Run(fmt.Sprintf("journal=%v", journal), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			opts := journalOpts()
			opts.Journal = journal
			b, err := New(dir, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			test(t, dir, b)
		})
	}
}
