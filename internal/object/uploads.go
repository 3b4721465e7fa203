package object

import (
	"fmt"
	"sort"
	"strings"
)

// MaxListUploads is the largest page of ListMultipartUploads and ListParts.
const MaxListUploads = 1000

// ListUploads computes one page of ListMultipartUploads over every upload in
// progress in a bucket: ordered by key, then initiation time, then upload id;
// filtered by prefix; after (KeyMarker, UploadIDMarker): uploads of a key
// after KeyMarker, and uploads of KeyMarker itself whose id sorts after
// UploadIDMarker (when it is set; backends issue ids that sort by
// initiation time so both orders agree); delimiter grouping into common
// prefixes that count toward MaxUploads, as in List. uploads is not modified.
func ListUploads(uploads []Upload, opts ListUploadsOptions) (ListUploadsResult, error) {
	var res ListUploadsResult
	if opts.MaxUploads < 0 {
		return res, fmt.Errorf("list uploads: max-uploads %d is negative", opts.MaxUploads)
	}
	limit := opts.MaxUploads
	if limit == 0 || limit > MaxListUploads {
		limit = MaxListUploads
	}
	sorted := make([]Upload, 0, len(uploads))
	for _, u := range uploads {
		if strings.HasPrefix(u.Key, opts.Prefix) {
			sorted = append(sorted, u)
		}
	}
	sort.Slice(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if a.Key != b.Key {
			return a.Key < b.Key
		}
		if !a.Initiated.Equal(b.Initiated) {
			return a.Initiated.Before(b.Initiated)
		}
		return a.UploadID < b.UploadID
	})
	count := 0
	lastCP := ""
	for _, u := range sorted {
		if !uploadAfterMarker(u, opts) {
			continue
		}
		cp := commonPrefix(u.Key, opts.Prefix, opts.Delimiter)
		if cp != "" && (cp <= opts.KeyMarker || cp == lastCP) {
			continue
		}
		if count >= limit {
			res.IsTruncated = true
			return res, nil
		}
		count++
		if cp != "" {
			lastCP = cp
			res.CommonPrefixes = append(res.CommonPrefixes, cp)
			res.NextKeyMarker, res.NextUploadIDMarker = cp, ""
			continue
		}
		res.Uploads = append(res.Uploads, u)
		res.NextKeyMarker, res.NextUploadIDMarker = u.Key, u.UploadID
	}
	return res, nil
}

func uploadAfterMarker(u Upload, opts ListUploadsOptions) bool {
	if opts.KeyMarker == "" {
		return true
	}
	if u.Key != opts.KeyMarker {
		return u.Key > opts.KeyMarker
	}
	return opts.UploadIDMarker != "" && u.UploadID > opts.UploadIDMarker
}
