package s3api

import (
	"errors"
	"net/url"
	"testing"

	"github.com/fedstore/fedstore/internal/object"
	"github.com/google/go-cmp/cmp"
)

func TestDecodeListParams(t *testing.T) {
	t.Parallel()
	tok := encodeToken("photos/2024/b.jpg")
	tests := []struct {
		name    string
		query   string
		v2      bool
		want    object.ListOptions
		wantErr string // error code
	}{
		{name: "defaults v1", query: "", want: object.ListOptions{MaxKeys: 1000}},
		{name: "v1 all", query: "prefix=a/&delimiter=/&marker=a/b&max-keys=5", want: object.ListOptions{Prefix: "a/", Delimiter: "/", Marker: "a/b", MaxKeys: 5}},
		{name: "max-keys 0", query: "max-keys=0", want: object.ListOptions{MaxKeys: 0}},
		{name: "max-keys clamped", query: "max-keys=5000", want: object.ListOptions{MaxKeys: 1000}},
		{name: "max-keys int32 max", query: "max-keys=2147483647", want: object.ListOptions{MaxKeys: 1000}},
		{name: "max-keys negative", query: "max-keys=-1", wantErr: "InvalidArgument"},
		{name: "max-keys not int", query: "max-keys=ten", wantErr: "InvalidArgument"},
		{name: "max-keys empty", query: "max-keys=", wantErr: "InvalidArgument"},
		{name: "max-keys overflow", query: "max-keys=99999999999", wantErr: "InvalidArgument"},
		{name: "encoding url", query: "encoding-type=url", want: object.ListOptions{MaxKeys: 1000}},
		{name: "encoding other", query: "encoding-type=base64", wantErr: "InvalidArgument"},
		{name: "encoding empty", query: "encoding-type=", wantErr: "InvalidArgument"},
		{name: "v2 defaults", query: "list-type=2", v2: true, want: object.ListOptions{MaxKeys: 1000}},
		{name: "v2 list-type 3", query: "list-type=3", v2: true, wantErr: "InvalidArgument"},
		{name: "v2 start-after", query: "list-type=2&start-after=m", v2: true, want: object.ListOptions{Marker: "m", MaxKeys: 1000}},
		{name: "v2 token", query: "list-type=2&continuation-token=" + tok, v2: true, want: object.ListOptions{Marker: "photos/2024/b.jpg", MaxKeys: 1000}},
		{name: "v2 token later than start-after", query: "list-type=2&start-after=a&continuation-token=" + tok, v2: true, want: object.ListOptions{Marker: "photos/2024/b.jpg", MaxKeys: 1000}},
		{name: "v2 start-after later than token", query: "list-type=2&start-after=z&continuation-token=" + tok, v2: true, want: object.ListOptions{Marker: "z", MaxKeys: 1000}},
		{name: "v2 bad token", query: "list-type=2&continuation-token=%25%25%25", v2: true, wantErr: "InvalidArgument"},
		{name: "v2 forged token", query: "list-type=2&continuation-token=aGVsbG8", v2: true, wantErr: "InvalidArgument"},
		{name: "v2 empty token", query: "list-type=2&continuation-token=", v2: true, wantErr: "InvalidArgument"},
		{name: "v1 ignores token", query: "continuation-token=%25%25%25", want: object.ListOptions{MaxKeys: 1000}},
		{name: "bad utf8 prefix", query: "prefix=%ff", wantErr: "InvalidArgument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			p, err := decodeListParams(q, tt.v2)
			if tt.wantErr != "" {
				var ae *apiError
				if !errors.As(err, &ae) || ae.code.name() != tt.wantErr {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, p.opts); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTokenRoundTrip(t *testing.T) {
	t.Parallel()
	for _, m := range []string{"", "a", "dir/sub/ü €", "x\x00y"} {
		got, ok := decodeToken(encodeToken(m))
		if !ok || got != m {
			t.Errorf("round trip %q -> %q, %v", m, got, ok)
		}
	}
}

func TestS3URLEncode(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain/key.txt", "plain/key.txt"},
		{"a b", "a+b"},
		{"a+b", "a%2Bb"},
		{"ü", "%C3%BC"},
		{"%", "%25"},
		{"\x01&=?#", "%01%26%3D%3F%23"},
	}
	for _, tt := range tests {
		got := s3URLEncode(tt.in)
		if got != tt.want {
			t.Errorf("s3URLEncode(%q) = %q, want %q", tt.in, got, tt.want)
		}
		back, err := url.QueryUnescape(got)
		if err != nil || back != tt.in {
			t.Errorf("QueryUnescape(%q) = %q, %v", got, back, err)
		}
	}
}
