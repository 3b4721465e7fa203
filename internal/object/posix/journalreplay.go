package posix

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fedstore/fedstore/internal/object"
)

// openJournal replays the journal a previous process left, if any, and
// with opts.Journal keeps it open for this process's small PUTs.
func (b *Backend) openJournal(opts Options) error {
	dir := filepath.Join(b.internal, journalDir)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) && (!opts.Journal || !b.xattr) {
		return nil // nothing to replay, and no journal to keep (sidecar metadata is never journaled)
	}
	segSize := opts.JournalSegmentSize
	if segSize <= 0 {
		segSize = DefaultJournalSegment
	}
	interval := opts.CheckpointInterval
	if interval <= 0 {
		interval = DefaultCheckpointInterval
	}
	root, err := os.Open(b.dir)
	if err != nil {
		return fmt.Errorf("posix: %w", err)
	}
	j, recs, err := openJournal(dir, root, segSize, interval, b.log)
	if err != nil {
		root.Close()
		return err
	}
	if err := b.replay(j, recs); err != nil {
		j.closeFiles()
		root.Close()
		return err
	}
	if !opts.Journal || !b.xattr {
		j.closeFiles()
		root.Close()
		return nil
	}
	b.journal, b.dataFD = j, root
	j.start()
	return nil
}

// replay restores the objects whose last record is a put, then makes them
// durable and empties the journal. An object that cannot be restored
// because its bucket is gone or its key now conflicts is skipped with a
// warning; any other failure stops New with the journal intact.
func (b *Backend) replay(j *journal, recs []journalRecord) error {
	if len(recs) == 0 {
		return nil
	}
	last := map[string]int{}
	var order []string
	for i := range recs {
		k := recs[i].key()
		if _, ok := last[k]; !ok {
			order = append(order, k)
		}
		last[k] = i
	}
	restored, skipped := 0, 0
	for _, k := range order {
		r := &recs[last[k]]
		if r.typ != recPut {
			continue
		}
		err := b.restore(r)
		switch {
		case err == nil:
			restored++
		case errors.Is(err, object.ErrNoSuchBucket) || errors.Is(err, object.ErrKeyConflict) || errors.Is(err, object.ErrInvalidKey):
			skipped++
			b.log.Warn("posix: journal: object not restored", "bucket", r.bucket, "key", pathToKey(r.rel), "err", err)
		default:
			return fmt.Errorf("posix: journal replay: %s/%s: %w", r.bucket, pathToKey(r.rel), err)
		}
	}
	if err := j.syncfs(); err != nil {
		return err
	}
	if err := j.invalidateAll(); err != nil {
		return err
	}
	b.log.Info("posix: journal replayed", "records", len(recs), "objects_restored", restored, "skipped", skipped)
	return nil
}

// restore writes one journaled object back: data, metadata and mtime, as
// the PUT left them.
func (b *Backend) restore(rec *journalRecord) error {
	if rel, err := keyToPath(pathToKey(rec.rel)); err != nil || rel != rec.rel {
		return fmt.Errorf("%w: %q", object.ErrInvalidKey, rec.rel)
	}
	br, err := b.acquireBucketFresh(rec.bucket)
	if err != nil {
		return err
	}
	defer br.release()
	f, err := b.createTempFile()
	if err != nil {
		return err
	}
	defer discardTemp(f)
	if _, err := f.Write(rec.data); err != nil {
		return fmt.Errorf("posix: write: %w", err)
	}
	if err := setXattr(f, rec.meta); err != nil {
		return err
	}
	mt := time.Unix(0, rec.mtimeNs)
	if err := os.Chtimes(f.Name(), mt, mt); err != nil {
		return fmt.Errorf("posix: set mtime: %w", err)
	}
	return b.renameInto(br, rec.bucket, rec.rel, f, false)
}

// Close checkpoints and closes the journal (a clean shutdown leaves nothing
// to replay). The Backend must not be used afterwards.
func (b *Backend) Close() error {
	b.closeRetirer()
	if b.journal == nil {
		return nil
	}
	err := b.journal.close()
	b.dataFD.Close()
	return err
}
