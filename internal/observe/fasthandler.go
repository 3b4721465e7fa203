package observe

import (
	"context"
	"encoding"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// fastHandler writes exactly the bytes slog's TextHandler (or JSONHandler)
// would write for the same options, attributes and groups, but formats the
// common records itself: a flat list of strings, numbers, bools, durations,
// times, errors and []string, appended to one pooled buffer.
//
// Anything else (groups, LogValuers, other Any values, a ReplaceAttr or
// AddSource option, a value whose method panics) goes, for that one record,
// to slow: slog's own handler built with the same options, WithAttrs and
// WithGroup calls, writing to the same writer under the same lock.
type fastHandler struct {
	json  bool
	level slog.Leveler // nil means slog.LevelInfo, as in slog
	out   *lockedWriter
	// pre holds the attributes of WithAttrs, formatted, each with its
	// leading separator.
	pre  []byte
	slow slog.Handler
	// delegate sends every record to slow: WithGroup was called, or
	// WithAttrs held a value the fast path does not format.
	delegate bool
	// deferred lines may wait in out (deferred.go).
	deferred bool
}

// lockedWriter serialises the writes of a handler and all its clones (and of
// their slog twins), one Write per record, as slog does.
type lockedWriter struct {
	mu   sync.Mutex
	w    io.Writer
	bufs sync.Pool // of *[]byte
	def  *deferral // nil: no line waits (deferred.go)
}

// Write writes p now, after the deferred lines waiting, in one write.
func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.def != nil && len(l.def.pending) > 0 {
		l.def.pending = append(l.def.pending, p...)
		return len(p), l.flushLocked()
	}
	return l.w.Write(p)
}

// maxPooledBuf is the capacity above which a buffer is dropped instead of
// pooled, so that one huge line (a panic's stack) does not stay in memory.
const maxPooledBuf = 16 << 10

func (l *lockedWriter) getBuf() *[]byte {
	if p, ok := l.bufs.Get().(*[]byte); ok {
		return p
	}
	b := make([]byte, 0, 1024)
	return &b
}

func (l *lockedWriter) putBuf(p *[]byte) {
	if cap(*p) > maxPooledBuf {
		return
	}
	*p = (*p)[:0]
	l.bufs.Put(p)
}

// newFastHandler returns a handler writing what slog.NewTextHandler(w, opts),
// or slog.NewJSONHandler(w, opts) if json, would write.
func newFastHandler(w io.Writer, json bool, opts *slog.HandlerOptions) *fastHandler {
	if opts == nil {
		opts = &slog.HandlerOptions{}
	}
	out := &lockedWriter{w: w}
	h := &fastHandler{json: json, level: opts.Level, out: out}
	if json {
		h.slow = slog.NewJSONHandler(out, opts)
	} else {
		h.slow = slog.NewTextHandler(out, opts)
	}
	// The fast path formats neither source positions nor replaced
	// attributes; fedstore sets neither, but stay correct if one day it does.
	h.delegate = opts.AddSource || opts.ReplaceAttr != nil
	return h
}

func (h *fastHandler) Enabled(_ context.Context, l slog.Level) bool {
	minLevel := slog.LevelInfo
	if h.level != nil {
		minLevel = h.level.Level()
	}
	return l >= minLevel
}

func (h *fastHandler) Handle(ctx context.Context, r slog.Record) error {
	return h.handle(ctx, r, "")
}

// handle writes r followed by a request_id attribute when id is not empty,
// as if that attribute had been added to r last.
func (h *fastHandler) handle(ctx context.Context, r slog.Record, id string) error {
	if !h.delegate {
		p := h.out.getBuf()
		b, ok := h.appendRecord(*p, r, id)
		if ok {
			var err error
			if h.deferred {
				_, err = h.out.writeDeferred(b)
			} else {
				_, err = h.out.Write(b)
			}
			*p = b
			h.out.putBuf(p)
			return err
		}
		*p = b
		h.out.putBuf(p)
	}
	if id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String(RequestIDKey, id))
	}
	return h.slow.Handle(ctx, r)
}

func (h *fastHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	if !h2.delegate {
		pre, ok := h.appendAttrs(slices.Clip(h.pre), attrs)
		h2.pre, h2.delegate = pre, !ok
	}
	h2.slow = h.slow.WithAttrs(attrs)
	return &h2
}

// WithGroup hands the records to slog from now on. (slog's handlers open
// even a group named "" when asked directly; slog.Logger never asks.)
func (h *fastHandler) WithGroup(name string) slog.Handler {
	h2 := *h
	h2.slow = h.slow.WithGroup(name)
	h2.delegate = true
	return &h2
}

