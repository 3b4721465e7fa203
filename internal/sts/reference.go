package sts

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"

	"github.com/fedstore/fedstore/internal/state"
)

// Reference session tokens (Config.TokenFormat "reference"). The token
// carries no session, only what names and authenticates it:
//
//	version 4 (1 byte) | key id (8) | nonce (12) | tag (16)
//
// 50 characters of base64url, against 300 and more for a sealed token:
// every request with temporary credentials sends, parses and hashes its
// token, and most of the extra cost of such a request over one with root
// credentials was proportional to the token's length. With ref the key
// derived from the sealing key of that id (deriveRefKey):
//
//	tag    = HMAC-SHA256(ref, version | key id | access key | nonce)[:16]
//	secret = base64(HMAC-SHA256(ref, "secret" | access key | nonce)[:30])
//
// so forging a token, or the secret of one, needs the sealing key, and a
// token is bound to its access key. The secret is stored nowhere. The
// session (policies, claims, session policy, expiry...) is the session
// record under sts/sessions/<access key>, which holds the token's nonce:
// a node opens a reference token by checking the tag, then reading the
// record (from the recorder's queue while it is not committed, then from
// the store) and deriving the secret, once per session and node: then the
// opened-token cache answers (opencache.go).
//
// A session whose record is lost (a crash within the record window) cannot
// be opened any more: its clients exchange their web identity token again.
const (
	tokenVersionReference = 4
	refTagLen             = 16
	refRawLen             = tokenHeaderLen + nonceLen + refTagLen
	// refTokenLen is the length of a reference token (50).
	refTokenLen = (refRawLen*8 + 5) / 6
	refKeyLen   = sha256.Size
	refKeyLabel = "fedstore reference token v4"
	refSecretID = "secret"
)

// errSessionRead marks a failure to read a session record: not a verdict
// on the token (the caller answers an internal error, and the client
// retries).
var errSessionRead = errors.New("sts: read session record")

// errLostSession: the token authenticates but its session is not recorded.
var errLostSession = errors.New("unknown or lost session: no session record matches the session token " +
	"(lost in a crash, or deleted); exchange the web identity token again")

// deriveRefKey derives the reference-token key from a sealing secret.
func deriveRefKey(secret []byte) [refKeyLen]byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(refKeyLabel))
	return [refKeyLen]byte(m.Sum(nil))
}

func (k *sealKey) refMAC() hash.Hash { return hmac.New(sha256.New, k.ref[:]) }

// refTag authenticates a reference token of k for accessKey and nonce.
func (k *sealKey) refTag(accessKey string, nonce []byte) []byte {
	var hdr [tokenHeaderLen]byte
	hdr[0] = tokenVersionReference
	copy(hdr[1:], k.id[:])
	m := k.refMAC()
	m.Write(hdr[:])
	m.Write([]byte(accessKey))
	m.Write(nonce)
	return m.Sum(nil)[:refTagLen]
}

// refSecret is the secret access key of the reference token of k for
// accessKey and nonce: 40 characters of the standard base64 alphabet, as
// every session secret. The input starts with "secret", the tag's with the
// version byte 4, so no tag is ever a secret's prefix.
func (k *sealKey) refSecret(accessKey string, nonce []byte) string {
	m := k.refMAC()
	m.Write([]byte(refSecretID))
	m.Write([]byte(accessKey))
	m.Write(nonce)
	return secretDigitsEncoding.EncodeToString(m.Sum(nil)[:secretRawLen])
}

// referenceToken returns the reference token of k for accessKey and nonce.
func (k *sealKey) referenceToken(accessKey string, nonce []byte) string {
	raw := make([]byte, 0, refRawLen)
	raw = append(raw, tokenVersionReference)
	raw = append(raw, k.id[:]...)
	raw = append(raw, nonce...)
	raw = append(raw, k.refTag(accessKey, nonce)...)
	return base64.RawURLEncoding.EncodeToString(raw)
}

// isReferenceToken tells a reference token from a sealed one by its first
// character: the first six bits of version 4 spell 'B', of versions 1 to 3
// 'A'.
func isReferenceToken(tok string) bool { return tok != "" && tok[0] == 'B' }

// refToken is a decoded reference token.
type refToken struct {
	keyID [keyIDLen]byte
	nonce [nonceLen]byte
	tag   [refTagLen]byte
}

// parseReference decodes a reference token (nothing is verified yet).
func parseReference(tok string) (refToken, error) {
	var t refToken
	if len(tok) != refTokenLen {
		return t, errors.New("the session token is not one fedstore issued")
	}
	var raw [refRawLen]byte
	n, err := base64.RawURLEncoding.Strict().Decode(raw[:], []byte(tok)) // strict: one token, one spelling
	if err != nil || n != refRawLen {
		return t, errors.New("the session token is not one fedstore issued")
	}
	if raw[0] != tokenVersionReference {
		return t, fmt.Errorf("the session token has unknown version %d", raw[0])
	}
	copy(t.keyID[:], raw[1:tokenHeaderLen])
	copy(t.nonce[:], raw[tokenHeaderLen:tokenHeaderLen+nonceLen])
	copy(t.tag[:], raw[tokenHeaderLen+nonceLen:])
	return t, nil
}

