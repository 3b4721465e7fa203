package posix

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/fedstore/fedstore/internal/object"
)

func setup(t *testing.T, sidecar bool) (*Backend, string) {
	t.Helper()
	b := newTestBackend(t, sidecar)
	if err := b.CreateBucket(t.Context(), "bkt"); err != nil {
		t.Fatal(err)
	}
	return b, filepath.Join(b.dir, "bkt")
}

func putBytes(t *testing.T, b *Backend, key string, data []byte, meta object.Metadata) object.ObjectInfo {
	t.Helper()
	info, err := b.PutObject(t.Context(), "bkt", key, bytes.NewReader(data), object.PutOptions{Size: int64(len(data)), Metadata: meta})
	if err != nil {
		t.Fatalf("PutObject(%q): %v", key, err)
	}
	return info
}

func TestLayout(t *testing.T) {
	t.Parallel()
	for _, sidecar := range []bool{false, true} {
		t.Run(fmt.Sprint("sidecar=", sidecar), func(t *testing.T) {
			t.Parallel()
			b, dir := setup(t, sidecar)
			putBytes(t, b, "a/b/c.txt", []byte("plain file"), object.Metadata{ContentType: "text/plain"})
			putBytes(t, b, "folder/", nil, object.Metadata{})
			if got, err := os.ReadFile(filepath.Join(dir, "a", "b", "c.txt")); err != nil || string(got) != "plain file" {
				t.Fatalf("object file reads %q, %v", got, err)
			}
			if fi, err := os.Stat(filepath.Join(dir, "folder", markerName)); err != nil || !fi.Mode().IsRegular() {
				t.Fatalf("folder marker: %v", err)
			}
			fi, err := os.Stat(filepath.Join(dir, "a", "b", "c.txt"))
			if err != nil {
				t.Fatal(err)
			}
			sideFile := b.sidecarFile("bkt", "a/b/c.txt", identityOf(fi).ino)
			_, sideErr := os.Stat(sideFile)
			n, xErr := unix.Getxattr(filepath.Join(dir, "a", "b", "c.txt"), xattrName, make([]byte, 4096))
			if sidecar {
				if sideErr != nil || xErr == nil {
					t.Errorf("sidecar mode: sidecar %v, xattr %d bytes %v", sideErr, n, xErr)
				}
			} else if sideErr == nil || xErr != nil {
				t.Errorf("xattr mode: sidecar %v, xattr %v", sideErr, xErr)
			}
			// Internal data is never a bucket, temp files never stay.
			list, err := b.ListBuckets(t.Context())
			if err != nil || len(list) != 1 || list[0].Name != "bkt" {
				t.Fatalf("ListBuckets = %+v, %v", list, err)
			}
			_, _ = b.PutObject(t.Context(), "bkt", "bad", strings.NewReader("x"), object.PutOptions{Size: 1, ContentMD5: make([]byte, 16)})
			if tmp, _ := os.ReadDir(b.tmp); len(tmp) != 0 {
				t.Errorf("temp files left: %v", tmp)
			}
			// Delete removes the empty parents, never the bucket.
			if err := b.DeleteObject(t.Context(), "bkt", "a/b/c.txt"); err != nil {
				t.Fatal(err)
			}
			if err := b.DeleteObject(t.Context(), "bkt", "folder/"); err != nil {
				t.Fatal(err)
			}
			if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
				t.Fatalf("bucket dir after deletes: %v, %v", entries, err)
			}
			// The sidecar outlives the file by a grace period (for readers that
			// opened the file just before), then goes.
			if _, err := os.Stat(sideFile); sidecar && err != nil {
				t.Errorf("sidecar removed within its grace period: %v", err)
			}
			b.sweepRetired(time.Now().Add(sidecarGrace))
			if _, err := os.Stat(sideFile); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("sidecar left after delete and grace: %v", err)
			}
		})
	}
}