// appendRecord appends the line for r (and id) to b. It reports false if the
// record holds something the fast path leaves to slog; b is then garbage.
func (h *fastHandler) appendRecord(b []byte, r slog.Record, id string) (_ []byte, ok bool) {
	// A String, Error or MarshalJSON method that panics: slog recovers
	// and prints something of its own; let it.
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	if h.json {
		b = append(b, '{')
	}
	if !r.Time.IsZero() {
		if h.json {
			if !jsonTimeOK(r.Time) {
				return b, false
			}
			b = append(b, `"time":`...)
		} else {
			b = append(b, "time="...)
		}
		b = h.appendTime(b, r.Time)
		b = h.sep(b)
	}
	if h.json {
		b = append(b, `"level":"`...)
		b = appendLevel(b, r.Level)
		b = append(b, `","msg":`...)
	} else {
		b = append(b, "level="...)
		b = appendLevel(b, r.Level)
		b = append(b, " msg="...)
	}
	b = h.appendString(b, r.Message)
	b = append(b, h.pre...)
	ok = true
	r.Attrs(func(a slog.Attr) bool {
		b, ok = h.appendAttr(b, a)
		return ok
	})
	if !ok {
		return b, false
	}
	if id != "" {
		b = h.sep(b)
		if h.json {
			b = append(b, `"`+RequestIDKey+`":`...)
		} else {
			b = append(b, RequestIDKey+"="...)
		}
		b = h.appendString(b, id)
	}
	if h.json {
		b = append(b, '}')
	}
	return append(b, '\n'), true
}

func (h *fastHandler) sep(b []byte) []byte {
	if h.json {
		return append(b, ',')
	}
	return append(b, ' ')
}

// appendLevel appends l as slog.Level.String does, without allocating for
// the four named levels.
func appendLevel(b []byte, l slog.Level) []byte {
	switch l {
	case slog.LevelDebug:
		return append(b, "DEBUG"...)
	case slog.LevelInfo:
		return append(b, "INFO"...)
	case slog.LevelWarn:
		return append(b, "WARN"...)
	case slog.LevelError:
		return append(b, "ERROR"...)
	}
	return append(b, l.String()...)
}

// appendAttrs appends each attribute with its leading separator (WithAttrs).
func (h *fastHandler) appendAttrs(b []byte, attrs []slog.Attr) (_ []byte, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	for _, a := range attrs {
		if b, ok = h.appendAttr(b, a); !ok {
			return b, false
		}
	}
	return b, true
}

// appendAttr appends a separator, a's key and its value. It reports false for
// a value the fast path does not format.
func (h *fastHandler) appendAttr(b []byte, a slog.Attr) ([]byte, bool) {
	v := a.Value
	k := v.Kind()
	if k == slog.KindGroup || k == slog.KindLogValuer {
		return b, false
	}
	if a.Key == "" && k == slog.KindAny && v.Any() == nil {
		return b, true // slog elides the zero Attr
	}
	b = h.sep(b)
	b = h.appendString(b, a.Key)
	if h.json {
		b = append(b, ':')
		return h.appendJSONValue(b, v)
	}
	b = append(b, '=')
	return h.appendTextValue(b, v)
}

func (h *fastHandler) appendTextValue(b []byte, v slog.Value) ([]byte, bool) {
	switch v.Kind() {
	case slog.KindString:
		return appendTextString(b, v.String()), true
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10), true
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10), true
	case slog.KindFloat64:
		return strconv.AppendFloat(b, v.Float64(), 'g', -1, 64), true
	case slog.KindBool:
		return strconv.AppendBool(b, v.Bool()), true
	case slog.KindDuration:
		return append(b, v.Duration().String()...), true
	case slog.KindTime:
		return appendRFC3339Millis(b, v.Time()), true
	case slog.KindAny:
		switch x := v.Any().(type) {
		case nil:
			return append(b, "<nil>"...), true // fmt's %+v of nil
		case []string:
			return appendTextStrings(b, x), true
		case error:
			// slog prints a TextMarshaler's text, and fmt lets a
			// Formatter (e.g. errors with stacks) print itself.
			if _, ok := x.(encoding.TextMarshaler); ok {
				return b, false
			}
			if _, ok := x.(fmt.Formatter); ok {
				return b, false
			}
			return appendTextString(b, x.Error()), true
		}
	}
	return b, false
}

