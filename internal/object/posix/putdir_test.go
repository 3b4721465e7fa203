package posix

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/fedstore/fedstore/internal/object"
)

// TestPutParentDir: with the journal on, a PUT opens its key's directory
// with one openat2 when no symbolic link is on the way, and otherwise goes
// through os.Root as before: a link out of the bucket fails the PUT, a link
// inside it is followed.
func TestPutParentDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := newJournalBackend(t, dir, journalOpts())
	defer b.Close()
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

	r, err := os.OpenRoot(bkt)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, tc := range []struct {
		dir  string
		fast bool
	}{{"", true}, {"real/", true}, {"real/sub/", true}, {"in/", false}, {"in/sub/", false}, {"new/er/", false}} {
		p, err := b.openParent(r, "bkt", tc.dir)
		if err != nil {
			t.Fatalf("openParent(%q): %v", tc.dir, err)
		}
		fast := p.f == nil
		p.close()
		if fast != tc.fast {
			if probe, err := unix.Openat2(int(b.dataFD.Fd()), "bkt", &unix.OpenHow{Flags: unix.O_RDONLY | unix.O_DIRECTORY, Resolve: resolveFlags}); err != nil {
				t.Skipf("no openat2 here: %v", err)
			} else {
				unix.Close(probe)
			}
			t.Errorf("openParent(%q): openat2 used %v, want %v", tc.dir, fast, tc.fast)
		}
	}
	if _, err := b.openParent(r, "bkt", "out/"); err == nil {
		t.Error("openParent through a link out of the bucket succeeded")
	}

	data := bytes.Repeat([]byte("x"), 4096)
	opts := object.PutOptions{Size: int64(len(data))}
	if _, err := b.PutObject(ctx, "bkt", "out/planted", bytes.NewReader(data), opts); err == nil {
		t.Error("PutObject through a link out of the bucket succeeded")
	}
	if _, err := os.Lstat(filepath.Join(outside, "planted")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("PutObject wrote outside the bucket: %v", err)
	}
	if _, err := b.PutObject(ctx, "bkt", "in/sub/k", bytes.NewReader(data), opts); err != nil {
		t.Fatalf("PutObject through a link inside the bucket: %v", err)
	}
	for _, key := range []string{"real/k", "top"} {
		put, err := b.PutObject(ctx, "bkt", key, bytes.NewReader(data), opts)
		if err != nil {
			t.Fatalf("PutObject(%q): %v", key, err)
		}
		head, err := b.HeadObject(ctx, "bkt", key)
		if err != nil || head.ETag != put.ETag || !head.LastModified.Equal(put.LastModified) {
			t.Errorf("HEAD %q: %+v, %v; the PUT answered %+v", key, head, err, put)
		}
	}
	if _, err := os.Lstat(filepath.Join(bkt, "real", "sub", "k")); err != nil {
		t.Errorf("the PUT through the link inside the bucket is not where the link points: %v", err)
	}
	// A key whose parent is an object conflicts, fast path or not.
	if _, err := b.PutObject(ctx, "bkt", "top/x", bytes.NewReader(data), opts); !errors.Is(err, object.ErrKeyConflict) {
		t.Errorf("PutObject under an object: %v, want ErrKeyConflict", err)
	}
}
