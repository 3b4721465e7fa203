package posix

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/fedstore/fedstore/internal/object"
)

// ListObjects implements object.Backend through object.List over a
// depth-first walk in S3 order.
func (b *Backend) ListObjects(ctx context.Context, bucket string, opts object.ListOptions) (object.ListResult, error) {
	r, err := b.acquireBucketFresh(bucket) // a removed directory would list as empty
	if err != nil {
		return object.ListResult{}, err
	}
	defer r.release()
	it := &walker{b: b, r: r.root, bucket: bucket}
	return object.List(ctx, it, opts)
}

// dent is a directory entry that can hold keys.
type dent struct {
	name string
	// sortKey orders the entries of one directory as their keys sort: a
	// directory "a" sorts as "a/" (so "a-c" < "a/b"), the folder marker as
	// "" (the key "dir/" precedes every key below it).
	sortKey string
	dir     bool
	marker  bool
}

type frame struct {
	rel     string // key prefix of the directory: "" or "a/b/"
	entries []dent
	i       int
}

// walker is the object.KeyIterator of a bucket: a depth-first walk that
// reads a directory only when it may hold keys with the prefix after the
// position, and moves forward only.
type walker struct {
	b       *Backend
	r       *os.Root
	bucket  string
	stack   []frame
	started bool
	reads   int // directories read (tests check the walk stays bounded)
}

// related reports whether keys starting with p can start with prefix.
func related(p, prefix string) bool {
	return strings.HasPrefix(p, prefix) || strings.HasPrefix(prefix, p)
}

// Seek implements object.KeyIterator.
func (w *walker) Seek(ctx context.Context, prefix, after string) (object.Entry, bool, error) {
	if !w.started {
		w.started = true
		// Every key with the prefix lies below the prefix's directory part:
		// start there. A directory part no key can have means no keys.
		start := prefix[:strings.LastIndex(prefix, "/")+1]
		if start != "" {
			if _, err := keyToPath(start); err != nil {
				return object.Entry{}, false, nil
			}
		}
		if err := w.push(start); err != nil {
			return object.Entry{}, false, err
		}
	}
	for len(w.stack) > 0 {
		if err := ctx.Err(); err != nil {
			return object.Entry{}, false, err
		}
		f := &w.stack[len(w.stack)-1]
		if f.i >= len(f.entries) {
			w.stack = w.stack[:len(w.stack)-1]
			continue
		}
		e := f.entries[f.i]
		f.i++
		if e.dir {
			p := f.rel + e.name + "/"
			if !related(p, prefix) {
				if p > prefix {
					w.stack = nil // every later key is past the prefix
				}
				continue
			}
			if after >= p && !strings.HasPrefix(after, p) {
				continue // the whole subtree sorts before the position
			}
			if err := w.push(p); err != nil {
				return object.Entry{}, false, err
			}
			continue
		}
		key := f.rel + e.name
		rel := key
		if e.marker {
			key = f.rel
		}
		if !strings.HasPrefix(key, prefix) {
			if key > prefix {
				w.stack = nil
			}
			continue
		}
		if key <= after || object.ValidateKey(key) != nil {
			continue
		}
		return object.Entry{Key: key, Info: func() (object.ObjectInfo, error) {
			return w.b.objectInfo(w.r, w.bucket, key, rel)
		}}, true, nil
	}
	return object.Entry{}, false, nil
}

// push reads the directory of key prefix rel, sorted in key order.
func (w *walker) push(rel string) error {
	name := "."
	if rel != "" {
		name = strings.TrimSuffix(rel, "/")
	}
	w.reads++
	d, err := w.r.OpenFile(name, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil // removed meanwhile, a file, or a link (never listed): no keys
	}
	list, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return fmt.Errorf("posix: list %s/%s: %w", w.bucket, rel, err)
	}
	entries := make([]dent, 0, len(list))
	for _, e := range list {
		n := e.Name()
		t := e.Type()
		switch {
		case n == markerName && t.IsRegular() && rel != "":
			entries = append(entries, dent{name: n, marker: true})
		case strings.HasPrefix(n, reservedPrefix) || !utf8.ValidString(n):
		case t.IsDir():
			entries = append(entries, dent{name: n, sortKey: n + "/", dir: true})
		case t.IsRegular():
			entries = append(entries, dent{name: n, sortKey: n})
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].sortKey < entries[j].sortKey })
	w.stack = append(w.stack, frame{rel: rel, entries: entries})
	return nil
}
