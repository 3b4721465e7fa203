// Package object owns buckets and objects: names, listing rules, multipart. It
// declares Backend, the interface storage implementations (object/posix) satisfy,
// and the domain errors that the S3 API maps to wire codes.
//
// It must not import net/http, encoding/xml or any API package.
package object
