package signin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/fedstore/fedstore/internal/signin/oauth"
	"github.com/fedstore/fedstore/internal/sts"
)

// callback finishes a sign-in: GET /login/callback?code=&state= (or
// ?error=&state= from the IdP).
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	clearCookie(w, r)
	ctx := r.Context()
	q := r.URL.Query()
	c, err := r.Cookie(cookieName)
	if err != nil {
		h.refuse(ctx, w, "no sign-in cookie", "", http.StatusBadRequest, "Sign-in not in progress",
			"This browser has no sign-in in progress here (it expired, was already used, or the link did not come from this server). Start again.")
		return
	}
	f, err := h.seal.open(c.Value, h.cfg.Clock())
	if err != nil {
		h.refuse(ctx, w, err.Error(), "", http.StatusBadRequest, "Sign-in not in progress",
			"The sign-in session expired or is not valid. Start again.")
		return
	}
	if !equal(q.Get("state"), f.State) {
		h.refuse(ctx, w, "state mismatch", f.Provider, http.StatusBadRequest, "Sign-in refused",
			"The answer from the identity provider does not belong to the sign-in this browser started (state mismatch). No credentials were issued. Start again.")
		return
	}
	if e := q.Get("error"); e != "" {
		msg := "The identity provider refused the sign-in: " + trimLen(e, 100)
		if d := q.Get("error_description"); d != "" {
			msg += " (" + trimLen(d, 300) + ")"
		}
		h.refuse(ctx, w, "idp error "+trimLen(e, 100), f.Provider, http.StatusBadRequest, "Sign-in refused", msg+". No credentials were issued.")
		return
	}
	code := q.Get("code")
	if code == "" || len(code) > 4096 {
		h.refuse(ctx, w, "no code", f.Provider, http.StatusBadRequest, "Sign-in refused", "The identity provider sent no authorization code.")
		return
	}
	p, ok := h.provider(f.Provider)
	if !ok {
		h.refuse(ctx, w, "provider gone", f.Provider, http.StatusBadRequest, "Sign-in refused", "The provider "+f.Provider+" no longer offers sign-in here.")
		return
	}
	ictx, cancel := context.WithTimeout(ctx, idpTimeout)
	defer cancel()
	d, err := h.discover(ictx, p.Issuer)
	if err != nil {
		h.refuse(ctx, w, err.Error(), p.Name, http.StatusBadGateway, "Identity provider unreachable", "fedstore could not reach "+p.Name+". Try again later.")
		return
	}
	tok, err := d.ExchangeCode(ictx, h.cfg.HTTPClient, p.ClientID, code, p.RedirectURL, f.Verifier)
	if err != nil {
		msg := "The identity provider did not accept the authorization code (it may have been used already or expired). No credentials were issued. Start again."
		var oe *oauth.Error
		if errors.As(err, &oe) {
			msg = "The identity provider refused the authorization code: " + trimLen(oe.Code, 100) + ". It may have been used already or expired. No credentials were issued. Start again."
		}
		h.refuse(ctx, w, err.Error(), p.Name, http.StatusBadRequest, "Sign-in refused", msg)
		return
	}
	claims, err := h.cfg.Verify(ictx, tok.IDToken)
	if err != nil {
		h.refuse(ctx, w, "id token: "+err.Error(), p.Name, http.StatusBadRequest, "Sign-in refused", "The ID token was not accepted: "+trimLen(err.Error(), 300))
		return
	}
	if n, _ := claims.Raw["nonce"].(string); !equal(n, f.Nonce) {
		h.refuse(ctx, w, "nonce mismatch", p.Name, http.StatusBadRequest, "Sign-in refused",
			"The ID token does not carry this sign-in's nonce (it was issued for another request). No credentials were issued.")
		return
	}
	out, err := h.cfg.Exchange(ictx, sts.WebIdentityInput{
		RoleArn:          fmt.Sprintf("arn:aws:iam::%s:role/%s", h.cfg.AccountID, RoleName),
		RoleSessionName:  SessionName(claims.Subject),
		WebIdentityToken: tok.IDToken,
		Duration:         h.cfg.Duration,
		SourceIP:         clientIP(r),
	})
	if err != nil {
		status, msg := http.StatusForbidden, "fedstore did not issue credentials: "+trimLen(err.Error(), 400)
		if errors.Is(err, sts.ErrUnavailable) {
			status = http.StatusServiceUnavailable
		}
		h.refuse(ctx, w, "sts: "+err.Error(), p.Name, status, "No credentials", msg)
		return
	}
	creds := Credentials{AccessKeyID: out.AccessKeyID, SecretAccessKey: out.SecretAccessKey, SessionToken: out.SessionToken, Expiration: out.Expiration}
	data := resultData{
		Provider: p.Name, Subject: claims.Subject, Creds: creds, Endpoint: h.cfg.Endpoint, Region: h.cfg.Region,
		Expires: out.Expiration.UTC().Format(time.RFC3339), ExpiresIn: out.Expiration.Sub(h.cfg.Clock()).Round(time.Minute).String(),
	}
	if h.cfg.Buckets != nil {
		b, err := h.cfg.Buckets(ictx, creds)
		if err != nil {
			data.BucketsError = "The bucket list is not available: " + trimLen(err.Error(), 200)
		} else {
			sort.Strings(b)
			data.Buckets = b
		}
	}
	data.Exports = exportLines(creds, h.cfg.Endpoint, h.cfg.Region)
	data.Configure = configureLines(creds, h.cfg.Endpoint, h.cfg.Region)
	h.log.InfoContext(ctx, "signin: credentials issued", "provider", p.Name, "subject", claims.Subject,
		"access_key", out.AccessKeyID, "expires", data.Expires, "source_ip", clientIP(r))
	h.render(w, http.StatusOK, "result.html", data)
}

// refuse logs why (never a token or code) and renders an error page.
func (h *Handler) refuse(ctx context.Context, w http.ResponseWriter, why, provider string, status int, title, msg string) {
	h.log.WarnContext(ctx, "signin: refused", "reason", why, "provider", provider)
	h.fail(w, status, title, msg)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func exportLines(c Credentials, endpoint, region string) string {
	lines := []string{
		"export AWS_ACCESS_KEY_ID=" + shellQuote(c.AccessKeyID),
		"export AWS_SECRET_ACCESS_KEY=" + shellQuote(c.SecretAccessKey),
		"export AWS_SESSION_TOKEN=" + shellQuote(c.SessionToken),
	}
	if endpoint != "" {
		lines = append(lines, "export AWS_ENDPOINT_URL="+shellQuote(endpoint))
	}
	if region != "" {
		lines = append(lines, "export AWS_DEFAULT_REGION="+shellQuote(region))
	}
	return strings.Join(lines, "\n")
}

func configureLines(c Credentials, endpoint, region string) string {
	lines := []string{
		"aws configure set aws_access_key_id " + shellQuote(c.AccessKeyID) + " --profile fedstore",
		"aws configure set aws_secret_access_key " + shellQuote(c.SecretAccessKey) + " --profile fedstore",
		"aws configure set aws_session_token " + shellQuote(c.SessionToken) + " --profile fedstore",
	}
	if region != "" {
		lines = append(lines, "aws configure set region "+shellQuote(region)+" --profile fedstore")
	}
	if endpoint != "" {
		lines = append(lines, "aws --profile fedstore --endpoint-url "+shellQuote(endpoint)+" s3 ls")
	}
	return strings.Join(lines, "\n")
}
