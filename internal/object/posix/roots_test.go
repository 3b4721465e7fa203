package posix

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/fedstore/fedstore/internal/object"
)

// replaceBucketDir removes DATA/bkt and makes it again, holding one file
// "a/new", the way another node of a cluster deletes and re-creates a
// bucket on the shared filesystem.
func replaceBucketDir(t *testing.T, dir string) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a", "new"), []byte("new data"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readObject(t *testing.T, b *Backend, key string) ([]byte, error) {
	t.Helper()
	o, err := b.GetObject(t.Context(), "bkt", key)
	if err != nil {
		return nil, err
	}
	defer o.Body.Close()
	return io.ReadAll(o.Body)
}

// TestBucketReplacedBehindBackend: the cached directory of a bucket removed
// and re-created by someone else is noticed by whatever operation comes
// first, and every operation then works on the new directory.
func TestBucketReplacedBehindBackend(t *testing.T) {
	t.Parallel()
	ops := []struct {
		name string
		// first runs right after the replacement, and checks its result.
		first func(t *testing.T, b *Backend, dir string)
	}{
		{"get", func(t *testing.T, b *Backend, dir string) {
			if data, err := readObject(t, b, "a/new"); err != nil || string(data) != "new data" {
				t.Errorf("GET a/new: %q, %v", data, err)
			}
		}},
		{"get missing", func(t *testing.T, b *Backend, dir string) {
			if _, err := readObject(t, b, "old"); !errors.Is(err, object.ErrNoSuchKey) {
				t.Errorf("GET old: %v, want ErrNoSuchKey", err)
			}
		}},
		{"head", func(t *testing.T, b *Backend, dir string) {
			if info, err := b.HeadObject(t.Context(), "bkt", "a/new"); err != nil || info.Size != 8 {
				t.Errorf("HEAD a/new: %+v, %v", info, err)
			}
		}},
		{"put", func(t *testing.T, b *Backend, dir string) {
			putBytes(t, b, "a/put", []byte("put data"), object.Metadata{})
			if data, err := os.ReadFile(filepath.Join(dir, "a", "put")); err != nil || string(data) != "put data" {
				t.Errorf("the PUT did not land in the new directory: %q, %v", data, err)
			}
		}},
		{"put top level", func(t *testing.T, b *Backend, dir string) {
			putBytes(t, b, "top", []byte("top data"), object.Metadata{})
			if data, err := os.ReadFile(filepath.Join(dir, "top")); err != nil || string(data) != "top data" {
				t.Errorf("the PUT did not land in the new directory: %q, %v", data, err)
			}
		}},
		{"list", func(t *testing.T, b *Backend, dir string) {
			if keys := keysOf(t, b); !slices.Equal(keys, []string{"a/new"}) {
				t.Errorf("LIST: %q, want [a/new]", keys)
			}
		}},
		{"delete", func(t *testing.T, b *Backend, dir string) {
			if err := b.DeleteObject(t.Context(), "bkt", "a/new"); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Lstat(filepath.Join(dir, "a", "new")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("DELETE left the file of the new directory: %v", err)
			}
		}},
		{"head bucket", func(t *testing.T, b *Backend, dir string) {
			if _, err := b.HeadBucket(t.Context(), "bkt"); err != nil {
				t.Errorf("HeadBucket: %v", err)
			}
		}},
	}
	for _, sidecar := range []bool{false, true} {
		for _, op := range ops {
			t.Run(fmt.Sprintf("sidecar=%v/%s", sidecar, op.name), func(t *testing.T) {
				t.Parallel()
				b, dir := setup(t, sidecar)
				putBytes(t, b, "old", []byte("old data"), object.Metadata{})
				if data, err := readObject(t, b, "old"); err != nil || string(data) != "old data" {
					t.Fatalf("GET old: %q, %v", data, err)
				}
				replaceBucketDir(t, dir)
				op.first(t, b, dir)

				// Afterwards everything sees the new directory.
				putBytes(t, b, "a/later", []byte("later"), object.Metadata{ContentType: "text/plain"})
				if data, err := os.ReadFile(filepath.Join(dir, "a", "later")); err != nil || string(data) != "later" {
					t.Errorf("later PUT: %q, %v", data, err)
				}
				if data, err := readObject(t, b, "a/later"); err != nil || string(data) != "later" {
					t.Errorf("GET a/later: %q, %v", data, err)
				}
				if info, err := b.HeadObject(t.Context(), "bkt", "a/later"); err != nil || info.Metadata.ContentType != "text/plain" {
					t.Errorf("HEAD a/later: %+v, %v", info, err)
				}
				if _, err := readObject(t, b, "old"); !errors.Is(err, object.ErrNoSuchKey) {
					t.Errorf("GET old after the replacement: %v, want ErrNoSuchKey", err)
				}
				if keys := keysOf(t, b); !slices.Contains(keys, "a/later") || slices.Contains(keys, "old") {
					t.Errorf("LIST: %q", keys)
				}
			})
		}
	}
}

