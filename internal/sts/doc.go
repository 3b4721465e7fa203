// Package sts performs the web-identity exchange and owns the sessions it
// creates: verify the token (a Verifier: *oidc.Registry), map its roles and
// identity to policy names (Policies: *iam.Store), issue temporary
// credentials whose session token is sealed with AES-256-GCM under a key
// kept in the state store, or is a short reference to the session record
// authenticated with a key derived from it (Config.TokenFormat,
// reference.go), record the session durably, and answer (Service
// implements stsapi.Exchanger). Service is also the
// authn.CredentialSource of session keys: it opens a sealed token without
// a store read, and reads a reference token's record once per node.
// Revocations (sts/revoked/, sts/revoked-subjects/) and sealing
// keys (sts/keys/) are followed by Watch on every node; a background routine
// deletes expired session records, revocations and retired keys.
//
// Decisions:
//   - Roles name policies exactly (case-sensitive). A RoleArn whose role name
//     is one of the token's roles narrows the session to that policy alone;
//     a RoleArn naming such a role with no policy is AccessDenied.
//   - PolicyArns are refused (InvalidParameterValue); inline Policy is kept
//     as the session policy (authorization intersects).
//   - Session records are group-committed (state.Batcher when the store has
//     it): concurrent exchanges share one transaction. With a record window
//     (the server's default) an exchange returns once its record is queued;
//     with none it waits for its own commit (record.go).
//   - Two token formats: sealed (self-contained; clusters) and reference
//     (50 characters naming the session record; a single node), see
//     seal.go and reference.go.
//   - Tokens over 2048 bytes shed their largest claims except sub, iss and
//     aud; if still too large, PackedPolicyTooLarge.
//   - Subject revocation stops every session of that subject issued up to
//     the revocation (any provider); later exchanges are not affected.
//
// Like every domain package it must not import net/http handlers,
// encoding/xml wire types, or any API package (s3api, stsapi, adminapi).
package sts