func (h *fastHandler) appendJSONValue(b []byte, v slog.Value) ([]byte, bool) {
	switch v.Kind() {
	case slog.KindString:
		return appendJSONString(b, v.String(), false), true
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10), true
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10), true
	case slog.KindFloat64:
		return appendJSONFloat(b, v.Float64())
	case slog.KindBool:
		return strconv.AppendBool(b, v.Bool()), true
	case slog.KindDuration:
		return strconv.AppendInt(b, int64(v.Duration()), 10), true
	case slog.KindTime:
		t := v.Time()
		if !jsonTimeOK(t) {
			return b, false
		}
		return h.appendTime(b, t), true
	case slog.KindAny:
		switch x := v.Any().(type) {
		case nil:
			return append(b, "null"...), true
		case []string:
			if x == nil {
				return append(b, "null"...), true
			}
			b = append(b, '[')
			for i, s := range x {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendJSONString(b, s, true)
			}
			return append(b, ']'), true
		case error:
			if _, ok := x.(json.Marshaler); ok {
				return b, false
			}
			return appendJSONString(b, x.Error(), false), true
		}
	}
	return b, false
}

// appendString appends a key or a string value, quoted as the format wants.
func (h *fastHandler) appendString(b []byte, s string) []byte {
	if h.json {
		return appendJSONString(b, s, false)
	}
	return appendTextString(b, s)
}

// appendTime formats a time as slog does: RFC 3339 with milliseconds in
// text, RFC 3339 with nanoseconds (trailing zeros trimmed) in JSON.
func (h *fastHandler) appendTime(b []byte, t time.Time) []byte {
	if h.json {
		b = append(b, '"')
		b = t.AppendFormat(b, time.RFC3339Nano)
		return append(b, '"')
	}
	return appendRFC3339Millis(b, t)
}

// jsonTimeOK reports whether slog's JSON handler prints t without an error
// (it prefixes years outside [0, 9999] with one).
func jsonTimeOK(t time.Time) bool {
	y := t.Year()
	return y >= 0 && y < 10000
}

// appendRFC3339Millis appends t with exactly three fractional digits,
// truncated, as slog's text handler does. RFC3339Nano has the fast layout
// but trims trailing zeros: a tenth of a millisecond added to the truncated
// time pins the digit count at four, and the fourth is cut.
func appendRFC3339Millis(b []byte, t time.Time) []byte {
	const millisEnd = len("2006-01-02T15:04:05.000")
	n := len(b)
	b = t.Truncate(time.Millisecond).Add(time.Millisecond/10).AppendFormat(b, time.RFC3339Nano)
	return append(b[:n+millisEnd], b[n+millisEnd+1:]...)
}

// appendTextString appends s, quoted with strconv.Quote when slog's text
// handler would quote it.
func appendTextString(b []byte, s string) []byte {
	if textNeedsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

// appendTextStrings appends ss as fmt's %+v prints it ("[a b]"), quoted as a
// whole when that text needs quoting.
func appendTextStrings(b []byte, ss []string) []byte {
	quote := len(ss) > 1 // the separating space
	for _, s := range ss {
		if !quote && s != "" && textNeedsQuoting(s) {
			quote = true
		}
	}
	if !quote {
		b = append(b, '[')
		if len(ss) == 1 {
			b = append(b, ss[0]...)
		}
		return append(b, ']')
	}
	// Quote the text "[a b]" without building it: strconv.Quote escapes
	// rune by rune (an invalid byte alone), and the parts are separated by
	// ASCII, so quoting them one after the other quotes their concatenation.
	b = append(b, `"[`...)
	for i, s := range ss {
		if i > 0 {
			b = append(b, ' ')
		}
		q := strconv.AppendQuote(b, s)
		// Drop the quotes AppendQuote put around s.
		b = append(q[:len(b)], q[len(b)+1:len(q)-1]...)
	}
	return append(b, `]"`...)
}

// textNeedsQuoting reports whether slog's text handler quotes s: when it is
// empty, holds a space, '=', '"', an ASCII control character, a Unicode
// space, a non-printing rune or a byte that is not UTF-8 (or U+FFFD).
// A backslash alone does not make it quote.
func textNeedsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == '=' || c == '"' {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string the way slog escapes its
// strings, or, if asEncodingJSON, the way encoding/json escapes them (with
// HTML escaping off: slog's encoder for other values). The two differ only
// in \b and \f, which slog writes as \u0008 and \u000c.
func appendJSONString(b []byte, s string, asEncodingJSON bool) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= ' ' && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\b' && asEncodingJSON:
				b = append(b, '\\', 'b')
			case c == '\f' && asEncodingJSON:
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSONFloat appends f as encoding/json does (ES6 number formatting).
// It reports false for NaN and infinities, which encoding/json refuses and
// slog turns into an error text.
func appendJSONFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// A two-digit negative exponent loses its leading zero: e-07 is e-7.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}
