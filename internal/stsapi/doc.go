// Package stsapi serves the STS query API on the S3 port: it decodes
// AssumeRoleWithWebIdentity requests (POST / with a form body, POST /?Action=,
// GET /?Action=; all unsigned), validates every parameter with AWS's
// constraints and messages, hands the exchange to an Exchanger (package sts
// implements it), and renders AWS's response and error XML. It owns the one
// table from sts domain errors to STS error codes (errors.go).
//
// Decisions where AWS leaves room or fedstore differs on purpose:
//   - Parameters come from the form body and the query string (body first);
//     for a parameter given twice the first value wins, as on AWS. Unknown
//     parameters are ignored, as on AWS (minio-go sends WebIdentityAccessToken).
//   - A missing Version is accepted for AssumeRoleWithWebIdentity (AWS answers
//     InvalidAction "... for version NO_VERSION_SPECIFIED"); any other Version,
//     including an empty one, is InvalidAction with AWS's message.
//   - A request without Action is MissingAction 400 (AWS redirects to its web
//     site). InvalidAction and MissingAction use the AWSFault namespace, like
//     AWS; every other error uses the STS namespace.
//   - DurationSeconds absent means one hour, clamped to the server maximum
//     (--sts-max-duration, default 43200 s); the bounds in messages are the
//     server's. A non-integer is MalformedInput, with a message (AWS sends
//     none).
//   - RoleArn is required (AWS's ValidationError "Value null ... must not be
//     null"); any well-formed ARN of any partition passes. ProviderId is
//     checked (4..2048) and passed through; OIDC tokens ignore it.
//     PolicyArns.member.N.arn (at most 10) are checked like RoleArn and passed
//     through in order; the exchange maps them to policy names.
//   - Methods other than GET and POST get MethodNotAllowed 405. PackedPolicySize
//     is sent only when the request carried Policy or PolicyArns.
//   - WebIdentityToken is never echoed (messages say "Value at
//     'webIdentityToken'", as AWS does for sensitive members) nor logged (only
//     its length). Bodies are limited to 64 KiB (RequestEntityTooLarge 413).
//   - Element order in the success XML follows AWS's published example at the
//     top level and AWS's observed wire order inside AssumedRoleUser and
//     Credentials; documents are indented by two spaces and end in a newline.
//
// It imports sts (domain types and sentinels) and reqctx only; it must not
// import the server, any other API package, or any implementation.
package stsapi