func TestHandDroppedFiles(t *testing.T) {
	t.Parallel()
	for _, sidecar := range []bool{false, true} {
		t.Run(fmt.Sprint("sidecar=", sidecar), func(t *testing.T) {
			t.Parallel()
			b, dir := setup(t, sidecar)
			if err := os.MkdirAll(filepath.Join(dir, "hand"), 0o755); err != nil {
				t.Fatal(err)
			}
			name := filepath.Join(dir, "hand", "made.bin")
			if err := os.WriteFile(name, []byte("by hand"), 0o644); err != nil {
				t.Fatal(err)
			}
			info, err := b.HeadObject(t.Context(), "bkt", "hand/made.bin")
			if err != nil {
				t.Fatalf("HeadObject: %v", err)
			}
			if info.Size != 7 || !strings.HasSuffix(info.ETag, `-1"`) || info.Metadata.ContentType != defaultContentType {
				t.Fatalf("hand-made file info = %+v", info)
			}
			res, err := b.ListObjects(t.Context(), "bkt", object.ListOptions{MaxKeys: 10})
			if err != nil || len(res.Objects) != 1 || res.Objects[0].ETag != info.ETag {
				t.Fatalf("listing = %+v, %v", res, err)
			}
			// A file edited in place after a PUT loses its stored ETag.
			put := putBytes(t, b, "edited", []byte("v1"), object.Metadata{ContentType: "text/x"})
			f, err := os.OpenFile(filepath.Join(dir, "edited"), os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString(" and more")
			f.Close()
			got, err := b.HeadObject(t.Context(), "bkt", "edited")
			if err != nil {
				t.Fatal(err)
			}
			if got.ETag == put.ETag || got.Size != 11 || !strings.HasSuffix(got.ETag, `-1"`) {
				t.Errorf("edited file info = %+v (put ETag %s)", got, put.ETag)
			}
			// A directory left empty by hand does not block a key of its name.
			if err := os.Mkdir(filepath.Join(dir, "emptydir"), 0o755); err != nil {
				t.Fatal(err)
			}
			putBytes(t, b, "emptydir", []byte("file now"), object.Metadata{})
			// Files with reserved names are not listed.
			os.WriteFile(filepath.Join(dir, ".fedstore-x"), []byte("x"), 0o644)
			if keys := keysOf(t, b); strings.Join(keys, ",") != "edited,emptydir,hand/made.bin" {
				t.Errorf("keys = %q", keys)
			}
		})
	}
}

func keysOf(t *testing.T, b *Backend) []string {
	t.Helper()
	res, err := b.ListObjects(t.Context(), "bkt", object.ListOptions{MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range res.Objects {
		keys = append(keys, o.Key)
	}
	return keys
}

func TestSymlinksStayInBucket(t *testing.T) {
	t.Parallel()
	b, dir := setup(t, false)
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o644)
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "dirlink")); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"link", "dirlink/secret"} {
		if o, err := b.GetObject(t.Context(), "bkt", key); err == nil {
			data, _ := io.ReadAll(o.Body)
			o.Body.Close()
			t.Errorf("GetObject(%q) read %q from outside the bucket", key, data)
		}
		if _, err := b.HeadObject(t.Context(), "bkt", key); err == nil {
			t.Errorf("HeadObject(%q) followed a link out of the bucket", key)
		}
	}
	if _, err := b.PutObject(t.Context(), "bkt", "dirlink/planted", strings.NewReader("x"), object.PutOptions{Size: 1}); err == nil {
		t.Errorf("PutObject through a symlinked directory succeeded")
	}
	if _, err := os.Stat(filepath.Join(outside, "planted")); err == nil {
		t.Fatalf("PutObject wrote outside the bucket")
	}
	if err := b.DeleteObject(t.Context(), "bkt", "dirlink/secret"); err != nil {
		t.Errorf("DeleteObject: %v", err)
	}
	if _, err := os.Stat(filepath.Join(outside, "secret")); err != nil {
		t.Fatalf("DeleteObject removed a file outside the bucket")
	}
	if keys := keysOf(t, b); len(keys) != 0 {
		t.Errorf("symlinks listed: %q", keys)
	}
	res, err := b.ListObjects(t.Context(), "bkt", object.ListOptions{Prefix: "dirlink/", MaxKeys: 10})
	if err != nil || len(res.Objects) != 0 {
		t.Errorf("listing through a symlinked directory: %+v, %v", res, err)
	}
}

