package policy

import "strings"

// Context holds the condition keys of a request and their values. Key names
// are case-insensitive, as in AWS ("aws:SourceIp" and "aws:sourceip" are the
// same key); values are kept as given. A key may have several values
// (multi-valued keys such as aws:TagKeys, or a jwt: claim that is a list).
//
// The zero value is empty and ready to use. Set and Add do not copy the
// values slice. Condition-relevant keys the server provides: aws:SourceIp,
// aws:SecureTransport ("true"/"false"), aws:CurrentTime (RFC 3339),
// aws:EpochTime (seconds), aws:username, aws:userid, aws:PrincipalType,
// s3:prefix, s3:delimiter, s3:max-keys, and jwt:<claim> for the session's
// token claims. The package never reads a clock: the caller sets the time keys.
type Context struct {
	m map[string][]string
}

// Set replaces the values of key.
func (c *Context) Set(key string, values ...string) {
	if c.m == nil {
		c.m = make(map[string][]string)
	}
	c.m[strings.ToLower(key)] = values
}

// Add appends one value to key.
func (c *Context) Add(key, value string) {
	if c.m == nil {
		c.m = make(map[string][]string)
	}
	k := strings.ToLower(key)
	c.m[k] = append(c.m[k], value)
}

// Delete removes key.
func (c *Context) Delete(key string) {
	delete(c.m, strings.ToLower(key))
}

// Get returns the values of key and whether it is present.
func (c *Context) Get(key string) ([]string, bool) {
	if c == nil {
		return nil, false
	}
	return c.lookup(strings.ToLower(key))
}

// Reset removes every key but keeps the storage, so a Context can be reused
// (for example from a sync.Pool) without allocating again.
func (c *Context) Reset() { clear(c.m) }

// Len is the number of keys.
func (c *Context) Len() int {
	if c == nil {
		return 0
	}
	return len(c.m)
}

// lookup takes an already lower-cased key; it does not allocate.
func (c *Context) lookup(lower string) ([]string, bool) {
	if c == nil || c.m == nil {
		return nil, false
	}
	v, ok := c.m[lower]
	return v, ok
}

// single is the value of a single-valued key (policy variables cannot use a
// multi-valued key: such a key resolves to nothing).
func (c *Context) single(lower string) (string, bool) {
	v, ok := c.lookup(lower)
	if !ok || len(v) != 1 {
		return "", false
	}
	return v[0], true
}
