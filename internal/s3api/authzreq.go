package s3api

import (
	"net"
	"strconv"
	"time"
	"unsafe"
)

// Condition keys of an AuthzRequest.
const (
	condCurrentTime     = "aws:CurrentTime"
	condEpochTime       = "aws:EpochTime"
	condSecureTransport = "aws:SecureTransport"
	condSourceIP        = "aws:SourceIp"
	condUserAgent       = "aws:UserAgent"
	condPrefix          = "s3:prefix"
	condDelimiter       = "s3:delimiter"
	condMaxKeys         = "s3:max-keys"

	currentTimeLayout = "2006-01-02T15:04:05Z"
)

// maxConds is the most condition keys one request carries.
const maxConds = 8

// authzScratch is the storage behind one authorization question of a
// request: the single-value slices of its condition keys, and the bytes of
// its time values and resource ARN. It lives inside the request (one
// allocation for all of them) and serves the request's first question; the
// strings built in it are never written again, so they may outlive it.
type authzScratch struct {
	used bool
	n    int
	vals [maxConds][1]string
	time [len(currentTimeLayout)]byte
	// epoch holds a decimal Unix time (19 digits and a sign at most).
	epoch [20]byte
	arn   [128]byte
}

// one returns v as a one-element slice with no room to grow, so that an
// Authorizer appending to it gets a copy instead of writing into the next
// key's value.
func (s *authzScratch) one(v string) []string {
	e := s.vals[s.n][:1:1]
	s.n++
	e[0] = v
	return e
}

// bytesString is b as a string without copying; b must never change again.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// conditions builds the condition keys of rq for an authorization at now
// (in UTC): aws:CurrentTime, aws:EpochTime, aws:SecureTransport, and when
// known aws:SourceIp and aws:UserAgent; for listings s3:prefix,
// s3:delimiter and s3:max-keys when the query has them.
func (s *authzScratch) conditions(rq *request, now time.Time) map[string][]string {
	cond := make(map[string][]string, maxConds)
	cond[condCurrentTime] = s.one(bytesString(now.AppendFormat(s.time[:0], currentTimeLayout)))
	cond[condEpochTime] = s.one(bytesString(strconv.AppendInt(s.epoch[:0], now.Unix(), 10)))
	cond[condSecureTransport] = s.one(strconv.FormatBool(rq.r.TLS != nil))
	if host, _, err := net.SplitHostPort(rq.r.RemoteAddr); err == nil {
		cond[condSourceIP] = s.one(host)
	}
	if ua := rq.r.UserAgent(); ua != "" {
		cond[condUserAgent] = s.one(ua)
	}
	if rq.route.op == "ListObjects" || rq.route.op == "ListObjectsV2" {
		for _, k := range [...]struct{ param, key string }{
			{"prefix", condPrefix}, {"delimiter", condDelimiter}, {"max-keys", condMaxKeys},
		} {
			if v, ok := rq.query[k.param]; ok && len(v) > 0 {
				cond[k.key] = s.one(v[0])
			}
		}
	}
	return cond
}

// resource is sc.arn(bucket, key), built in s when it fits.
func (s *authzScratch) resource(sc scope, bucket, key string) string {
	b := s.arn[:0]
	b = append(b, "arn:aws:s3:::"...)
	switch sc {
	case scopeBucket:
		b = append(b, bucket...)
	case scopeObject:
		b = append(b, bucket...)
		b = append(b, '/')
		b = append(b, key...)
	default:
		b = append(b, '*')
	}
	return bytesString(b)
}
