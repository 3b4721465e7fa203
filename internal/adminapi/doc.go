// Package adminapi is fedstore's admin JSON API, mounted by the server under
// /_fedstore/admin/v1/. Only the root principal may call it. It exports the
// wire types (Info, Error) that internal/adminclient decodes.
//
// Handlers return (value, error); one renderer writes JSON; one table maps
// domain errors (authn, state) to a code and status. Unknown errors become
// InternalError, logged with the request id, their text never sent.
//
// It may import authn, state and reqctx; never server, s3api or stsapi.
package adminapi
