package s3api

import (
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/object"
	"github.com/fedstore/fedstore/internal/reqctx"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// checkGolden compares got with testdata/name.golden (rewriting it with -update).
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func TestGoldenXMLResponses(t *testing.T) {
	t.Parallel()
	when := time.Date(2026, 11, 29, 8, 0, 0, 123e6, time.UTC)
	h := New(Config{Backend: nil}).(*handler)
	o := h.owner()
	crc := &object.Checksum{Algorithm: "CRC32", Value: "AAAAAA==", Type: "FULL_OBJECT"}
	tests := []struct {
		name string
		doc  any
	}{
		{"ListAllMyBucketsResult", listAllMyBucketsResult{Xmlns: s3Namespace, Owner: o, Buckets: []bucketEntry{{Name: "alpha", CreationDate: xmlTime(when)}, {Name: "beta", CreationDate: xmlTime(when)}}}},
		{"LocationConstraint", locationConstraint{Xmlns: s3Namespace, Location: "eu-west-1"}},
		{"LocationConstraintUSEast1", locationConstraint{Xmlns: s3Namespace}},
		{"VersioningConfiguration", versioningConfiguration{Xmlns: s3Namespace}},
		{"Tagging", tagging{Xmlns: s3Namespace}},
		{"AccessControlPolicy", func() any {
			rs, _ := h.getACLDoc()
			return rs
		}()},
		{"ListBucketResultV1", listBucketResultV1{Xmlns: s3Namespace, Name: "bkt", Prefix: "a/", Marker: "a/0", NextMarker: "a/c/", MaxKeys: 2, Delimiter: "/", IsTruncated: true,
			Contents:       h.objectEntries([]object.ObjectInfo{{Key: "a/b", Size: 3, ETag: `"900150983cd24fb0d6963f7d28e17f72"`, LastModified: when}}, encoder(false), &o),
			CommonPrefixes: prefixEntries([]string{"a/c/"}, encoder(false))}},
		{"ListBucketResultV2", listBucketResultV2{Xmlns: s3Namespace, Name: "bkt", Prefix: "a%20b/", MaxKeys: 1000, KeyCount: 2, Delimiter: "/", IsTruncated: true, EncodingType: "url",
			ContinuationToken: encodeToken("a b/0"), NextContinuationToken: encodeToken("a b/x"), StartAfter: "a+b/0",
			Contents:       h.objectEntries([]object.ObjectInfo{{Key: "a b/k+1", Size: 0, ETag: `"d41d8cd98f00b204e9800998ecf8427e"`, LastModified: when, Checksum: crc}}, encoder(true), nil),
			CommonPrefixes: prefixEntries([]string{"a b/x"}, encoder(true))}},
		{"CopyObjectResult", copyObjectResult{Xmlns: s3Namespace, ETag: `"abc"`, LastModified: xmlTime(when)}},
		{"CopyPartResult", copyPartResult{Xmlns: s3Namespace, ETag: `"abc"`, LastModified: xmlTime(when)}},
		{"InitiateMultipartUploadResult", initiateMultipartUploadResult{Xmlns: s3Namespace, Bucket: "bkt", Key: "big", UploadID: "upload-1"}},
		{"CompleteMultipartUploadResult", completeMultipartUploadResult{Xmlns: s3Namespace, Location: "http://127.0.0.1:9000/bkt/big", Bucket: "bkt", Key: "big", ETag: `"abc-2"`,
			checksumFields: checksumXML(&object.Checksum{Algorithm: "CRC32", Value: "AAAAAA==-2", Type: "COMPOSITE"}, true)}},
		{"ListPartsResult", listPartsResult{Xmlns: s3Namespace, Bucket: "bkt", Key: "big", UploadID: "upload-1", Initiator: o, Owner: o, StorageClass: "STANDARD",
			NextPartNumberMarker: 2, MaxParts: 2, IsTruncated: true, ChecksumAlgorithm: "CRC32",
			Parts: []partEntry{{PartNumber: 1, LastModified: xmlTime(when), ETag: `"p1"`, Size: 5 << 20, checksumFields: checksumXML(crc, false)}, {PartNumber: 2, LastModified: xmlTime(when), ETag: `"p2"`, Size: 1}}}},
		{"ListMultipartUploadsResult", listMultipartUploadsResult{Xmlns: s3Namespace, Bucket: "bkt", NextKeyMarker: "big", NextUploadIDMarker: "upload-1", Prefix: "", MaxUploads: 1, IsTruncated: true,
			Uploads:        []uploadEntry{{Key: "big", UploadID: "upload-1", Initiator: o, Owner: o, StorageClass: "STANDARD", Initiated: xmlTime(when)}},
			CommonPrefixes: []commonPrefix{}}},
		{"DeleteResult", deleteResult{Xmlns: s3Namespace, Deleted: []deletedEntry{{Key: "a"}}, Errors: []deleteErrorEntry{{Key: "b", Code: "AccessDenied", Message: "Access Denied."}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := marshalXML(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.name, got)
		})
	}
}

// TestGoldenErrorXML renders an error through the one renderer, as a client sees it.
func TestGoldenErrorXML(t *testing.T) {
	t.Parallel()
	h := New(Config{}).(*handler)
	tests := []struct {
		name   string
		method string
		err    error
		status int
		golden string // "" means no body (HEAD)
	}{
		{"NoSuchKey", http.MethodGet, object.ErrNoSuchKey, 404, "Error-NoSuchKey"},
		{"Internal", http.MethodGet, context.DeadlineExceeded, 500, "Error-InternalError"},
		{"HEAD", http.MethodHead, object.ErrNoSuchKey, 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tt.method, "/bkt/some/key", nil)
			r = r.WithContext(reqctx.With(r.Context(), &reqctx.Info{ID: "REQ123"}))
			w := httptest.NewRecorder()
			h.render(w, r, nil, tt.err)
			if w.Code != tt.status {
				t.Errorf("status = %d, want %d", w.Code, tt.status)
			}
			if tt.golden == "" {
				if w.Body.Len() != 0 {
					t.Errorf("HEAD error has a body: %q", w.Body)
				}
				return
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/xml" {
				t.Errorf("Content-Type = %q", ct)
			}
			checkGolden(t, tt.golden, w.Body.Bytes())
		})
	}
}
