package posix

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/object"
	"github.com/fedstore/fedstore/internal/object/objecttest"
)

func journalOpts() Options {
	return Options{Journal: true, JournalSegmentSize: 256 << 10, CheckpointInterval: time.Hour}
}

// newJournalBackend opens a backend with the journal on dir; it is closed
// at the end of the test unless the test abandons it (a crash).
func newJournalBackend(t *testing.T, dir string, opts Options) *Backend {
	t.Helper()
	b, err := New(dir, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if !b.XattrMetadata() {
		t.Skip("the test filesystem has no user xattrs")
	}
	if b.journal == nil {
		t.Fatal("journal is off")
	}
	return b
}

// crash stops b's checkpointer without checkpointing and closes its files,
// as a killed process would leave them. The records stay in the segments.
func crash(b *Backend) {
	j := b.journal
	close(j.stop)
	<-j.done
	j.mu.Lock()
	j.closed = true
	j.cond.Broadcast()
	j.mu.Unlock()
	j.closeFiles()
	b.dataFD.Close()
	b.tmpLock.Close()
}

func put(t *testing.T, b *Backend, bucket, key string, body []byte) object.ObjectInfo {
	t.Helper()
	info, err := b.PutObject(context.Background(), bucket, key, bytes.NewReader(body), object.PutOptions{
		Size:     int64(len(body)),
		Metadata: object.Metadata{ContentType: "text/plain", User: map[string]string{"k": key}},
	})
	if err != nil {
		t.Fatalf("PUT %s: %v", key, err)
	}
	return info
}

func get(t *testing.T, b *Backend, bucket, key string) (object.ObjectInfo, []byte, error) {
	t.Helper()
	o, err := b.GetObject(context.Background(), bucket, key)
	if err != nil {
		return object.ObjectInfo{}, nil, err
	}
	defer o.Body.Close()
	info := o.Info
	data, err := io.ReadAll(o.Body)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return info, data, nil
}

func body(key string, n int) []byte {
	return bytes.Repeat([]byte(key+"|"), n/(len(key)+1)+1)[:n]
}

func etagOf(b []byte) string {
	s := md5.Sum(b)
	return `"` + hex.EncodeToString(s[:]) + `"`
}

// loseUnsynced removes what the journal alone made durable: the object
// files (a power cut before the kernel wrote them back).
func loseUnsynced(t *testing.T, dir, bucket string, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if err := os.Remove(filepath.Join(dir, bucket, filepath.FromSlash(k))); err != nil {
			t.Fatalf("lose %s: %v", k, err)
		}
	}
}