func TestPosixKeyRules(t *testing.T) {
	t.Parallel()
	b, _ := setup(t, true)
	for _, key := range []string{"../x", "a/../b", "a//b", "/a", "./a", "a/.", "x/" + markerName, ".fedstore-meta/x", "nul\x00"} {
		_, err := b.PutObject(t.Context(), "bkt", key, strings.NewReader("x"), object.PutOptions{Size: 1})
		if !errors.Is(err, object.ErrInvalidKey) {
			t.Errorf("PutObject(%q) = %v, want ErrInvalidKey", key, err)
		}
	}
	conflicts := []struct{ first, second string }{{"a", "a/b"}, {"c/d", "c"}, {"e/", "e"}, {"f", "f/"}, {"g/h/i", "g/h"}}
	for _, c := range conflicts {
		putBytes(t, b, c.first, []byte("1"), object.Metadata{})
		_, err := b.PutObject(t.Context(), "bkt", c.second, strings.NewReader("2"), object.PutOptions{Size: 1})
		if !errors.Is(err, object.ErrKeyConflict) {
			t.Errorf("PutObject(%q) after %q = %v, want ErrKeyConflict", c.second, c.first, err)
		}
		id, err := b.CreateMultipartUpload(t.Context(), "bkt", c.second, object.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := b.UploadPart(t.Context(), "bkt", c.second, id, 1, strings.NewReader("2"), object.PartOptions{Size: 1})
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.CompleteMultipartUpload(t.Context(), "bkt", c.second, id, []object.CompletePart{{PartNumber: 1, ETag: p.ETag}})
		if !errors.Is(err, object.ErrKeyConflict) {
			t.Errorf("Complete(%q) after %q = %v, want ErrKeyConflict", c.second, c.first, err)
		}
	}
}

// TestPutDeleteRace: PUTs creating a directory race deletes emptying it.
func TestPutDeleteRace(t *testing.T) {
	t.Parallel()
	b, _ := setup(t, false)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				key := fmt.Sprintf("p/q/r/w%d-%d", w, i)
				if _, err := b.PutObject(t.Context(), "bkt", key, strings.NewReader("x"), object.PutOptions{Size: 1}); err != nil {
					errs <- fmt.Errorf("put %s: %w", key, err)
					return
				}
				if err := b.DeleteObject(t.Context(), "bkt", key); err != nil {
					errs <- fmt.Errorf("delete %s: %w", key, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if keys := keysOf(t, b); len(keys) != 0 {
		t.Errorf("keys left: %q", keys)
	}
}

func TestSpecialFilesAreNotObjects(t *testing.T) {
	t.Parallel()
	b, dir := setup(t, false)
	if err := unix.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := b.GetObject(t.Context(), "bkt", "fifo")
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, object.ErrNoSuchKey) {
			t.Errorf("GetObject(fifo) = %v, want ErrNoSuchKey", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("GetObject blocked on a FIFO")
	}
	if keys := keysOf(t, b); len(keys) != 0 {
		t.Errorf("special files listed: %q", keys)
	}
}

// TestLargeMetadataFallsBackToSidecar: a record too large for an xattr goes
// to a sidecar, and reads still find it.
func TestLargeMetadataFallsBackToSidecar(t *testing.T) {
	t.Parallel()
	for _, unsupported := range []bool{false, true} {
		t.Run(fmt.Sprint("noreplace-unsupported=", unsupported), func(t *testing.T) {
			t.Parallel()
			testLargeMetadataFallsBackToSidecar(t, unsupported)
		})
	}
}

func testLargeMetadataFallsBackToSidecar(t *testing.T, noReplaceUnsupported bool) {
	b, dir := setup(t, false)
	b.noReplaceUnsupported.Store(noReplaceUnsupported)
	meta := object.Metadata{ContentType: "text/big", User: map[string]string{"big": strings.Repeat("v", 16<<10)}}
	info := putBytes(t, b, "k", []byte("data"), meta)
	got, err := b.HeadObject(t.Context(), "bkt", "k")
	if err != nil {
		t.Fatal(err)
	}
	if got.ETag != info.ETag || got.Metadata.User["big"] != meta.User["big"] || got.Metadata.ContentType != "text/big" {
		t.Fatalf("HeadObject = ETag %s type %q user %d bytes", got.ETag, got.Metadata.ContentType, len(got.Metadata.User["big"]))
	}
	fi, err := os.Stat(filepath.Join(dir, "k"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(b.sidecarFile("bkt", "k", identityOf(fi).ino)); err != nil {
		t.Errorf("no sidecar for a large record: %v", err)
	}
	// Overwriting with small metadata goes back to the xattr and drops the sidecar.
	putBytes(t, b, "k", []byte("data2"), object.Metadata{ContentType: "text/small"})
	b.sweepRetired(time.Now().Add(sidecarGrace))
	if _, err := os.Stat(b.sidecarFile("bkt", "k", identityOf(fi).ino)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("old sidecar left: %v", err)
	}
	if got, err := b.HeadObject(t.Context(), "bkt", "k"); err != nil || got.Metadata.ContentType != "text/small" {
		t.Errorf("after overwrite: %+v, %v", got, err)
	}
}
