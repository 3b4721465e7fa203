package object

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// MaxListKeys is the largest page S3 returns.
const MaxListKeys = 1000

// Entry is one key of a backend's ordered key stream.
type Entry struct {
	Key string
	// Info describes the object. It is called only for keys the page returns
	// (not for keys rolled up into a common prefix). ErrNoSuchKey (the object
	// went away meanwhile) makes the listing skip the key.
	Info func() (ObjectInfo, error)
}

// KeyIterator is a backend's view of one bucket's keys for List.
type KeyIterator interface {
	// Seek returns the first key that starts with prefix and sorts strictly
	// after `after` (byte order of the UTF-8 key), or ok == false when there
	// is none. Within one listing every call passes the same prefix and an
	// `after` no smaller than the previous call's, so an iterator may keep
	// its position and only move forward.
	Seek(ctx context.Context, prefix, after string) (e Entry, ok bool, err error)
}

// skipPast is the smallest string after every key that starts with p: keys are
// valid UTF-8, which never has the byte 0xff.
func skipPast(p string) string { return p + "\xff" }

// List computes one page of a ListObjects request over it, with S3's rules:
// keys (and common prefixes) strictly after opts.Marker that start with
// opts.Prefix; with a delimiter, keys that have it after the prefix roll up
// into a common prefix that counts once toward MaxKeys; a common prefix at or
// before the marker (the marker lies inside it) is skipped; when more entries
// follow a full page, IsTruncated is set and NextMarker is the last key or
// common prefix returned. Every backend lists through this function, so every
// backend lists identically.
func List(ctx context.Context, it KeyIterator, opts ListOptions) (ListResult, error) {
	var res ListResult
	if opts.MaxKeys < 0 {
		return res, fmt.Errorf("list: max-keys %d is negative", opts.MaxKeys)
	}
	maxKeys := min(opts.MaxKeys, MaxListKeys)
	after := opts.Marker
	count := 0
	for {
		if err := ctx.Err(); err != nil {
			return ListResult{}, fmt.Errorf("list: %w", err)
		}
		e, ok, err := it.Seek(ctx, opts.Prefix, after)
		if err != nil {
			return ListResult{}, fmt.Errorf("list: %w", err)
		}
		if !ok {
			return res, nil
		}
		if e.Key <= after || !strings.HasPrefix(e.Key, opts.Prefix) {
			return ListResult{}, fmt.Errorf("list: iterator returned %q after %q with prefix %q", e.Key, after, opts.Prefix)
		}
		cp := commonPrefix(e.Key, opts.Prefix, opts.Delimiter)
		if cp != "" && cp <= opts.Marker {
			// The marker lies inside this common prefix: it was returned before.
			after = skipPast(cp)
			continue
		}
		var info ObjectInfo
		if cp == "" {
			info, err = e.Info()
			if errors.Is(err, ErrNoSuchKey) {
				after = e.Key
				continue
			}
			if err != nil {
				return ListResult{}, fmt.Errorf("list: %q: %w", e.Key, err)
			}
		}
		if count >= maxKeys {
			res.IsTruncated = true
			if count == 0 {
				res.NextMarker = opts.Marker
			}
			return res, nil
		}
		count++
		if cp != "" {
			res.CommonPrefixes = append(res.CommonPrefixes, cp)
			res.NextMarker = cp
			after = skipPast(cp)
			continue
		}
		res.Objects = append(res.Objects, info)
		res.NextMarker = e.Key
		after = e.Key
	}
}

// commonPrefix returns the common prefix key rolls up into, or "".
func commonPrefix(key, prefix, delimiter string) string {
	if delimiter == "" {
		return ""
	}
	rest := key[len(prefix):]
	i := strings.Index(rest, delimiter)
	if i < 0 {
		return ""
	}
	return key[:len(prefix)+i+len(delimiter)]
}

// SliceIterator is a KeyIterator over objects held in memory, for backends
// that keep a sorted index and for tests.
type SliceIterator struct {
	objs []ObjectInfo // sorted by Key
}

// NewSliceIterator sorts objs by key (it keeps the slice).
func NewSliceIterator(objs []ObjectInfo) *SliceIterator {
	sort.Slice(objs, func(i, j int) bool { return objs[i].Key < objs[j].Key })
	return &SliceIterator{objs: objs}
}

// Seek implements KeyIterator.
func (s *SliceIterator) Seek(_ context.Context, prefix, after string) (Entry, bool, error) {
	from := max(after, prefix)
	i := sort.Search(len(s.objs), func(i int) bool { return s.objs[i].Key >= from })
	for ; i < len(s.objs); i++ {
		o := s.objs[i]
		if !strings.HasPrefix(o.Key, prefix) {
			return Entry{}, false, nil
		}
		if o.Key > after {
			return Entry{Key: o.Key, Info: func() (ObjectInfo, error) { return o, nil }}, true, nil
		}
	}
	return Entry{}, false, nil
}