func TestJournalConformance(t *testing.T) {
	t.Parallel()
	objecttest.Run(t, func(t *testing.T) object.Backend {
		opts := journalOpts()
		opts.CheckpointInterval = 20 * time.Millisecond
		opts.JournalSegmentSize = 64 << 10
		b := newJournalBackend(t, t.TempDir(), opts)
		t.Cleanup(func() {
			if err := b.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return b
	})
}

func TestJournalRestoresAfterCrash(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := newJournalBackend(t, dir, journalOpts())
	ctx := context.Background()
	if err := b.CreateBucket(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	keys := []string{"a", "dir/b", "dir/sub/c", "over"}
	want := map[string]object.ObjectInfo{}
	for _, k := range keys {
		want[k] = put(t, b, "bkt", k, body(k, 4096))
	}
	// An overwrite: the last version must come back.
	want["over"] = put(t, b, "bkt", "over", body("over-2", 1000))
	// A body of unknown size (aws-chunked without a decoded length): the
	// journal reads it back from the temp file.
	unsized := body("unsized", 3000)
	if _, err := b.PutObject(ctx, "bkt", "unsized", bytes.NewReader(unsized), object.PutOptions{Size: -1}); err != nil {
		t.Fatal(err)
	}
	crash(b)
	loseUnsynced(t, dir, "bkt", append(keys, "unsized")...)

	b2 := newJournalBackend(t, dir, journalOpts())
	defer b2.Close()
	for _, k := range keys {
		info, data, err := get(t, b2, "bkt", k)
		if err != nil {
			t.Fatalf("GET %s after replay: %v", k, err)
		}
		w := want[k]
		wantBody := body(k, 4096)
		if k == "over" {
			wantBody = body("over-2", 1000)
		}
		if !bytes.Equal(data, wantBody) {
			t.Errorf("%s: body differs after replay (%d bytes)", k, len(data))
		}
		if info.ETag != w.ETag || info.ETag != etagOf(wantBody) {
			t.Errorf("%s: ETag %s, want %s", k, info.ETag, w.ETag)
		}
		if !info.LastModified.Equal(w.LastModified) {
			t.Errorf("%s: LastModified %v, want %v", k, info.LastModified, w.LastModified)
		}
		if info.Metadata.ContentType != "text/plain" || info.Metadata.User["k"] != k {
			t.Errorf("%s: metadata %+v", k, info.Metadata)
		}
	}
	if _, data, err := get(t, b2, "bkt", "unsized"); err != nil || !bytes.Equal(data, unsized) {
		t.Errorf("unsized: err %v, %d bytes after replay", err, len(data))
	}
	// The replay emptied the journal: a second crash has nothing to replay.
	for _, f := range b2.journal.segs {
		if recs := readRecords(f, b2.journal.segSize); len(recs) != 0 {
			t.Errorf("segment %s still holds %d records after replay", f.Name(), len(recs))
		}
	}
}

func TestJournalTombstones(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := newJournalBackend(t, dir, journalOpts())
	ctx := context.Background()
	if err := b.CreateBucket(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	// small then large: the large one (fsync path) must survive the replay.
	put(t, b, "bkt", "grow", body("small", 100))
	large := body("large", JournalMaxObject+1)
	put(t, b, "bkt", "grow", large)
	// small then deleted: it must stay deleted.
	put(t, b, "bkt", "gone", body("gone", 100))
	if err := b.DeleteObject(ctx, "bkt", "gone"); err != nil {
		t.Fatal(err)
	}
	// deleted then small again: back.
	put(t, b, "bkt", "again", body("again-1", 100))
	if err := b.DeleteObject(ctx, "bkt", "again"); err != nil {
		t.Fatal(err)
	}
	put(t, b, "bkt", "again", body("again-2", 100))
	crash(b)
	loseUnsynced(t, dir, "bkt", "again")

	b2 := newJournalBackend(t, dir, journalOpts())
	defer b2.Close()
	if _, data, err := get(t, b2, "bkt", "grow"); err != nil || !bytes.Equal(data, large) {
		t.Errorf("grow after replay: err %v, %d bytes (want the large version)", err, len(data))
	}
	if _, _, err := get(t, b2, "bkt", "gone"); err == nil {
		t.Error("a deleted object came back from the journal")
	}
	if _, data, err := get(t, b2, "bkt", "again"); err != nil || !bytes.Equal(data, body("again-2", 100)) {
		t.Errorf("again after replay: err %v, body %q", err, data)
	}
}

func TestJournalCheckpointsAndCleanClose(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := journalOpts()
	opts.JournalSegmentSize = 64 << 10 // ~14 objects a segment: many checkpoints
	opts.CheckpointInterval = 30 * time.Millisecond
	b := newJournalBackend(t, dir, opts)
	ctx := context.Background()
	if err := b.CreateBucket(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := range 40 {
				k := fmt.Sprintf("w%d/%d", w, i%7)
				data := body(fmt.Sprintf("%s-%d", k, i), 4000+i)
				if _, err := b.PutObject(ctx, "bkt", k, bytes.NewReader(data), object.PutOptions{Size: int64(len(data))}); err != nil {
					errs <- err
					return
				}
				if i%11 == 0 {
					if err := b.DeleteObject(ctx, "bkt", k); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// A clean close leaves nothing to replay.
	j, recs, err := openJournal(filepath.Join(dir, internalDir, journalDir), nil, opts.JournalSegmentSize, time.Hour, b.log)
	if err != nil {
		t.Fatal(err)
	}
	j.closeFiles()
	if len(recs) != 0 {
		t.Errorf("%d records left after a clean close", len(recs))
	}
	b2 := newJournalBackend(t, dir, opts)
	defer b2.Close()
	for w := range 8 {
		for k := range 7 {
			key := fmt.Sprintf("w%d/%d", w, k)
			last := 39 - (39-k)%7
			want := body(fmt.Sprintf("%s-%d", key, last), 4000+last)
			_, data, err := get(t, b2, "bkt", key)
			if last%11 == 0 {
				if err == nil {
					t.Errorf("%s: deleted last, still there", key)
				}
				continue
			}
			if err != nil || !bytes.Equal(data, want) {
				t.Errorf("%s: err %v, body differs", key, err)
			}
		}
	}
}

func TestJournalRecords(t *testing.T) {
	t.Parallel()
	var seg []byte
	seg = appendRecord(seg, 7, 1, recPut, "bkt", "a/b", []byte(`{"v":1}`), 123, []byte("hello"))
	seg = appendRecord(seg, 7, 2, recTomb, "bkt", "a/b", nil, 0, nil)
	seg = appendRecord(seg, 7, 3, recPut, "bkt", "c", nil, 5, []byte("x"))
	full := append(seg, make([]byte, 100)...)
	recs := readRecords(bytes.NewReader(full), int64(len(full)))
	if len(recs) != 3 || recs[0].rel != "a/b" || string(recs[0].data) != "hello" || recs[0].mtimeNs != 123 ||
		string(recs[0].meta) != `{"v":1}` || recs[1].typ != recTomb || recs[2].seq != 3 {
		t.Fatalf("round trip: %+v", recs)
	}
	// A torn last record: the first two survive.
	torn := bytes.Clone(full)
	torn[len(seg)-1] ^= 0xff
	if recs := readRecords(bytes.NewReader(torn), int64(len(torn))); len(recs) != 2 {
		t.Errorf("torn tail: %d records, want 2", len(recs))
	}
	// A stale record of an older generation after the new ones is not read.
	stale := appendRecord(bytes.Clone(seg), 6, 4, recPut, "bkt", "old", nil, 0, []byte("old"))
	if recs := readRecords(bytes.NewReader(stale), int64(len(stale))); len(recs) != 3 {
		t.Errorf("stale generation: %d records, want 3", len(recs))
	}
	// A gap in the sequence ends the segment.
	gap := appendRecord(bytes.Clone(seg), 7, 9, recPut, "bkt", "gap", nil, 0, nil)
	if recs := readRecords(bytes.NewReader(gap), int64(len(gap))); len(recs) != 3 {
		t.Errorf("sequence gap: %d records, want 3", len(recs))
	}
	// An invalidated segment (zeroed first header) is empty.
	inv := bytes.Clone(full)
	copy(inv, make([]byte, recHdrLen))
	if recs := readRecords(bytes.NewReader(inv), int64(len(inv))); len(recs) != 0 {
		t.Errorf("invalidated: %d records", len(recs))
	}
}

func FuzzJournalRecords(f *testing.F) {
	f.Add(appendRecord(nil, 1, 1, recPut, "b", "k", []byte("{}"), 1, []byte("data")))
	f.Add(appendRecord(appendRecord(nil, 2, 5, recTomb, "b", "k", nil, 0, nil), 2, 6, recPut, "b", "k2", nil, 0, nil))
	f.Fuzz(func(t *testing.T, seg []byte) {
		recs := readRecords(bytes.NewReader(seg), int64(len(seg)))
		// Whatever is read re-encodes to the same bytes.
		var again []byte
		for _, r := range recs {
			again = appendRecord(again, r.gen, r.seq, r.typ, r.bucket, r.rel, r.meta, r.mtimeNs, r.data)
		}
		if !bytes.HasPrefix(seg, again) {
			t.Fatalf("records %d do not re-encode to the segment's prefix", len(recs))
		}
	})
}

func TestJournalReplaySkipsMissingBucket(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := newJournalBackend(t, dir, journalOpts())
	ctx := context.Background()
	for _, bk := range []string{"keep", "drop"} {
		if err := b.CreateBucket(ctx, bk); err != nil {
			t.Fatal(err)
		}
	}
	put(t, b, "keep", "k", body("k", 10))
	put(t, b, "drop", "k", body("k", 10))
	crash(b)
	if err := os.RemoveAll(filepath.Join(dir, "drop")); err != nil {
		t.Fatal(err)
	}
	loseUnsynced(t, dir, "keep", "k")
	var logs strings.Builder
	opts := journalOpts()
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	b2 := newJournalBackend(t, dir, opts)
	defer b2.Close()
	if _, data, err := get(t, b2, "keep", "k"); err != nil || !bytes.Equal(data, body("k", 10)) {
		t.Errorf("keep/k: err %v", err)
	}
	if !strings.Contains(logs.String(), "object not restored") {
		t.Errorf("no warning for the object of the removed bucket; logs:\n%s", logs.String())
	}
}

// TestJournalWriteError: once the journal cannot be written, small PUTs
// fail (nothing half-stored is answered as stored) and Close still returns.
func TestJournalWriteError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := newJournalBackend(t, dir, journalOpts())
	ctx := context.Background()
	if err := b.CreateBucket(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	put(t, b, "bkt", "before", body("before", 100))
	// The segment file goes away under the journal: the next write fails.
	for _, f := range b.journal.segs {
		f.Close()
	}
	data := body("after", 100)
	if _, err := b.PutObject(ctx, "bkt", "after", bytes.NewReader(data), object.PutOptions{Size: int64(len(data))}); err == nil {
		t.Fatal("PUT succeeded although the journal cannot be written")
	}
	if _, _, err := get(t, b, "bkt", "after"); err == nil {
		t.Error("the failed PUT's object is visible")
	}
	done := make(chan error, 1)
	go func() { done <- b.Close() }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("Close after a journal write error returned nil")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close hangs after a journal write error")
	}
}

// TestJournalNotCreatedWithSidecars: metadata in sidecars is never
// journaled, so no journal files are created for it.
func TestJournalNotCreatedWithSidecars(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := journalOpts()
	opts.ForceSidecar = true
	b, err := New(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.journal != nil {
		t.Error("journal on with sidecar metadata")
	}
	if _, err := os.Stat(filepath.Join(dir, internalDir, journalDir)); !os.IsNotExist(err) {
		t.Errorf("journal directory created with sidecar metadata: %v", err)
	}
}
