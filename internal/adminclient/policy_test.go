package adminclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fedstore/fedstore/internal/adminapi"
	"github.com/fedstore/fedstore/internal/adminapi/adminapitest"
	"github.com/fedstore/fedstore/internal/adminclient"
	"github.com/fedstore/fedstore/internal/iam"
	"github.com/fedstore/fedstore/internal/state/memory"
)

// TestPolicyRoundTrip drives the real admin API and iam store over SigV4.
func TestPolicyRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	store, err := iam.New(ctx, st, iam.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Close)
	srv := httptest.NewServer(adminapi.New(adminapi.Config{
		Auth: &adminapitest.Verifier{AccessKey: rootAK, SecretKey: rootSK},
		IAM:  store,
	}))
	t.Cleanup(srv.Close)
	c, err := adminclient.New(srv.URL, rootAK, rootSK)
	if err != nil {
		t.Fatal(err)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	var ae *adminclient.Error
	if _, err := c.PolicyAdd(ctx, "ro", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}`); !errors.As(err, &ae) ||
		ae.Code != "MalformedPolicyDocument" || !strings.Contains(ae.Message, "Statement[0]") {
		t.Fatalf("malformed: %v", err)
	}
	if res, err := c.PolicyAdd(ctx, "ro", doc); err != nil || !res.Created {
		t.Fatalf("add: %+v %v", res, err)
	}
	if !store.HasPolicy("ro") {
		t.Fatal("the store does not have the policy")
	}
	// Names that need escaping in the query survive (and still verify).
	if _, err := c.PolicyShow(ctx, "a+b=c"); !errors.As(err, &ae) || ae.Code != "NoSuchPolicy" || !strings.Contains(ae.Message, `"a+b=c"`) {
		t.Fatalf("show escaped: %v", err)
	}
	if _, err := c.PolicyAdd(ctx, "a+b=c", doc); err != nil {
		t.Fatal(err)
	}
	if p, err := c.PolicyShow(ctx, "a+b=c"); err != nil || p.Name != "a+b=c" {
		t.Fatalf("show a+b=c: %+v %v", p, err)
	}
	if _, err := c.PolicyAttach(ctx, adminapi.PolicyAttachment{Policy: "ro", User: "repo:org/app:ref:refs/heads/main"}); err != nil {
		t.Fatal(err)
	}
	if got := store.AttachedPolicies("repo:org/app:ref:refs/heads/main", nil); !cmp.Equal(got, []string{"ro"}) {
		t.Fatalf("attached = %q", got)
	}
	if _, err := c.PolicyRemove(ctx, "ro", false); !errors.As(err, &ae) || ae.Code != "PolicyAttached" || ae.Status != http.StatusConflict {
		t.Fatalf("remove attached: %v", err)
	}
	l, err := c.PolicyList(ctx)
	if err != nil || len(l.Policies) != 2 || l.Policies[1].Name != "ro" || len(l.Policies[1].Users) != 1 {
		t.Fatalf("list: %+v %v", l, err)
	}
	al, err := c.PolicyAttachments(ctx)
	if err != nil || len(al.Attachments) != 1 {
		t.Fatalf("attachments: %+v %v", al, err)
	}
	if _, err := c.PolicyDetach(ctx, adminapi.PolicyAttachment{Policy: "ro", User: "repo:org/app:ref:refs/heads/main"}); err != nil {
		t.Fatal(err)
	}
	if res, err := c.PolicyRemove(ctx, "ro", false); err != nil || res.Removed != "ro" {
		t.Fatalf("remove: %+v %v", res, err)
	}
	if store.HasPolicy("ro") {
		t.Fatal("removed policy still cached")
	}
}
