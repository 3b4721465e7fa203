package observe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fedstore/fedstore/internal/reqctx"
)

// fixedTime is the time of the records the tests compare.
var fixedTime = time.Date(2026, 11, 29, 10, 56, 51, 83_456_789, time.UTC)

// twins are a fast handler and slog's handler for one format, each wrapped
// by WithRequestID as NewLogger does, writing to their own buffers.
type twins struct {
	fast, slog       slog.Handler
	fastOut, slogOut *bytes.Buffer
	json             bool
	fastRaw          *fastHandler
}

func newTwins(json bool, opts *slog.HandlerOptions) *twins {
	tw := &twins{fastOut: new(bytes.Buffer), slogOut: new(bytes.Buffer), json: json}
	tw.fastRaw = newFastHandler(tw.fastOut, json, opts)
	tw.fast = WithRequestID(tw.fastRaw)
	if json {
		tw.slog = WithRequestID(slog.NewJSONHandler(tw.slogOut, opts))
	} else {
		tw.slog = WithRequestID(slog.NewTextHandler(tw.slogOut, opts))
	}
	return tw
}

func (tw *twins) withAttrs(as ...slog.Attr) {
	// Each handler owns the slice it is given.
	tw.fast = tw.fast.WithAttrs(append([]slog.Attr(nil), as...))
	tw.slog = tw.slog.WithAttrs(append([]slog.Attr(nil), as...))
}

func (tw *twins) withGroup(name string) {
	tw.fast = tw.fast.WithGroup(name)
	tw.slog = tw.slog.WithGroup(name)
}

// handle logs r to both (if enabled) and fails t if their output differs.
func (tw *twins) handle(t *testing.T, ctx context.Context, r slog.Record) {
	t.Helper()
	fe, se := tw.fast.Enabled(ctx, r.Level), tw.slog.Enabled(ctx, r.Level)
	if fe != se {
		t.Fatalf("Enabled(%v) = %v, slog says %v", r.Level, fe, se)
	}
	if !fe {
		return
	}
	tw.fastOut.Reset()
	tw.slogOut.Reset()
	if err := tw.fast.Handle(ctx, r); err != nil {
		t.Fatalf("fast Handle: %v", err)
	}
	if err := tw.slog.Handle(ctx, r); err != nil {
		t.Fatalf("slog Handle: %v", err)
	}
	if got, want := tw.fastOut.String(), tw.slogOut.String(); got != want {
		t.Errorf("json=%v: fast handler wrote\n%q\nslog wrote\n%q", tw.json, got, want)
	}
}

type textErr struct{ msg string }

func (e textErr) Error() string                { return e.msg }
func (e textErr) MarshalText() ([]byte, error) { return []byte("text:" + e.msg), nil }

type jsonErr struct{ msg string }

func (e jsonErr) Error() string                { return e.msg }
func (e jsonErr) MarshalJSON() ([]byte, error) { return []byte(`{"e":1}`), nil }

type fmtErr struct{ msg string }

func (e fmtErr) Error() string { return e.msg }
func (e fmtErr) Format(s fmt.State, verb rune) {
	fmt.Fprintf(s, "formatted(%s)", e.msg)
}

type panicErr struct{}

func (*panicErr) Error() string { panic("boom") }

type token string

func (token) LogValue() slog.Value { return slog.StringValue("REDACTED") }

type roles []string

// trickyStrings are the strings every test formats as keys, values and
// messages.
var trickyStrings = []string{
	"", "plain", "two words", `a"quote`, `back\slash`, "new\nline", "tab\there", "cr\r", "nul\x00",
	"bell\a", "bs\b", "ff\f", "esc\x1b", "del\x7f", "a=b", "=", "héllo", "日本語", "\xff", "bad\xc3(",
	"\ufffd", "nbsp\u00a0x", "ls\u2028ps\u2029", "zw\u200bx", "emoji😀", "<tag>&amp;", "{json}", "[x]",
	"trail ", " lead", "slash/path?x=1", "GET", "-", "0123456789ABCDEF", "\U0010ffff", "\u0085",
}

