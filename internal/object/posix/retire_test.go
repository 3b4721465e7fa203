package posix

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/fedstore/fedstore/internal/object"
)

// TestOverwritesRetireReplacedFiles: overwrites (small ones through the
// journal, large ones through fsync) exchange the new file with the old
// one and unlink the old one in the background: every key reads its last
// version, the replaced files leave the temp directory, and nothing is
// left behind by concurrent overwrites.
func TestOverwritesRetireReplacedFiles(t *testing.T) {
	t.Parallel()
	withAndWithoutJournal(t, func(t *testing.T, dir string, b *Backend) {
		ctx := context.Background()
		if err := b.CreateBucket(ctx, "bkt"); err != nil {
			t.Fatal(err)
		}
		sizes := []int{100, 4096, JournalMaxObject + 1}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 4 {
			wg.Go(func() {
				for i := range 12 {
					key := fmt.Sprintf("w%d/k", w)
					data := bytes.Repeat([]byte{byte('a' + i)}, sizes[i%len(sizes)])
					if _, err := b.PutObject(ctx, "bkt", key, bytes.NewReader(data), object.PutOptions{Size: int64(len(data))}); err != nil {
						errs <- fmt.Errorf("PUT %s #%d: %w", key, i, err)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		b.waitRetired()
		for w := range 4 {
			key := fmt.Sprintf("w%d/k", w)
			want := bytes.Repeat([]byte{byte('a' + 11)}, sizes[11%len(sizes)])
			if _, got, err := get(t, b, "bkt", key); err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: %v, %d bytes, want the last version (%d bytes)", key, err, len(got), len(want))
			}
		}
		if ents, err := os.ReadDir(b.tmp); err != nil || len(ents) != 0 {
			t.Errorf("temp directory after the overwrites: %d entries, %v", len(ents), err)
		}
		if !b.noExchange.Load() {
			return
		}
		t.Log("this filesystem has no RENAME_EXCHANGE: overwrites renamed")
	})
}

// TestExchangeLeavesDirectoriesAlone: a directory where the file was
// expected (put there behind fedstore's back) is swapped back, and the
// caller told to rename as before.
func TestExchangeLeavesDirectoriesAlone(t *testing.T) {
	t.Parallel()
	b, err := New(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(b.tmp, "t")
	if err := os.WriteFile(tmp, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	dfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(dfd)
	if b.exchange(tmp, dfd, "d") {
		t.Fatal("exchange with a directory reported success")
	}
	if fi, err := os.Stat(filepath.Join(dir, "d")); err != nil || !fi.IsDir() {
		t.Errorf("the directory was not put back: %v", err)
	}
	if data, err := os.ReadFile(tmp); err != nil || string(data) != "new" {
		t.Errorf("the temp file was not put back: %q, %v", data, err)
	}
}

// TestRetireBounds: beyond maxRetiringBytes waiting, a replaced file is
// unlinked at once; the bound frees up as the retirer works.
func TestRetireBounds(t *testing.T) {
	t.Parallel()
	b, err := New(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	big := filepath.Join(b.tmp, "big")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	b.retire(big, maxRetiringBytes+1) // over the bound on its own
	if _, err := os.Lstat(big); !os.IsNotExist(err) {
		t.Errorf("a file over the byte bound was queued: %v", err)
	}
	for i := range 3 {
		p := filepath.Join(b.tmp, fmt.Sprintf("f%d", i))
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		b.retire(p, maxRetiringBytes/2)
	}
	b.waitRetired()
	if n := b.retirer.bytes.Load(); n != 0 {
		t.Errorf("%d bytes still counted after the retirer caught up", n)
	}
	if ents, err := os.ReadDir(b.tmp); err != nil || len(ents) != 0 {
		t.Errorf("temp directory: %d entries, %v", len(ents), err)
	}
}

// TestRetireAfterClose: a file retired after Close is unlinked at once.
func TestRetireAfterClose(t *testing.T) {
	t.Parallel()
	b, err := New(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(b.tmp, "queued")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	b.retire(p, 0) // starts the retirer
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(p); !os.IsNotExist(err) {
		t.Errorf("a file queued before Close is still there: %v", err)
	}
	q := filepath.Join(b.tmp, "late")
	if err := os.WriteFile(q, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	b.retire(q, 0)
	if _, err := os.Lstat(q); !os.IsNotExist(err) {
		t.Errorf("a file retired after Close is still there: %v", err)
	}
}
