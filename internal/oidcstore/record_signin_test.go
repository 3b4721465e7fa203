package oidcstore

import (
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/oidc"
)

// TestRecordSignInFields: the public client id and redirect URL survive
// the stored form, and changing either is a configuration change.
func TestRecordSignInFields(t *testing.T) {
	t.Parallel()
	cfg := oidc.ProviderConfig{Name: "corp", ConfigURL: "https://idp.example.com", Audiences: []string{"cli"},
		ClientID: "cli", RedirectURL: "https://s3.example.com/login/callback"}.WithDefaults()
	b, err := encodeRecord(cfg, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := decodeRecord(key("corp"), b)
	if err != nil {
		t.Fatal(err)
	}
	if got.ClientID != cfg.ClientID || got.RedirectURL != cfg.RedirectURL || !sameConfig(got, cfg) {
		t.Fatalf("decoded %+v, want %+v", got, cfg)
	}
	for _, change := range []func(*oidc.ProviderConfig){
		func(c *oidc.ProviderConfig) { c.ClientID = "other" },
		func(c *oidc.ProviderConfig) { c.RedirectURL = "" },
	} {
		c := cfg
		change(&c)
		if sameConfig(c, cfg) {
			t.Errorf("sameConfig ignores a change: %+v", c)
		}
	}
	// Records written before these fields existed still load.
	old, _, err := decodeRecord(key("corp"), []byte(`{"name":"corp","config_url":"https://idp.example.com","audiences":["a"],"leeway":"60s"}`))
	if err != nil || old.ClientID != "" || old.RedirectURL != "" {
		t.Fatalf("old record: %+v, %v", old, err)
	}
}
