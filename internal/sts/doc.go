// Package sts performs the web-identity exchange: verify the token (package
// oidc), map its roles to policies (package iam), issue temporary
// credentials and record the session (package state).
//
// This first step holds only the domain types the STS wire layer (package
// stsapi) consumes — WebIdentityInput, WebIdentityOutput — and the error
// sentinels it maps to STS error codes. The exchange itself implements
// stsapi.Exchanger with these types, so it never imports stsapi.
//
// Like every domain package it must not import net/http handlers,
// encoding/xml wire types, or any API package (s3api, stsapi, adminapi).
package sts
