package stsapi

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
)

var formSeeds = []string{
	"", "a=1", "a=1&a=2&b=3", "a", "=x", "&&a=1&", "a=%zz", "a%zz=1", "a=1;b=2", "a=1&b=2;",
	"Action=AssumeRoleWithWebIdentity&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fx&x=a+b%20c",
	"PolicyArns.member.1.arn=a&PolicyArns.member.2.arn=b&PolicyArns.member.1.arn=c",
	strings.Repeat("k=v&", 40), strings.Repeat("k=v&", 31) + "k=v", strings.Repeat("k=v&", 32) + "k=%",
}

// checkParseValues compares parseValues with url.ParseQuery.
func checkParseValues(t *testing.T, s string) {
	t.Helper()
	got, gerr := parseValues(s)
	want, werr := url.ParseQuery(s)
	if fmt.Sprint(gerr) != fmt.Sprint(werr) {
		t.Fatalf("parseValues(%q) error %v, url.ParseQuery %v", s, gerr, werr)
	}
	if werr != nil {
		return
	}
	var names []string
	got.each(func(k string) { names = append(names, k) })
	slices.Sort(names)
	wantNames := make([]string, 0, len(want))
	for k := range want {
		wantNames = append(wantNames, k)
	}
	slices.Sort(wantNames)
	if !slices.Equal(names, wantNames) {
		t.Fatalf("parseValues(%q) names %q, url.ParseQuery %q", s, names, wantNames)
	}
	for k, vs := range want {
		if v, ok := got.get(k); !ok || v != vs[0] {
			t.Fatalf("parseValues(%q).get(%q) = %q, %v; url.ParseQuery %q", s, k, v, ok, vs[0])
		}
	}
	if v, ok := got.get("absent-name"); ok && len(want["absent-name"]) == 0 {
		t.Fatalf("parseValues(%q).get of an absent name = %q", s, v)
	}
}

func TestParseValues(t *testing.T) {
	t.Parallel()
	for _, s := range formSeeds {
		checkParseValues(t, s)
	}
}

func FuzzParseValues(f *testing.F) {
	for _, s := range formSeeds {
		f.Add(s)
	}
	f.Fuzz(checkParseValues)
}