func TestFastHandlerMatchesSlog(t *testing.T) {
	t.Parallel()
	ctx := reqctx.With(context.Background(), &reqctx.Info{ID: "18C3F2A94B7E0D15"})
	east := time.FixedZone("EAST", 5*3600+30*60)
	west := time.FixedZone("WEST", -(3*3600 + 15*60 + 7))
	var nilStrings []string
	tests := []struct {
		name  string
		ctx   context.Context
		level slog.Level
		time  time.Time
		attrs []slog.Attr
		// slow names the formats ("text", "json" or "both") whose
		// fast path leaves the record to slog.
		slow string
	}{
		{name: "access line", ctx: ctx, time: fixedTime, attrs: []slog.Attr{
			slog.String("method", "GET"), slog.String("path", "/bkt/a b/c"), slog.String("query", "list-type=2&prefix=x"),
			slog.Int("status", 200), slog.Int64("bytes", -1), slog.Duration("duration", 1834*time.Microsecond),
			slog.String("api", "s3"), slog.String("op", "GetObject"), slog.String("principal", "-"),
			slog.String("remote", "[::1]:5000"),
		}},
		{name: "sts audit line", ctx: ctx, time: fixedTime, attrs: []slog.Attr{
			slog.String("subject", "alice"), slog.String("provider", "dev"), slog.String("issuer", "https://idp"),
			slog.Any("roles", []string{"admin", "reader"}), slog.Any("policies", []string{"s3admin"}),
			slog.Bool("narrowed", false), slog.Bool("session_policy", true), slog.String("access_key", "ASIA1234"),
			slog.String("session_name", "s"), slog.String("expires", fixedTime.Format(time.RFC3339)),
			slog.String("source_ip", ""),
		}},
		{name: "no context", ctx: context.Background(), time: fixedTime},
		{name: "nil context", ctx: nil, time: fixedTime},
		{name: "zero time", ctx: ctx, attrs: []slog.Attr{slog.Int("n", 1)}},
		{name: "levels", ctx: ctx, time: fixedTime, level: slog.LevelWarn + 2},
		{name: "debug minus", ctx: ctx, time: fixedTime, level: slog.LevelDebug - 3},
		{name: "error", ctx: ctx, time: fixedTime, level: slog.LevelError},
		{name: "time zones", ctx: ctx, time: fixedTime.In(east), attrs: []slog.Attr{
			slog.Time("t", fixedTime.In(west)), slog.Time("whole", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
			slog.Time("zero", time.Time{}), slog.Time("micro", time.Date(1, 2, 3, 4, 5, 6, 7000, east)),
		}},
		{name: "far time", ctx: ctx, slow: "json", time: time.Date(12026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{name: "far time attr", ctx: ctx, slow: "json", time: fixedTime, attrs: []slog.Attr{
			slog.Time("t", time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)),
		}},
		{name: "numbers", ctx: ctx, time: fixedTime, attrs: []slog.Attr{
			slog.Int64("min", math.MinInt64), slog.Uint64("max", math.MaxUint64), slog.Float64("pi", math.Pi),
			slog.Float64("tiny", 1e-7), slog.Float64("big", 1e21), slog.Float64("neg", -2.5e-300),
			slog.Float64("zero", 0), slog.Float64("negzero", math.Copysign(0, -1)), slog.Float64("int", 3),
			slog.Float64("e20", 1e20), slog.Bool("t", true),
		}},
		{name: "nan", ctx: ctx, slow: "json", time: fixedTime, attrs: []slog.Attr{slog.Float64("x", math.NaN())}},
		{name: "durations", ctx: ctx, time: fixedTime, attrs: []slog.Attr{
			slog.Duration("zero", 0), slog.Duration("ns", 7), slog.Duration("us", 1500), slog.Duration("h", 26*time.Hour+3*time.Second),
			slog.Duration("neg", -time.Millisecond), slog.Duration("min", math.MinInt64),
		}},
		{name: "errors", ctx: ctx, time: fixedTime, attrs: []slog.Attr{
			slog.Any("err", errors.New("open /x: no such file")), slog.Any("wrapped", fmt.Errorf("a=%w", errors.New("b"))),
			slog.Any("nil", nil),
		}},
		{name: "text marshaler error", ctx: ctx, slow: "text", time: fixedTime, attrs: []slog.Attr{slog.Any("err", textErr{"x y"})}},
		{name: "json marshaler error", ctx: ctx, slow: "json", time: fixedTime, attrs: []slog.Attr{slog.Any("err", jsonErr{"x"})}},
		{name: "formatter error", ctx: ctx, slow: "text", time: fixedTime, attrs: []slog.Attr{slog.Any("err", fmtErr{"x"})}},
		{name: "panicking error", ctx: ctx, slow: "both", time: fixedTime, attrs: []slog.Attr{slog.Any("err", (*panicErr)(nil))}},
		{name: "string slices", ctx: ctx, time: fixedTime, attrs: []slog.Attr{
			slog.Any("one", []string{"a"}), slog.Any("two", []string{"a", "b"}), slog.Any("empty", []string{}),
			slog.Any("nil", nilStrings), slog.Any("blank", []string{""}), slog.Any("blanks", []string{"", ""}),
			slog.Any("tricky", trickyStrings), slog.Any("quote1", []string{`"`}), slog.Any("bad", []string{"\xe2\x82", "\xac"}),
		}},
		{name: "named string slice", ctx: ctx, slow: "both", time: fixedTime, attrs: []slog.Attr{slog.Any("r", roles{"a", "b"})}},
		{name: "bytes", ctx: ctx, slow: "both", time: fixedTime, attrs: []slog.Attr{slog.Any("b", []byte("hi there"))}},
		{name: "map", ctx: ctx, slow: "both", time: fixedTime, attrs: []slog.Attr{slog.Any("m", map[string]int{"a": 1})}},
		{name: "log valuer", ctx: ctx, slow: "both", time: fixedTime, attrs: []slog.Attr{slog.Any("tok", token("secret"))}},
		{name: "group", ctx: ctx, slow: "both", time: fixedTime, attrs: []slog.Attr{
			slog.Group("g", slog.Int("a", 1), slog.Group("h", slog.String("b", "x y"))), slog.Group("", slog.Int("inline", 2)),
			slog.Group("empty"),
		}},
		{name: "zero attr", ctx: ctx, time: fixedTime, attrs: []slog.Attr{{}, slog.Int("", 0), slog.String("", ""), slog.Any("", nil)}},
	}
	for i, s := range trickyStrings {
		tests = append(tests, struct {
			name  string
			ctx   context.Context
			level slog.Level
			time  time.Time
			attrs []slog.Attr
			slow  string
		}{
			name: fmt.Sprintf("tricky %d", i), time: fixedTime,
			ctx:   reqctx.With(context.Background(), &reqctx.Info{ID: s}),
			attrs: []slog.Attr{slog.String(s, s), slog.String("k", s), slog.Any("e", errors.New(s)), slog.Any("ss", []string{s, "x"})},
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, json := range []bool{false, true} {
				for _, msg := range []string{"request", "", "a message with \"quotes\"\n"} {
					tw := newTwins(json, &slog.HandlerOptions{Level: slog.LevelDebug - 10})
					r := slog.NewRecord(tt.time, tt.level, msg, 0)
					r.AddAttrs(tt.attrs...)
					tw.handle(t, tt.ctx, r)
					format := map[bool]string{false: "text", true: "json"}[json]
					wantFast := tt.slow != format && tt.slow != "both"
					if _, fast := tw.fastRaw.appendRecord(nil, r, "id"); fast != wantFast {
						t.Errorf("%s: fast path taken = %v, want %v", format, fast, wantFast)
					}
				}
			}
		})
	}
}

func TestFastHandlerWithAttrsAndGroups(t *testing.T) {
	t.Parallel()
	ctx := reqctx.With(context.Background(), &reqctx.Info{ID: "0123456789ABCDEF"})
	steps := []struct {
		name string
		do   func(*twins)
	}{
		{"attrs", func(tw *twins) { tw.withAttrs(slog.String("provider", "dev"), slog.Int("n", 3)) }},
		{"tricky attrs", func(tw *twins) { tw.withAttrs(slog.String("a b", "c\"d"), slog.Any("e", errors.New("x"))) }},
		{"no attrs", func(tw *twins) { tw.withAttrs() }},
		{"empty attrs", func(tw *twins) { tw.withAttrs(slog.Attr{}) }},
		{"empty group attr", func(tw *twins) { tw.withAttrs(slog.Group("g")) }},
		{"group attr", func(tw *twins) { tw.withAttrs(slog.Group("g", slog.Int("x", 1))) }},
		{"valuer attr", func(tw *twins) { tw.withAttrs(slog.Any("tok", token("secret"))) }},
		{"group", func(tw *twins) { tw.withGroup("grp") }},
		{"empty group", func(tw *twins) { tw.withGroup("") }},
	}
	// Every ordered pair of steps, then a record with and without attrs.
	for _, a := range steps {
		for _, b := range steps {
			t.Run(a.name+"+"+b.name, func(t *testing.T) {
				t.Parallel()
				for _, json := range []bool{false, true} {
					tw := newTwins(json, nil)
					a.do(tw)
					b.do(tw)
					for _, attrs := range [][]slog.Attr{nil, {slog.String("k", "v w")}} {
						r := slog.NewRecord(fixedTime, slog.LevelInfo, "hello", 0)
						r.AddAttrs(attrs...)
						tw.handle(t, ctx, r)
						tw.handle(t, context.Background(), r)
					}
				}
			})
		}
	}
}

func TestFastHandlerOptions(t *testing.T) {
	t.Parallel()
	var lv slog.LevelVar
	lv.Set(slog.LevelWarn)
	for _, opts := range []*slog.HandlerOptions{
		nil,
		{Level: &lv},
		{Level: slog.LevelError},
		{AddSource: true},
		{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == "k" {
				a.Value = slog.StringValue("replaced")
			}
			return a
		}},
	} {
		for _, json := range []bool{false, true} {
			tw := newTwins(json, opts)
			for _, l := range []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError} {
				r := slog.NewRecord(fixedTime, l, "m", 0)
				r.AddAttrs(slog.String("k", "v"))
				tw.handle(t, context.Background(), r)
			}
		}
	}
}