// sessionRecord is a session record as stored: the Session that List and
// Revoke return, and for a reference token what a node needs besides to
// authorize its requests (the payload a sealed token carries, but the
// secret) and the token's nonce. Sessions of sealed tokens are recorded
// without the extra fields.
type sessionRecord struct {
	Session
	SessionPolicy string              `json:"session_policy,omitempty"`
	Claims        map[string][]string `json:"claims,omitempty"`
	TokenNonce    []byte              `json:"token_nonce,omitempty"`
}

// newSessionRecord is the record of a reference token's session.
func newSessionRecord(sess *Session, p *payload, nonce []byte) *sessionRecord {
	return &sessionRecord{Session: *sess, SessionPolicy: p.SessionPolicy, Claims: p.Claims, TokenNonce: nonce}
}

// payload rebuilds the session of the record, without its secret.
func (r *sessionRecord) payload() *payload {
	return &payload{
		AccessKey: r.AccessKey, Expires: r.ExpiresAt.Unix(), Issued: r.IssuedAt.UnixMilli(),
		Subject: r.Subject, Policies: r.Policies, SessionPolicy: r.SessionPolicy, ARN: r.ARN,
		SessionName: r.SessionName, Provider: r.Issuer, Claims: r.Claims,
	}
}

// openReference opens a reference token for accessKey: the tag first (a
// forgery costs no store read), then the session record.
func (s *Service) openReference(ctx context.Context, accessKey, tok string) (*payload, error) {
	t, err := parseReference(tok)
	if err != nil {
		return nil, err
	}
	k := s.keys.lookup(t.keyID)
	if k == nil {
		return nil, errors.New("the session token's sealing key is unknown (retired, or not fedstore's)")
	}
	if !hmac.Equal(k.refTag(accessKey, t.nonce[:]), t.tag[:]) {
		return nil, errors.New("the session token does not authenticate (altered, forged, or issued for another access key)")
	}
	rec, err := s.findSession(ctx, accessKey)
	if err != nil {
		return nil, err
	}
	// The nonce ties the record to this token: a record of another session
	// under the same access key (a collision with an earlier process's)
	// never lends its policies.
	if rec == nil || rec.AccessKey != accessKey || !hmac.Equal(rec.TokenNonce, t.nonce[:]) {
		return nil, errLostSession
	}
	p := rec.payload()
	p.Secret = k.refSecret(accessKey, t.nonce[:])
	return p, nil
}

// findSession returns the record of accessKey from the recorder's queue or
// the store; nil if there is none.
func (s *Service) findSession(ctx context.Context, accessKey string) (*sessionRecord, error) {
	key := PrefixSessions + accessKey
	// The queue first: a record leaves it only once committed.
	v, ok := s.rec.pendingValue(key)
	if !ok {
		kv, err := s.cfg.Store.Get(ctx, key)
		if errors.Is(err, state.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w %s: %w", errSessionRead, accessKey, err)
		}
		v = kv.Value
	}
	var rec sessionRecord
	if err := json.Unmarshal(v, &rec); err != nil {
		return nil, fmt.Errorf("the session record is unreadable: %w", err)
	}
	return &rec, nil
}

// issueReference returns the reference token of p (whose access key is
// drawn) and the record to store, and sets p.Secret. The session must fit
// a sealed token as well, so that limits (claims left out, then
// PackedPolicyTooLarge) do not depend on the format; sealedLen is that
// token's length, the base of PackedPolicySize.
func (s *Service) issueReference(k *sealKey, p *payload, sess *Session, nonce []byte) (tok string, sealedLen int, rec []byte, err error) {
	p.Secret = k.refSecret(p.AccessKey, nonce)
	n := tokenHeaderLen + nonceLen + len(appendCompact(make([]byte, 0, 512), p)) + k.aead.Overhead()
	if n <= maxRawToken {
		sealedLen = base64.RawURLEncoding.EncodedLen(n)
	} else {
		sealed, err := s.sealer.seal(k, p, nonce) // drops claims, or errTokenTooLarge
		if err != nil {
			return "", 0, nil, err
		}
		sealedLen = len(sealed)
	}
	b, err := json.Marshal(newSessionRecord(sess, p, nonce))
	if err != nil {
		return "", 0, nil, fmt.Errorf("sts: encode session: %w", err)
	}
	return k.referenceToken(p.AccessKey, nonce), sealedLen, b, nil
}
