package statetest

import (
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fedstore/fedstore/internal/state"
)

func keysOf(kvs []state.KV) []string {
	out := make([]string, 0, len(kvs))
	for _, kv := range kvs {
		out = append(out, kv.Key)
	}
	return out
}

// listKeys are chosen so that byte order differs from naive orders
// (case, length, NUL, high bytes, multi-byte UTF-8).
var listKeys = []string{
	"p/b", "p/a", "p/a/b", "p/a\x00", "p/a\xff", "p/ab", "p/B", "p/é", "p/z", "p/\x00",
	"p/日本", "p/~", "q/outside", "o/outside", "p", "pp/outside",
}

func (s *suite) testListOrder(t *testing.T) {
	st := s.open(t)
	for _, k := range listKeys {
		mustPut(t, st, k, "v:"+k, state.MustNotExist)
	}
	want := []string{}
	for _, k := range listKeys {
		if len(k) >= 2 && k[:2] == "p/" {
			want = append(want, k)
		}
	}
	sort.Strings(want) // Go compares strings bytewise
	res := mustList(t, st, "p/", state.ListOptions{})
	if diff := cmp.Diff(want, keysOf(res.KVs)); diff != "" {
		t.Fatalf("List order (-want +got):\n%s", diff)
	}
	if res.More {
		t.Fatal("More set on a complete listing")
	}
	for _, kv := range res.KVs {
		if string(kv.Value) != "v:"+kv.Key || kv.Revision <= 0 {
			t.Fatalf("entry %+v", kv)
		}
	}
	all := mustList(t, st, "", state.ListOptions{})
	wantAll := append([]string(nil), listKeys...)
	sort.Strings(wantAll)
	if diff := cmp.Diff(wantAll, keysOf(all.KVs)); diff != "" {
		t.Fatalf("List all (-want +got):\n%s", diff)
	}
	if got := mustList(t, st, "nothing/", state.ListOptions{}); len(got.KVs) != 0 || got.More {
		t.Fatalf("List of an empty prefix = %+v", got)
	}
}

func (s *suite) testListPaging(t *testing.T) {
	st := s.open(t)
	for _, k := range listKeys {
		mustPut(t, st, k, "v", state.MustNotExist)
	}
	want := mustList(t, st, "p/", state.ListOptions{}).KVs
	for _, limit := range []int{1, 2, 3, len(want) - 1, len(want), len(want) + 1} {
		var got []state.KV
		after := ""
		for pages := 0; ; pages++ {
			if pages > len(want)+1 {
				t.Fatalf("limit %d: paging does not end", limit)
			}
			res := mustList(t, st, "p/", state.ListOptions{StartAfter: after, Limit: limit})
			if len(res.KVs) > limit {
				t.Fatalf("limit %d: page of %d", limit, len(res.KVs))
			}
			got = append(got, res.KVs...)
			if !res.More {
				break
			}
			if len(res.KVs) != limit {
				t.Fatalf("limit %d: short page %d with More", limit, len(res.KVs))
			}
			after = res.KVs[len(res.KVs)-1].Key
		}
		if diff := cmp.Diff(keysOf(want), keysOf(got)); diff != "" {
			t.Fatalf("limit %d: paged keys (-want +got):\n%s", limit, diff)
		}
	}
	tests := []struct {
		name       string
		startAfter string
		want       []string
	}{
		{"before the prefix", "a", keysOf(want)},
		{"after the prefix", "q", nil},
		{"between keys", "p/a/", keysOf(want)[sort.SearchStrings(keysOf(want), "p/a/"):]},
		{"exact key excluded", "p/b", keysOf(want)[sort.SearchStrings(keysOf(want), "p/b")+1:]},
	}
	for _, tc := range tests {
		res := mustList(t, st, "p/", state.ListOptions{StartAfter: tc.startAfter})
		if diff := cmp.Diff(tc.want, keysOf(res.KVs), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("%s: (-want +got):\n%s", tc.name, diff)
		}
	}
}

func (s *suite) testListRevision(t *testing.T) {
	st := s.open(t)
	r1 := mustPut(t, st, "a", "1", state.AnyRevision)
	if got := mustList(t, st, "", state.ListOptions{}).Revision; got < r1 {
		t.Fatalf("List revision %d, want >= %d", got, r1)
	}
	mustDelete(t, st, "a", r1)
	r2 := mustPut(t, st, "b", "2", state.AnyRevision)
	res := mustList(t, st, "a", state.ListOptions{})
	if len(res.KVs) != 0 || res.Revision < r2 {
		t.Fatalf("List after delete = %+v, want empty at revision >= %d", res, r2)
	}
	if !s.shared && res.Revision != r2 {
		t.Fatalf("List revision %d, want the last write's %d", res.Revision, r2)
	}
}