// TestFastHandlerConcurrent logs from several goroutines through handlers
// that share a writer, on the fast and the delegated path: every line must
// arrive whole (and -race must see the writes serialised).
func TestFastHandlerConcurrent(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log, err := NewLogger(&buf, "text", "info")
	if err != nil {
		t.Fatal(err)
	}
	grouped := log.WithGroup("g")
	var wg sync.WaitGroup
	const goroutines, lines = 4, 50
	for i := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range lines {
				log.Info("fast", "i", i, "j", j)
				grouped.Info("slow", "i", i, "j", j)
			}
		}()
	}
	wg.Wait()
	got := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(got) != 2*goroutines*lines {
		t.Fatalf("got %d lines, want %d", len(got), 2*goroutines*lines)
	}
	for _, l := range got {
		if !strings.HasPrefix(l, "time=") || !strings.Contains(l, "j=") {
			t.Fatalf("torn line %q", l)
		}
	}
}

// FuzzHandlerMatchesSlog builds records from the fuzz input (strings as
// message, keys, values, request id and group names; numbers as ints,
// durations, floats, times and levels; shape bits choosing attributes and
// With calls) and compares the fast handler's lines with slog's.
func FuzzHandlerMatchesSlog(f *testing.F) {
	f.Add("request", "path", "/bkt/key", "GET", "18C3F2A94B7E0D15", int64(200), 1.5, int8(0), uint16(0))
	f.Add("", "", "", "", "", int64(0), 0.0, int8(-4), uint16(0xffff))
	f.Add("a \"b\"\n", "k=v", "back\\slash", "\xff\x00", "id with space", int64(-1), 1e-7, int8(8), uint16(0x5555))
	f.Add("日本語", "\u2028", "tab\t", "=", "\x7f", int64(math.MaxInt64), math.Inf(1), int8(12), uint16(0xaaaa))
	f.Add("msg", "k", "v", "g", "", int64(253402300800), 1e21, int8(2), uint16(1<<7|1<<1))
	f.Fuzz(func(t *testing.T, msg, key, s1, s2, id string, n int64, fl float64, level int8, shape uint16) {
		ctx := context.Background()
		if id != "" || shape&(1<<14) != 0 {
			ctx = reqctx.With(ctx, &reqctx.Info{ID: id})
		}
		zone := time.FixedZone("Z", int(n%(18*3600)))
		recTime := fixedTime
		if shape&(1<<7) != 0 {
			recTime = time.Unix(n, int64(level)).In(zone)
		}
		if shape&(1<<15) != 0 {
			recTime = time.Time{}
		}
		var attrs []slog.Attr
		add := func(bit int, a ...slog.Attr) {
			if shape&(1<<bit) != 0 {
				attrs = append(attrs, a...)
			}
		}
		attrs = append(attrs, slog.String(key, s1), slog.String(s2, msg), slog.Int64("n", n))
		add(2, slog.Group(key, slog.String(s1, s2)))
		add(3, slog.Any("err", errors.New(s1)), slog.Any(key, fmt.Errorf("%s: %w", s2, errors.New(msg))))
		add(4, slog.Any("ss", []string{s1, s2, key}), slog.Any("one", []string{s1}))
		add(5, slog.Any("nil", []string(nil)), slog.Any(key, nil), slog.Any("", nil))
		add(6, slog.Float64("f", fl), slog.Float64(key, float64(n)))
		add(8, slog.Time("t", time.Unix(0, n).In(zone)), slog.Time("tn", time.Unix(n, 0).UTC()))
		add(9, slog.Duration("d", time.Duration(n)), slog.Duration("dl", time.Duration(level)*time.Millisecond+time.Duration(n%1e9)))
		add(10, slog.Uint64("u", uint64(n)), slog.Bool(key, n%2 == 0))
		add(11, slog.Any("b", []byte(s1)), slog.Any("tok", token(s2)))
		for _, json := range []bool{false, true} {
			tw := newTwins(json, &slog.HandlerOptions{Level: slog.Level(level / 2)})
			if shape&1 != 0 {
				tw.withAttrs(slog.String(s2, key), slog.Int("w", int(n)))
			}
			if shape&(1<<1) != 0 {
				tw.withGroup(s2)
			}
			if shape&(1<<12) != 0 {
				tw.withAttrs(slog.Any("we", errors.New(msg)), slog.Any("wss", []string{key}))
			}
			if shape&(1<<13) != 0 {
				tw.withAttrs(slog.Group(s1, slog.String(key, s2)))
			}
			r := slog.NewRecord(recTime, slog.Level(level), msg, 0)
			r.AddAttrs(attrs...)
			tw.handle(t, ctx, r)
		}
	})
}
