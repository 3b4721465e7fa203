package sts

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fedstore/fedstore/internal/state"
)

// keyIDLen is the raw length of a signing key id (hex-encoded in the store).
const keyIDLen = 8

// keyRecord is one sealing key as stored under sts/keys/<id>. The secret is
// only ever in the state store and in memory.
type keyRecord struct {
	ID        string    `json:"id"`
	Secret    []byte    `json:"secret"` // 32 bytes, AES-256-GCM
	CreatedAt time.Time `json:"created_at"`
}

// KeyInfo describes a sealing key without its secret.
type KeyInfo struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	Current   bool      `json:"current"`
}

type sealKey struct {
	id      [keyIDLen]byte
	hexID   string
	created time.Time
	aead    cipher.AEAD
	// ref authenticates reference tokens and derives their secrets
	// (reference.go); it is derived from the sealing secret.
	ref [refKeyLen]byte
}

// keyring holds every sealing key the store knows; the newest seals new
// tokens, all of them open tokens. It follows sts/keys/ by Watch.
type keyring struct {
	mu      sync.RWMutex
	byID    map[[keyIDLen]byte]*sealKey
	current *sealKey
	// gen counts changes of the key set; the opened-token cache drops
	// entries from an older generation (a removed key ends its tokens).
	gen atomic.Uint64
}

func newKeyring() *keyring { return &keyring{byID: map[[keyIDLen]byte]*sealKey{}} }

func parseKey(kv state.KV) (*sealKey, error) {
	var rec keyRecord
	if err := json.Unmarshal(kv.Value, &rec); err != nil {
		return nil, fmt.Errorf("sts: key record %s: %w", kv.Key, err)
	}
	raw, err := hex.DecodeString(rec.ID)
	if err != nil || len(raw) != keyIDLen || kv.Key != PrefixKeys+rec.ID {
		return nil, fmt.Errorf("sts: key record %s: bad id %q", kv.Key, rec.ID)
	}
	if len(rec.Secret) != 32 {
		return nil, fmt.Errorf("sts: key record %s: secret of %d bytes, want 32", kv.Key, len(rec.Secret))
	}
	block, err := aes.NewCipher(rec.Secret)
	if err != nil {
		return nil, fmt.Errorf("sts: key record %s: %w", kv.Key, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("sts: key record %s: %w", kv.Key, err)
	}
	k := &sealKey{hexID: rec.ID, created: rec.CreatedAt, aead: aead, ref: deriveRefKey(rec.Secret)}
	copy(k.id[:], raw)
	return k, nil
}

// newer orders keys: later creation wins, then the larger id, so every node
// picks the same current key.
func newer(a, b *sealKey) bool {
	if !a.created.Equal(b.created) {
		return a.created.After(b.created)
	}
	return a.hexID > b.hexID
}

func (r *keyring) recomputeLocked() {
	r.gen.Add(1)
	r.current = nil
	for _, k := range r.byID {
		if r.current == nil || newer(k, r.current) {
			r.current = k
		}
	}
}

func (r *keyring) reset(kvs []state.KV) error {
	byID := map[[keyIDLen]byte]*sealKey{}
	var errs []error
	for _, kv := range kvs {
		k, err := parseKey(kv)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		byID[k.id] = k
	}
	r.mu.Lock()
	r.byID = byID
	r.recomputeLocked()
	r.mu.Unlock()
	return errors.Join(errs...)
}

func (r *keyring) apply(ev state.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ev.Type == state.EventDelete {
		raw, err := hex.DecodeString(strings.TrimPrefix(ev.KV.Key, PrefixKeys))
		if err == nil && len(raw) == keyIDLen {
			delete(r.byID, [keyIDLen]byte(raw))
			r.recomputeLocked()
		}
		return nil
	}
	k, err := parseKey(ev.KV)
	if err != nil {
		return err
	}
	r.byID[k.id] = k
	r.recomputeLocked()
	return nil
}

func (r *keyring) add(k *sealKey) {
	r.mu.Lock()
	r.byID[k.id] = k
	r.recomputeLocked()
	r.mu.Unlock()
}

func (r *keyring) currentKey() *sealKey {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.current
}

func (r *keyring) lookup(id [keyIDLen]byte) *sealKey {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.byID[id]
}

func (r *keyring) infos() []KeyInfo {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]KeyInfo, 0, len(r.byID))
	for _, k := range r.byID {
		out = append(out, KeyInfo{ID: k.hexID, CreatedAt: k.created, Current: k == r.current})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out
}

// createKey writes a new random sealing key (create-only) and returns it.
func createKey(ctx context.Context, st state.Store, rnd io.Reader, now time.Time) (*sealKey, error) {
	rec := keyRecord{Secret: make([]byte, 32), CreatedAt: now.UTC()}
	var id [keyIDLen]byte
	if _, err := io.ReadFull(rnd, id[:]); err != nil {
		return nil, fmt.Errorf("sts: key id: %w", err)
	}
	if _, err := io.ReadFull(rnd, rec.Secret); err != nil {
		return nil, fmt.Errorf("sts: key secret: %w", err)
	}
	rec.ID = hex.EncodeToString(id[:])
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("sts: encode key: %w", err)
	}
	kv := state.KV{Key: PrefixKeys + rec.ID, Value: b}
	if kv.Revision, err = st.Put(ctx, kv.Key, b, state.MustNotExist); err != nil {
		return nil, fmt.Errorf("sts: store key: %w", err)
	}
	return parseKey(kv)
}

// RotateKey creates a new sealing key: new tokens are sealed with it (on
// every node once its watch delivers it), tokens sealed with older keys
// keep working until cleanup drops those keys, MaxDuration after they were
// superseded.
func (s *Service) RotateKey(ctx context.Context) (KeyInfo, error) {
	k, err := createKey(ctx, s.cfg.Store, s.lockedRand(), s.cfg.Clock())
	if err != nil {
		return KeyInfo{}, err
	}
	s.keys.add(k)
	s.log.Info("sts sealing key rotated", "key_id", k.hexID)
	return KeyInfo{ID: k.hexID, CreatedAt: k.created, Current: s.keys.currentKey() == k}, nil
}

// Keys lists the sealing keys (never their secrets), oldest first.
func (s *Service) Keys() []KeyInfo { return s.keys.infos() }
