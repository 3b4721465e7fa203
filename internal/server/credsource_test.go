package server

import (
	"github.com/google/go-cmp/cmp"

	"context"
	"errors"
	"testing"

	"github.com/fedstore/fedstore/internal/authn"
)

func TestRootSource(t *testing.T) {
	t.Parallel()
	src := NewRootSource("rootuser", "rootsecret123")
	var _ authn.CredentialSource = src
	tests := []struct {
		name    string
		key     string
		token   string
		wantErr error
	}{
		{name: "root", key: "rootuser"},
		{name: "unknown key", key: "someone", wantErr: authn.ErrInvalidAccessKeyId},
		{name: "prefix of root", key: "rootuse", wantErr: authn.ErrInvalidAccessKeyId},
		{name: "empty key", key: "", wantErr: authn.ErrInvalidAccessKeyId},
		{name: "root with token", key: "rootuser", token: "tok", wantErr: authn.ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := src.LookupCredential(context.Background(), tt.key, tt.token)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if c.SecretKey != "" {
					t.Errorf("secret returned with an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := authn.Credential{AccessKey: "rootuser", SecretKey: "rootsecret123",
				Principal: authn.Principal{Kind: authn.Root, AccessKey: "rootuser", Name: "root"}}
			if diff := cmp.Diff(want, c); diff != "" {
				t.Errorf("credential (-want +got):\n%s", diff)
			}
		})
	}
}
