package posix

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedstore/fedstore/internal/object"
)

// FuzzDecodeMeta: decodeMetaJSON gives exactly what json.Unmarshal gives,
// error or value, for any input; so does decodeMeta for any input that does
// not start with the binary record's magic byte (FuzzDecodeMetaBin).
func FuzzDecodeMeta(f *testing.F) {
	full, _ := json.Marshal(metaRecord{
		Version: 1, ETag: `"0123456789abcdef0123456789abcdef"`, Size: 4096, MtimeNs: 1764409131123456789, Ino: 1 << 40,
		Metadata: object.Metadata{
			ContentType: "text/plain", ContentEncoding: "gzip", ContentDisposition: `attachment; filename="a b.txt"`,
			ContentLanguage: "en", CacheControl: "no-cache", Expires: "Thu, 01 Dec 1994 16:00:00 GMT",
			User: map[string]string{"k": "v", "back\\slash": "<&>", "ü": "\u2028"},
		},
		Checksum:   &object.Checksum{Algorithm: "CRC32", Value: "AAAAAA==", Type: "FULL_OBJECT"},
		PartsCount: 3,
	})
	plain, _ := json.Marshal(metaRecord{Version: 1, ETag: `"e"`, Size: 0, MtimeNs: -5})
	for _, s := range []string{
		string(full), string(plain), "", "null", "{}", " { } ", `{"v":1}x`, `{"V":1}`, `{"etag":"a\nb"}`,
		`{"size":1.0}`, `{"size":1e3}`, `{"size":01}`, `{"size":-0}`, `{"size":-}`, `{"size":9223372036854775808}`,
		`{"ino":-1}`, `{"ino":18446744073709551615}`, `{"checksum":null}`, `{"checksum":{"Algorithm":"a"},"checksum":{"Value":"b"}}`,
		`{"metadata":{"User":{"a":"1"},"User":{"b":"2"}}}`, `{"metadata":{"User":{"a":"1"},"User":null}}`,
		`{"metadata":null}`, `{"metadata":{"User":{}}}`, `{"etag":"\"x\\"}`, `{"etag":"\u0041"}`, `{"etag":"\/"}`,
		`{"etag":1}`, `{"size":"1"}`, `{"v":1,}`, `{,}`, `{"unknown":1}`, "{\"etag\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var want metaRecord
		wantErr := json.Unmarshal(raw, &want)
		decoders := []func([]byte) (metaRecord, error){decodeMetaJSON}
		if len(raw) == 0 || raw[0] != metaBinMagic {
			decoders = append(decoders, decodeMeta)
		}
		for _, decode := range decoders {
			got, gotErr := decode(raw)
			if (wantErr == nil) != (gotErr == nil) {
				t.Fatalf("%q: error %v, json.Unmarshal's %v", raw, gotErr, wantErr)
			}
			if wantErr != nil {
				continue
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("%q: differs from json.Unmarshal (-json +decoder):\n%s", raw, diff)
			}
		}
	})
}

// TestDecodeMetaFastPath: records as PUT writes them take the fast path.
func TestDecodeMetaFastPath(t *testing.T) {
	t.Parallel()
	for _, rec := range []metaRecord{
		{Version: 1, ETag: `"abc"`, Size: 4096, MtimeNs: 1764409131123456789},
		{Version: 1, ETag: `"abc-2"`, Size: 1, MtimeNs: 1, Ino: 7, PartsCount: 2,
			Metadata: object.Metadata{ContentType: "text/plain", User: map[string]string{"a": "b"}},
			Checksum: &object.Checksum{Algorithm: "SHA256", Value: "x+/=", Type: "COMPOSITE"}},
	} {
		raw, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		var got metaRecord
		d := metaDecoder{b: raw}
		if !d.record(&got) {
			t.Fatalf("%s: not decoded by the fast path", raw)
		}
		if diff := cmp.Diff(rec, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", raw, diff)
		}
	}
}
