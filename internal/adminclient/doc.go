// Package adminclient is the Go client of fedstore's admin API (used by the
// fedstore CLI). Requests are signed with SigV4 (service "s3", region
// "us-east-1") using the root credentials; the wire types come from
// internal/adminapi.
//
// TLS uses the system roots (AWS_CA_BUNDLE plays no part); certificate checks
// are skipped only with the InsecureSkipVerify option. It must not import the
// server or any store implementation.
package adminclient
