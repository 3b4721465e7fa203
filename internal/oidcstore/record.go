package oidcstore

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fedstore/fedstore/internal/oidc"
)

// KeyPrefix is where provider records live in the state store:
// oidc/providers/<name>.
const KeyPrefix = "oidc/providers/"

// record is the stored form of one provider (JSON). Leeway is a Go
// duration string ("60s") so the record reads well in a state dump.
type record struct {
	Name        string    `json:"name"`
	ConfigURL   string    `json:"config_url"`
	ClaimName   string    `json:"claim_name"`
	Audiences   []string  `json:"audiences"`
	UserClaim   string    `json:"user_claim"`
	GroupsClaim string    `json:"groups_claim,omitempty"`
	Leeway      string    `json:"leeway"`
	ClientID    string    `json:"client_id,omitempty"`
	RedirectURL string    `json:"redirect_url,omitempty"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func key(name string) string { return KeyPrefix + name }

func encodeRecord(cfg oidc.ProviderConfig, updated time.Time) ([]byte, error) {
	r := record{
		Name: cfg.Name, ConfigURL: cfg.ConfigURL, ClaimName: cfg.ClaimName,
		Audiences: cfg.Audiences, UserClaim: cfg.UserClaim, GroupsClaim: cfg.GroupsClaim,
		Leeway: cfg.Leeway.String(), ClientID: cfg.ClientID, RedirectURL: cfg.RedirectURL, UpdatedAt: updated.UTC(),
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("oidcstore: encode provider %q: %w", cfg.Name, err)
	}
	return b, nil
}

// decodeRecord parses a stored record; the key's name wins over the
// record's (a record copied under another key is that key's provider).
func decodeRecord(k string, b []byte) (oidc.ProviderConfig, time.Time, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return oidc.ProviderConfig{}, time.Time{}, fmt.Errorf("oidcstore: stored provider %q is not valid JSON: %w", k, err)
	}
	leeway, err := time.ParseDuration(r.Leeway)
	if err != nil && r.Leeway != "" {
		return oidc.ProviderConfig{}, time.Time{}, fmt.Errorf("oidcstore: stored provider %q: leeway: %w", k, err)
	}
	cfg := oidc.ProviderConfig{
		Name: strings.TrimPrefix(k, KeyPrefix), ConfigURL: r.ConfigURL, ClaimName: r.ClaimName,
		Audiences: r.Audiences, UserClaim: r.UserClaim, GroupsClaim: r.GroupsClaim, Leeway: leeway,
		ClientID: r.ClientID, RedirectURL: r.RedirectURL,
	}
	return cfg.WithDefaults(), r.UpdatedAt, nil
}

// sameConfig reports whether two configs (defaults applied) are equal.
func sameConfig(a, b oidc.ProviderConfig) bool {
	return a.Name == b.Name && a.ConfigURL == b.ConfigURL && a.ClaimName == b.ClaimName &&
		a.UserClaim == b.UserClaim && a.GroupsClaim == b.GroupsClaim && a.Leeway == b.Leeway &&
		a.ClientID == b.ClientID && a.RedirectURL == b.RedirectURL &&
		slices.Equal(a.Audiences, b.Audiences)
}
