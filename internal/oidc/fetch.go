package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// discoveryDoc is the part of the OpenID discovery document fedstore uses.
type discoveryDoc struct {
	Issuer           string   `json:"issuer"`
	JWKSURI          string   `json:"jwks_uri"`
	SigningAlgValues []string `json:"id_token_signing_alg_values_supported"`
}

// getJSON fetches rawURL and decodes its JSON body into v, bounded in time
// and size. It returns the response's max-age (0 if none). Errors say what
// was fetched and what went wrong; they never wrap ErrIDPCommunication
// (callers do).
func getJSON(ctx context.Context, o Options, rawURL string, v any) (maxAge time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, o.FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", rawURL, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := o.HTTPClient.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return 0, fmt.Errorf("GET %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, o.MaxResponseBytes+1))
	if err != nil {
		return 0, fmt.Errorf("GET %s: reading the response: %w", rawURL, err)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: status %d, want 200", rawURL, resp.StatusCode)
	}
	if int64(len(body)) > o.MaxResponseBytes {
		return 0, fmt.Errorf("GET %s: response is larger than %d bytes", rawURL, o.MaxResponseBytes)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return 0, fmt.Errorf("GET %s: response is not valid JSON: %w", rawURL, err)
	}
	return parseMaxAge(resp.Header.Get("Cache-Control")), nil
}

// parseMaxAge returns Cache-Control's max-age, or 0 when absent, invalid or
// no-store/no-cache.
func parseMaxAge(cc string) time.Duration {
	var age time.Duration
	for _, d := range strings.Split(cc, ",") {
		d = strings.ToLower(strings.TrimSpace(d))
		switch {
		case d == "no-store" || d == "no-cache":
			return 0
		case strings.HasPrefix(d, "max-age="):
			n, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(d, "max-age="), `"`), 10, 64)
			if err == nil && n > 0 && n < 1<<31 {
				age = time.Duration(n) * time.Second
			}
		}
	}
	return age
}

// fetchDiscovery loads and checks the discovery document at discURL, whose
// issuer must equal expectedIssuer (ignoring one trailing slash).
func fetchDiscovery(ctx context.Context, o Options, discURL, expectedIssuer string) (discoveryDoc, error) {
	var doc discoveryDoc
	if _, err := getJSON(ctx, o, discURL, &doc); err != nil {
		return doc, err
	}
	if doc.Issuer == "" {
		return doc, fmt.Errorf("discovery document %s has no issuer", discURL)
	}
	if !sameIssuer(doc.Issuer, expectedIssuer) {
		return doc, fmt.Errorf("discovery document %s names issuer %s, but the configured issuer is %s", discURL, q(doc.Issuer), q(expectedIssuer))
	}
	if doc.JWKSURI == "" {
		return doc, fmt.Errorf("discovery document %s has no jwks_uri", discURL)
	}
	u, err := url.Parse(doc.JWKSURI)
	if err != nil {
		return doc, fmt.Errorf("discovery document %s: jwks_uri %s is not a URL: %w", discURL, q(doc.JWKSURI), err)
	}
	if err := checkFetchURL(u, o.InsecureAllowHTTP); err != nil {
		return doc, fmt.Errorf("discovery document %s: jwks_uri %s %w", discURL, q(doc.JWKSURI), err)
	}
	return doc, nil
}
