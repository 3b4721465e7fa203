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
//
// A request carries a dozen or two keys, so they live in a slice searched
// linearly: for that size it is several times cheaper than a map (no
// hashing on Set or lookup, and Reset is a length change), and a reused
// Context allocates nothing. A Context is a value holding a slice: copy it
// only once it is filled (as Request does), and do not Set on two copies.
//
// Entries are searched from the end, so the latest entry of a key wins:
// SetLower appends without searching and may shadow an earlier entry of the
// same key; Set and Add update the latest entry in place.
type Context struct {
	e []ctxEntry
}

type ctxEntry struct {
	key  string // lower case
	vals []string
}

// Set replaces the values of key.
func (c *Context) Set(key string, values ...string) {
	k := lowerString(key)
	if i := c.index(k); i >= 0 {
		c.e[i].vals = values
		return
	}
	c.e = append(c.e, ctxEntry{key: k, vals: values})
}

// SetLower is Set for a key the caller has already lower-cased (as every
// key from a constant or from strings.ToLower is): it skips the lower-casing
// scan, and it appends without looking for an earlier entry of key (the new
// one shadows it), so filling a Context costs no search at all. Use it for
// keys set once per request, then Reset. A key that is not lower case is
// never found by a condition or variable.
func (c *Context) SetLower(key string, values ...string) {
	c.e = append(c.e, ctxEntry{key: key, vals: values})
}

// Append adds every entry of o after those of c, in o's order, as SetLower
// would one by one (each shadows an earlier entry of its key), in a single
// copy: for a block of keys that is the same on many requests, such as a
// session's, filled once. o is only read, so one o may be appended to many
// Contexts at once; its values slices are shared, not copied.
func (c *Context) Append(o *Context) {
	c.e = append(c.e, o.e...)
}

// Add appends one value to key.
func (c *Context) Add(key, value string) {
	k := lowerString(key)
	if i := c.index(k); i >= 0 {
		c.e[i].vals = append(c.e[i].vals, value)
		return
	}
	c.e = append(c.e, ctxEntry{key: k, vals: []string{value}})
}

// Delete removes key (every entry of it).
func (c *Context) Delete(key string) {
	k := lowerString(key)
	out := c.e[:0]
	for _, e := range c.e {
		if e.key != k {
			out = append(out, e)
		}
	}
	clear(c.e[len(out):])
	c.e = out
}

// Get returns the values of key and whether it is present.
func (c *Context) Get(key string) ([]string, bool) {
	if c == nil {
		return nil, false
	}
	return c.lookup(lowerString(key))
}

// Reset removes every key but keeps the storage, so a Context can be reused
// (for example from a sync.Pool) without allocating again.
func (c *Context) Reset() {
	clear(c.e)
	c.e = c.e[:0]
}

// Len is the number of distinct keys.
func (c *Context) Len() int {
	if c == nil {
		return 0
	}
	n := 0
	for i := range c.e {
		if c.index(c.e[i].key) == i {
			n++
		}
	}
	return n
}

// index is the position of the latest entry of key, or -1.
func (c *Context) index(lower string) int {
	for i := len(c.e) - 1; i >= 0; i-- {
		if c.e[i].key == lower {
			return i
		}
	}
	return -1
}

// lookup takes an already lower-cased key; it does not allocate.
func (c *Context) lookup(lower string) ([]string, bool) {
	if c == nil {
		return nil, false
	}
	if i := c.index(lower); i >= 0 {
		return c.e[i].vals, true
	}
	return nil, false
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

// lowerString is strings.ToLower with one cheap pass for the usual case of
// a key that is already lower-case ASCII (no allocation then).
func lowerString(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || ('A' <= c && c <= 'Z') {
			return strings.ToLower(s)
		}
	}
	return s
}