// TestBucketRemovedBehindBackend: without a new directory, a cached root
// gives way to NoSuchBucket, as an uncached open would.
func TestBucketRemovedBehindBackend(t *testing.T) {
	t.Parallel()
	b, dir := setup(t, false)
	putBytes(t, b, "a/k", []byte("data"), object.Metadata{})
	if _, err := readObject(t, b, "a/k"); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := readObject(t, b, "a/k"); !errors.Is(err, object.ErrNoSuchBucket) {
		t.Errorf("GET: %v, want ErrNoSuchBucket", err)
	}
	if _, err := b.HeadObject(ctx, "bkt", "a/k"); !errors.Is(err, object.ErrNoSuchBucket) {
		t.Errorf("HEAD: %v, want ErrNoSuchBucket", err)
	}
	if _, err := b.PutObject(ctx, "bkt", "a/k", bytes.NewReader(nil), object.PutOptions{}); !errors.Is(err, object.ErrNoSuchBucket) {
		t.Errorf("PUT: %v, want ErrNoSuchBucket", err)
	}
	if _, err := b.ListObjects(ctx, "bkt", object.ListOptions{MaxKeys: 10}); !errors.Is(err, object.ErrNoSuchBucket) {
		t.Errorf("LIST: %v, want ErrNoSuchBucket", err)
	}
	if err := b.DeleteObject(ctx, "bkt", "a/k"); !errors.Is(err, object.ErrNoSuchBucket) {
		t.Errorf("DELETE: %v, want ErrNoSuchBucket", err)
	}
	if _, err := b.HeadBucket(ctx, "bkt"); !errors.Is(err, object.ErrNoSuchBucket) {
		t.Errorf("HeadBucket: %v, want ErrNoSuchBucket", err)
	}
	if err := b.CreateBucket(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	putBytes(t, b, "a/k", []byte("again"), object.Metadata{})
	if data, err := readObject(t, b, "a/k"); err != nil || string(data) != "again" {
		t.Errorf("GET after CreateBucket: %q, %v", data, err)
	}
}

func cachedEntry(b *Backend, bucket string) *bucketRoot {
	b.roots.mu.RLock()
	defer b.roots.mu.RUnlock()
	return b.roots.roots[bucket]
}

// TestMissingKeyKeepsCachedRoot: an ENOENT of a key that does not exist
// does not reopen the bucket.
func TestMissingKeyKeepsCachedRoot(t *testing.T) {
	t.Parallel()
	b, _ := setup(t, false)
	putBytes(t, b, "k", []byte("data"), object.Metadata{})
	before := cachedEntry(b, "bkt")
	if before == nil {
		t.Fatal("the bucket's root is not cached after a PUT")
	}
	for _, key := range []string{"missing", "a/b/missing", "k/below-an-object"} {
		if _, err := readObject(t, b, key); !errors.Is(err, object.ErrNoSuchKey) {
			t.Errorf("GET %s: %v, want ErrNoSuchKey", key, err)
		}
	}
	if err := b.DeleteObject(t.Context(), "bkt", "missing"); err != nil {
		t.Errorf("DELETE missing: %v", err)
	}
	if after := cachedEntry(b, "bkt"); after != before {
		t.Error("a missing key replaced the cached root")
	}
}

// TestDeleteBucketClosesRootAfterLastUse: DeleteBucket drops the cached
// root at once and closes it when the last request using it ends.
func TestDeleteBucketClosesRootAfterLastUse(t *testing.T) {
	t.Parallel()
	b, _ := setup(t, false)
	inUse, err := b.acquireBucket("bkt") // a request in flight
	if err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteBucket(t.Context(), "bkt"); err != nil {
		t.Fatal(err)
	}
	if cachedEntry(b, "bkt") != nil {
		t.Error("DeleteBucket left the root in the cache")
	}
	if _, err := inUse.root.Stat("."); err != nil && errors.Is(err, os.ErrClosed) {
		t.Errorf("the root was closed while in use: %v", err)
	}
	inUse.release()
	if _, err := inUse.root.Stat("."); !errors.Is(err, os.ErrClosed) {
		t.Errorf("the root is still open after its last use: %v", err)
	}
	if _, err := b.HeadBucket(t.Context(), "bkt"); !errors.Is(err, object.ErrNoSuchBucket) {
		t.Errorf("HeadBucket after delete: %v", err)
	}
	if err := b.CreateBucket(t.Context(), "bkt"); err != nil {
		t.Fatal(err)
	}
	putBytes(t, b, "k", []byte("data"), object.Metadata{})
	if data, err := readObject(t, b, "k"); err != nil || string(data) != "data" {
		t.Errorf("GET after re-creation: %q, %v", data, err)
	}
}

// TestRootCacheIsBounded: past maxCachedRoots buckets an entry is evicted
// and closed (no request uses it).
func TestRootCacheIsBounded(t *testing.T) {
	t.Parallel()
	b := newTestBackend(t, false)
	var first *bucketRoot
	for i := range maxCachedRoots + 8 {
		name := fmt.Sprintf("bkt-%03d", i)
		if err := os.Mkdir(filepath.Join(b.dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := b.HeadBucket(t.Context(), name); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = cachedEntry(b, name)
		}
	}
	b.roots.mu.RLock()
	n := len(b.roots.roots)
	b.roots.mu.RUnlock()
	if n > maxCachedRoots {
		t.Errorf("%d cached roots, the bound is %d", n, maxCachedRoots)
	}
	evicted := 0
	b.roots.mu.RLock()
	for i := range maxCachedRoots + 8 {
		if b.roots.roots[fmt.Sprintf("bkt-%03d", i)] == nil {
			evicted++
		}
	}
	stillFirst := b.roots.roots["bkt-000"] == first
	b.roots.mu.RUnlock()
	if evicted != 8 {
		t.Errorf("%d buckets not cached, want 8", evicted)
	}
	if !stillFirst {
		if _, err := first.root.Stat("."); !errors.Is(err, os.ErrClosed) {
			t.Errorf("an evicted root is still open: %v", err)
		}
	}
}

// TestRootCacheRace runs reads and writes while the bucket is deleted and
// re-created, through the backend and behind its back: no operation may
// use a closed root (run with -race).
func TestRootCacheRace(t *testing.T) {
	t.Parallel()
	b, dir := setup(t, false)
	ctx := t.Context()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	closedUse := func(op string, err error) {
		if errors.Is(err, os.ErrClosed) {
			t.Errorf("%s used a closed root: %v", op, err)
		}
	}
	for w := range 4 {
		wg.Go(func() {
			key := fmt.Sprintf("w%d/k", w)
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, err := b.PutObject(ctx, "bkt", key, bytes.NewReader([]byte("data")), object.PutOptions{Size: 4})
				closedUse("PUT", err)
				if o, err := b.GetObject(ctx, "bkt", key); err == nil {
					_, err = io.ReadAll(o.Body)
					o.Body.Close()
					closedUse("GET body", err)
				} else {
					closedUse("GET", err)
				}
				_, err = b.HeadObject(ctx, "bkt", key)
				closedUse("HEAD", err)
				_, err = b.ListObjects(ctx, "bkt", object.ListOptions{MaxKeys: 10})
				closedUse("LIST", err)
				closedUse("DELETE", b.DeleteObject(ctx, "bkt", key))
			}
		})
	}
	for i := range 40 {
		if i%2 == 0 {
			_ = os.RemoveAll(dir)
			_ = os.Mkdir(dir, 0o755)
		} else {
			_ = b.DeleteBucket(ctx, "bkt") // fails while keys exist
			_ = b.CreateBucket(ctx, "bkt")
		}
	}
	close(stop)
	wg.Wait()
	_ = b.CreateBucket(ctx, "bkt")
	putBytes(t, b, "final", []byte("final"), object.Metadata{})
	if data, err := readObject(t, b, "final"); err != nil || string(data) != "final" {
		t.Errorf("GET after the churn: %q, %v", data, err)
	}
}

// TestOverwriteWithoutSidecarRetiresNothing: with xattr metadata, replacing
// or deleting a file that has no sidecar schedules no sidecar removal; in
// sidecar mode it does.
func TestOverwriteWithoutSidecarRetiresNothing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ sidecar, noReplaceUnsupported bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		sidecar := tc.sidecar
		// Without RENAME_NOREPLACE every PUT looks the replaced file up
		// first; with it only PUTs over an existing key do (put.go).
		t.Run(fmt.Sprintf("sidecar=%v/noreplace-unsupported=%v", sidecar, tc.noReplaceUnsupported), func(t *testing.T) {
			t.Parallel()
			b, _ := setup(t, sidecar)
			b.noReplaceUnsupported.Store(tc.noReplaceUnsupported)
			putBytes(t, b, "k", []byte("one"), object.Metadata{})
			putBytes(t, b, "k", []byte("two"), object.Metadata{})
			putBytes(t, b, "d", []byte("three"), object.Metadata{})
			if err := b.DeleteObject(t.Context(), "bkt", "d"); err != nil {
				t.Fatal(err)
			}
			b.retiredMu.Lock()
			n := len(b.retired)
			b.retiredMu.Unlock()
			want := 0
			if sidecar {
				want = 2
			}
			if n != want || b.retiredN.Load() != int64(want) {
				t.Errorf("%d sidecars scheduled for removal (counter %d), want %d", n, b.retiredN.Load(), want)
			}
		})
	}
}
