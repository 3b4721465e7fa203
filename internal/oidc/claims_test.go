package oidc

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func rawClaims(t *testing.T, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestClaimsRoles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		claims string
		path   string
		want   []string
	}{
		{"array", `{"roles":["a","b"]}`, "", []string{"a", "b"}},
		{"array trimmed, empty and duplicates dropped", `{"roles":[" a ","", "a", "b", 3]}`, "", []string{"a", "b"}},
		{"single string", `{"roles":"s3admin"}`, "", []string{"s3admin"}},
		{"comma-separated", `{"roles":"a, b ,,c"}`, "", []string{"a", "b", "c"}},
		{"nested path", `{"realm_access":{"roles":["offline_access","s3admin"]}}`, "realm_access.roles", []string{"offline_access", "s3admin"}},
		{"nested path missing", `{"realm_access":{"groups":["x"]}}`, "realm_access.roles", []string{}},
		{"path through a non-object", `{"realm_access":"x"}`, "realm_access.roles", []string{}},
		{"literal dotted name wins", `{"https://example.com/roles":["ns"],"https://example":{"com/roles":["no"]}}`, "https://example.com/roles", []string{"ns"}},
		{"absent", `{}`, "", []string{}},
		{"number", `{"roles":5}`, "", []string{}},
		{"other claim", `{"roles":["a"],"groups":"g1,g2"}`, "groups", []string{"g1", "g2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := &Claims{Raw: rawClaims(t, tc.claims), roleClaim: "roles"}
			if diff := cmp.Diff(tc.want, c.Roles(tc.path)); diff != "" {
				t.Errorf("Roles (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClaimsGroupsAndStringClaims(t *testing.T) {
	t.Parallel()
	raw := rawClaims(t, `{"sub":"alice","groups":["dev","ops"],"exp":123,"email_verified":true,"mixed":["a",1],"org":{"id":"x"},"tags":[]}`)
	c := &Claims{Raw: raw, groupsClaim: "groups"}
	if diff := cmp.Diff([]string{"dev", "ops"}, c.Groups()); diff != "" {
		t.Errorf("Groups (-want +got):\n%s", diff)
	}
	if got := (&Claims{Raw: raw}).Groups(); got != nil {
		t.Errorf("Groups without a groups claim: %v", got)
	}
	want := map[string][]string{"sub": {"alice"}, "groups": {"dev", "ops"}, "tags": {}}
	if diff := cmp.Diff(want, c.StringClaims()); diff != "" {
		t.Errorf("StringClaims (-want +got):\n%s", diff)
	}
}
