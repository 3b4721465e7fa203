package sts

import (
	"bytes"
	"compress/flate"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

// Session token layout (then base64url without padding):
//
//	version (1 byte) | key id (8) | nonce (12) | AES-256-GCM(body)
//
// where body is deflate(JSON payload) for tokenVersion, the JSON payload
// itself for tokenVersionPlain, and the payload in the binary layout of
// appendCompact for tokenVersionCompact. A payload is sealed compact when
// that fits MaxSessionTokenLen (deflate was 13% of an exchange's CPU; the
// compact form is about half the size of the JSON, and every request with
// temporary credentials sends, parses and hashes the token) and deflated
// JSON only when it would not fit otherwise; open accepts all three. The
// version and key id are the additional authenticated data, so nothing of
// the token, the version included, can be changed without the open
// failing.
const (
	tokenVersion        = 1 // deflated JSON payload
	tokenVersionPlain   = 2 // JSON payload (sealed until compact payloads)
	tokenVersionCompact = 3 // binary payload (appendCompact)
	tokenHeaderLen      = 1 + keyIDLen
	nonceLen            = 12
	// maxRawToken is the most raw bytes whose base64url form fits
	// MaxSessionTokenLen.
	maxRawToken = MaxSessionTokenLen / 4 * 3
	// maxPayload bounds the inflated payload when a token is opened.
	maxPayload = 64 << 10
)

var errTokenTooLarge = errors.New("sealed session too large")

// payload is what a session token carries: everything a node needs to
// authenticate and authorize a request without reading the store.
type payload struct {
	AccessKey     string              `json:"ak"`
	Secret        string              `json:"sk"`
	Expires       int64               `json:"exp"`
	Issued        int64               `json:"iat"` // Unix milliseconds
	Subject       string              `json:"sub"`
	Policies      []string            `json:"pol,omitempty"`
	SessionPolicy string              `json:"sp,omitempty"`
	ARN           string              `json:"arn"`
	SessionName   string              `json:"sn"`
	Provider      string              `json:"prv"`
	Claims        map[string][]string `json:"c,omitempty"`
}

// essentialClaims are never dropped to make a token fit.
var essentialClaims = map[string]bool{"sub": true, "iss": true, "aud": true}

// sealer seals and opens session tokens; it pools its compressors.
type sealer struct {
	writers sync.Pool // *flate.Writer
	readers sync.Pool // io.ReadCloser implementing flate.Resetter
	// plainJSON seals payloads that fit as JSON (tokenVersionPlain), as
	// fedstore did before compact payloads: for a cluster some of whose
	// nodes cannot open compact tokens yet.
	plainJSON bool
}

func (s *sealer) deflate(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(b))
	w, _ := s.writers.Get().(*flate.Writer)
	if w == nil {
		var err error
		if w, err = flate.NewWriter(&buf, flate.BestSpeed); err != nil {
			return nil, fmt.Errorf("sts: deflate: %w", err)
		}
	} else {
		w.Reset(&buf)
	}
	defer s.writers.Put(w)
	if _, err := w.Write(b); err != nil {
		return nil, fmt.Errorf("sts: deflate: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("sts: deflate: %w", err)
	}
	return buf.Bytes(), nil
}

func (s *sealer) inflate(b []byte) ([]byte, error) {
	src := bytes.NewReader(b)
	r, _ := s.readers.Get().(io.ReadCloser)
	if r == nil {
		r = flate.NewReader(src)
	} else if err := r.(flate.Resetter).Reset(src, nil); err != nil {
		return nil, err
	}
	defer s.readers.Put(r)
	out, err := io.ReadAll(io.LimitReader(r, maxPayload+1))
	if err != nil {
		return nil, err
	}
	if len(out) > maxPayload {
		return nil, errors.New("payload too large")
	}
	return out, nil
}

// seal encrypts p under k. When the token would exceed MaxSessionTokenLen
// it drops the largest non-essential claims, one at a time (they only feed
// jwt:<claim> policy keys); if it still does not fit, errTokenTooLarge.
// p.Claims may be modified.
func (s *sealer) seal(k *sealKey, p *payload, nonce []byte) (string, error) {
	for {
		tok, err := s.sealOnce(k, p, nonce)
		if !errors.Is(err, errTokenTooLarge) {
			return tok, err
		}
		if !dropLargestClaim(p.Claims) {
			return "", err
		}
	}
}

func (s *sealer) sealOnce(k *sealKey, p *payload, nonce []byte) (string, error) {
	var version byte
	var body, plain []byte
	if s.plainJSON {
		var err error
		if plain, err = json.Marshal(p); err != nil {
			return "", fmt.Errorf("sts: encode session: %w", err)
		}
		version, body = tokenVersionPlain, plain
	} else {
		version, body = tokenVersionCompact, appendCompact(make([]byte, 0, 512), p)
	}
	n := tokenHeaderLen + nonceLen + len(body) + k.aead.Overhead()
	if n > maxRawToken {
		if plain == nil {
			var err error
			if plain, err = json.Marshal(p); err != nil {
				return "", fmt.Errorf("sts: encode session: %w", err)
			}
		}
		z, err := s.deflate(plain)
		if err != nil {
			return "", err
		}
		version, body = tokenVersion, z
		n = tokenHeaderLen + nonceLen + len(body) + k.aead.Overhead()
	}
	if n > maxRawToken {
		return "", fmt.Errorf("%w: %d bytes sealed, at most %d fit in a %d-byte token", errTokenTooLarge, n, maxRawToken, MaxSessionTokenLen)
	}
	raw := make([]byte, tokenHeaderLen+nonceLen, n)
	raw[0] = version
	copy(raw[1:], k.id[:])
	copy(raw[tokenHeaderLen:], nonce)
	raw = k.aead.Seal(raw, nonce, body, raw[:tokenHeaderLen])
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// dropLargestClaim removes the non-essential claim with the largest
// encoding and reports whether one was removed.
func dropLargestClaim(c map[string][]string) bool {
	names := make([]string, 0, len(c))
	for name := range c {
		if !essentialClaims[name] {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return false
	}
	size := func(name string) int {
		n := len(name)
		for _, v := range c[name] {
			n += len(v) + 3
		}
		return n
	}
	sort.Slice(names, func(i, j int) bool {
		si, sj := size(names[i]), size(names[j])
		if si != sj {
			return si > sj
		}
		return names[i] < names[j]
	})
	delete(c, names[0])
	return true
}

// open decodes and decrypts a token with the keys of r. Every failure is
// one error without details an attacker could use, beyond which step failed.
func (s *sealer) open(r *keyring, tok string) (*payload, error) {
	if len(tok) > MaxSessionTokenLen {
		return nil, errors.New("the session token is too long")
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(tok) // strict: one token, one spelling
	if err != nil || len(raw) < tokenHeaderLen+nonceLen {
		return nil, errors.New("the session token is not one fedstore issued")
	}
	if raw[0] != tokenVersion && raw[0] != tokenVersionPlain && raw[0] != tokenVersionCompact {
		return nil, fmt.Errorf("the session token has unknown version %d", raw[0])
	}
	k := r.lookup([keyIDLen]byte(raw[1:tokenHeaderLen]))
	if k == nil {
		return nil, errors.New("the session token's sealing key is unknown (retired, or not fedstore's)")
	}
	z, err := k.aead.Open(nil, raw[tokenHeaderLen:tokenHeaderLen+nonceLen], raw[tokenHeaderLen+nonceLen:], raw[:tokenHeaderLen])
	if err != nil {
		return nil, errors.New("the session token does not authenticate")
	}
	if raw[0] == tokenVersionCompact {
		p, err := decodeCompact(z)
		if err != nil {
			return nil, fmt.Errorf("the session token's payload is corrupt: %w", err)
		}
		return p, nil
	}
	plain := z
	if raw[0] == tokenVersion {
		if plain, err = s.inflate(z); err != nil {
			return nil, fmt.Errorf("the session token's payload is corrupt: %w", err)
		}
	}
	var p payload
	if err := json.Unmarshal(plain, &p); err != nil {
		return nil, fmt.Errorf("the session token's payload is corrupt: %w", err)
	}
	return &p, nil
}

// Compact payload (tokenVersionCompact): a flags byte, then the fields in
// this order, integers as (zig-zag) varints and strings as a uvarint length
// and the bytes:
//
//	flags
//	access key   10 bytes if flags&compactAK (ASIA + their base32), else string
//	secret       30 bytes if flags&compactSecret (their base64), else string
//	expires, issued                              varint, varint
//	subject                                      string
//	policies     uvarint count, strings
//	session policy                               string
//	ARN          account and role (strings) if flags&compactARN (the ARN is
//	             arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION-NAME), else string
//	session name, provider                       string, string
//	claims       uvarint count, by name in order: name (string), uvarint
//	             count of values, each value a uvarint tag: claimProvider
//	             (the value is the provider), claimSubject (the subject), or
//	             claimLiteral+length followed by the bytes
//
// Half the size of the JSON for a typical session: no field names, quotes
// or escapes, the access key and secret as the bytes they encode, the ARN
// as its two parts not found elsewhere, and the iss and sub claims (the
// provider and, by default, the subject) as one byte each.
const (
	compactAK = 1 << iota
	compactSecret
	compactARN
	compactFlags = compactAK | compactSecret | compactARN
)

// Claim value tags of the compact payload.
const (
	claimProvider = iota
	claimSubject
	claimLiteral
)

const (
	akRawLen     = 10 // 16 base32 digits
	secretRawLen = 30 // 40 base64 digits
	arnPrefix    = "arn:aws:sts::"
	arnRole      = ":assumed-role/"
)

var (
	akDigitsEncoding     = base32.StdEncoding.WithPadding(base32.NoPadding)
	secretDigitsEncoding = base64.StdEncoding.Strict()
)

// packAccessKey returns the bytes a session access key (ASIA and 16 base32
// digits) spells, if it has that form.
func packAccessKey(ak string) (raw [akRawLen]byte, ok bool) {
	digits, found := strings.CutPrefix(ak, SessionAccessKeyPrefix)
	if !found || akDigitsEncoding.EncodedLen(akRawLen) != len(digits) {
		return raw, false
	}
	n, err := akDigitsEncoding.Decode(raw[:], []byte(digits))
	return raw, err == nil && n == akRawLen && akDigitsEncoding.EncodeToString(raw[:]) == digits
}

// packSecret returns the bytes a 40-character secret of the base64
// alphabet spells, if it has that form.
func packSecret(secret string) (raw [secretRawLen]byte, ok bool) {
	if secretDigitsEncoding.EncodedLen(secretRawLen) != len(secret) {
		return raw, false
	}
	n, err := secretDigitsEncoding.Decode(raw[:], []byte(secret))
	return raw, err == nil && n == secretRawLen && secretDigitsEncoding.EncodeToString(raw[:]) == secret
}

// splitARN returns the account and role of arn if it is
// arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION-NAME for sessionName.
func splitARN(arn, sessionName string) (account, role string, ok bool) {
	rest, found := strings.CutPrefix(arn, arnPrefix)
	if !found {
		return "", "", false
	}
	account, rest, found = strings.Cut(rest, arnRole)
	if !found {
		return "", "", false
	}
	role, found = strings.CutSuffix(rest, "/"+sessionName)
	return account, role, found && joinARN(account, role, sessionName) == arn
}

func joinARN(account, role, sessionName string) string {
	return arnPrefix + account + arnRole + role + "/" + sessionName
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendCompact appends p in the compact layout.
func appendCompact(b []byte, p *payload) []byte {
	ak, akOK := packAccessKey(p.AccessKey)
	secret, secretOK := packSecret(p.Secret)
	account, role, arnOK := splitARN(p.ARN, p.SessionName)
	var flags byte
	if akOK {
		flags |= compactAK
	}
	if secretOK {
		flags |= compactSecret
	}
	if arnOK {
		flags |= compactARN
	}
	b = append(b, flags)
	if akOK {
		b = append(b, ak[:]...)
	} else {
		b = appendString(b, p.AccessKey)
	}
	if secretOK {
		b = append(b, secret[:]...)
	} else {
		b = appendString(b, p.Secret)
	}
	b = binary.AppendVarint(b, p.Expires)
	b = binary.AppendVarint(b, p.Issued)
	b = appendString(b, p.Subject)
	b = binary.AppendUvarint(b, uint64(len(p.Policies)))
	for _, name := range p.Policies {
		b = appendString(b, name)
	}
	b = appendString(b, p.SessionPolicy)
	if arnOK {
		b = appendString(b, account)
		b = appendString(b, role)
	} else {
		b = appendString(b, p.ARN)
	}
	b = appendString(b, p.SessionName)
	b = appendString(b, p.Provider)
	names := make([]string, 0, len(p.Claims))
	for name := range p.Claims {
		names = append(names, name)
	}
	sort.Strings(names)
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, name := range names {
		b = appendString(b, name)
		vals := p.Claims[name]
		b = binary.AppendUvarint(b, uint64(len(vals)))
		for _, v := range vals {
			switch v {
			case p.Provider:
				b = binary.AppendUvarint(b, claimProvider)
			case p.Subject:
				b = binary.AppendUvarint(b, claimSubject)
			default:
				b = binary.AppendUvarint(b, claimLiteral+uint64(len(v)))
				b = append(b, v...)
			}
		}
	}
	return b
}

var errCompact = errors.New("malformed compact payload")

// compactReader decodes the compact layout; the first error sticks.
type compactReader struct {
	b   []byte
	err error
}

func (r *compactReader) fail() { r.err = errCompact }

func (r *compactReader) bytes(n uint64) []byte {
	if r.err != nil || n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *compactReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *compactReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *compactReader) string() string { return string(r.bytes(r.uvarint())) }

// count reads a number of items that take at least one byte each.
func (r *compactReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return 0
	}
	return int(n)
}

// decodeCompact is the inverse of appendCompact; it refuses anything
// appendCompact would not have written (unknown flags, trailing bytes).
func decodeCompact(b []byte) (*payload, error) {
	r := &compactReader{b: b}
	flags := r.bytes(1)
	if r.err != nil || flags[0]&^compactFlags != 0 {
		return nil, errCompact
	}
	var p payload
	if flags[0]&compactAK != 0 {
		p.AccessKey = SessionAccessKeyPrefix + akDigitsEncoding.EncodeToString(r.bytes(akRawLen))
	} else {
		p.AccessKey = r.string()
	}
	if flags[0]&compactSecret != 0 {
		p.Secret = secretDigitsEncoding.EncodeToString(r.bytes(secretRawLen))
	} else {
		p.Secret = r.string()
	}
	p.Expires = r.varint()
	p.Issued = r.varint()
	p.Subject = r.string()
	if n := r.count(); n > 0 {
		p.Policies = make([]string, n)
		for i := range p.Policies {
			p.Policies[i] = r.string()
		}
	}
	p.SessionPolicy = r.string()
	var account, role string
	if flags[0]&compactARN != 0 {
		account, role = r.string(), r.string()
	} else {
		p.ARN = r.string()
	}
	p.SessionName = r.string()
	if flags[0]&compactARN != 0 {
		p.ARN = joinARN(account, role, p.SessionName)
	}
	p.Provider = r.string()
	if n := r.count(); n > 0 {
		p.Claims = make(map[string][]string, n)
		for range n {
			name := r.string()
			vals := make([]string, r.count())
			for i := range vals {
				switch tag := r.uvarint(); tag {
				case claimProvider:
					vals[i] = p.Provider
				case claimSubject:
					vals[i] = p.Subject
				default:
					vals[i] = string(r.bytes(tag - claimLiteral))
				}
			}
			if _, dup := p.Claims[name]; dup {
				r.fail()
			}
			p.Claims[name] = vals
		}
	}
	if r.err != nil || len(r.b) != 0 {
		return nil, errCompact
	}
	return &p, nil
}
