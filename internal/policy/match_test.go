package policy

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestPatternMatch(t *testing.T) {
	t.Parallel()
	vars := ctxOf(map[string][]string{
		"aws:username": {"alice"},
		"jwt:sub":      {"a*b"},
		"jwt:groups":   {"g1", "g2"},
		"jwt:empty":    {""},
	})
	tests := []struct {
		name, pattern, s string
		opts             compileOpts
		fold             bool
		want             bool
	}{
		{"star matches all", "*", "anything:at/all", compileOpts{wildcards: true}, false, true},
		{"star matches empty", "*", "", compileOpts{wildcards: true}, false, true},
		{"exact", "arn:aws:s3:::bucket", "arn:aws:s3:::bucket", compileOpts{wildcards: true}, false, true},
		{"bucket/* does not match bucket", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", compileOpts{wildcards: true, prefix: true}, false, false},
		{"bucket/* matches bucket/", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/", compileOpts{wildcards: true, prefix: true}, false, true},
		{"bucket/* matches deep key", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c", compileOpts{wildcards: true, prefix: true}, false, true},
		{"bucket* matches bucket2", "arn:aws:s3:::bucket*", "arn:aws:s3:::bucket2/x", compileOpts{wildcards: true, prefix: true}, false, true},
		{"bucket does not match bucket/key", "arn:aws:s3:::bucket", "arn:aws:s3:::bucket/key", compileOpts{wildcards: true}, false, false},
		{"star crosses colons", "arn:aws:s3:::b/*.txt", "arn:aws:s3:::b/x:y.txt", compileOpts{wildcards: true}, false, true},
		{"star in the middle", "arn:aws:s3:::b/*/x", "arn:aws:s3:::b/a/b/x", compileOpts{wildcards: true}, false, true},
		{"star in the middle needs suffix", "arn:aws:s3:::b/*/x", "arn:aws:s3:::b/a/b/y", compileOpts{wildcards: true}, false, false},
		{"star backtracks", "a*ab", "aaab", compileOpts{wildcards: true}, false, true},
		{"two stars", "*a*b*", "xxaxxbxx", compileOpts{wildcards: true}, false, true},
		{"two stars order", "*b*a", "ab", compileOpts{wildcards: true}, false, false},
		{"question one char", "file?.txt", "file1.txt", compileOpts{wildcards: true}, false, true},
		{"question not zero", "file?.txt", "file.txt", compileOpts{wildcards: true}, false, false},
		{"question not two", "file?.txt", "file12.txt", compileOpts{wildcards: true}, false, false},
		{"question one rune", "?", "é", compileOpts{wildcards: true}, false, true},
		{"case sensitive", "arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/x", compileOpts{wildcards: true, prefix: true}, false, false},
		{"fold", "s3:getobject", "s3:GetObject", compileOpts{wildcards: true, lower: true}, true, true},
		{"fold wildcard", "s3:get*", "S3:GETOBJECT", compileOpts{wildcards: true, lower: true, prefix: true}, true, true},
		{"fold unicode", "straße", "STRASSE", compileOpts{}, true, false},
		{"fold unicode rune", "émile", "ÉMILE", compileOpts{}, true, true},
		{"literal star without wildcards", "a*", "a*", compileOpts{}, false, true},
		{"literal star without wildcards no glob", "a*", "abc", compileOpts{}, false, false},
		{"variable", "arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/alice/x", compileOpts{wildcards: true, variables: true}, false, true},
		{"variable other user", "arn:aws:s3:::home/${aws:username}/*", "arn:aws:s3:::home/bob/x", compileOpts{wildcards: true, variables: true}, false, false},
		{"variable key case-insensitive", "home/${AWS:UserName}", "home/alice", compileOpts{variables: true}, false, true},
		{"variable value is literal", "home/${jwt:sub}", "home/aXXb", compileOpts{wildcards: true, variables: true}, false, false},
		{"variable value literal star", "home/${jwt:sub}", "home/a*b", compileOpts{wildcards: true, variables: true}, false, true},
		{"missing variable never matches", "home/${jwt:nope}*", "home/", compileOpts{wildcards: true, variables: true}, false, false},
		{"missing variable never matches star", "${jwt:nope}*", "anything", compileOpts{wildcards: true, variables: true}, false, false},
		{"multi-valued variable never matches", "g/${jwt:groups}", "g/g1", compileOpts{variables: true}, false, false},
		{"empty variable value", "home/${jwt:empty}x", "home/x", compileOpts{variables: true}, false, true},
		{"variable after another bucket", "arn:aws:s3:::logs/${aws:username}/*", "arn:aws:s3:::data/alice/x", compileOpts{wildcards: true, variables: true}, false, false},
		{"missing variable after another bucket", "arn:aws:s3:::logs/${jwt:nope}/*", "arn:aws:s3:::data/x/y", compileOpts{wildcards: true, variables: true}, false, false},
		{"variable after a folded literal", "Home/${aws:username}", "hOME/alice", compileOpts{variables: true}, true, true},
		{"default used", "home/${jwt:nope, 'guest'}", "home/guest", compileOpts{variables: true}, false, true},
		{"default unused", "home/${aws:username, 'guest'}", "home/alice", compileOpts{variables: true}, false, true},
		{"escape star", "a${*}b", "a*b", compileOpts{wildcards: true, variables: true}, false, true},
		{"escape star is literal", "a${*}b", "axb", compileOpts{wildcards: true, variables: true}, false, false},
		{"escape question", "a${?}", "a?", compileOpts{wildcards: true, variables: true}, false, true},
		{"escape dollar", "${$}{x}", "${x}", compileOpts{variables: true}, false, true},
		{"variables off: literal", "home/${aws:username}", "home/${aws:username}", compileOpts{}, false, true},
		{"variables off: no substitution", "home/${aws:username}", "home/alice", compileOpts{}, false, false},
		{"empty pattern", "", "", compileOpts{wildcards: true}, false, true},
		{"empty pattern non-empty", "", "x", compileOpts{wildcards: true}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, _, msg := compilePattern(tc.pattern, tc.opts)
			if msg != "" {
				t.Fatalf("compile %q: %s", tc.pattern, msg)
			}
			if got := p.match(tc.s, &vars, tc.fold); got != tc.want {
				t.Errorf("%q matches %q = %v, want %v", tc.pattern, tc.s, got, tc.want)
			}
			// The general matcher must agree with the fast paths.
			if p.nvars == 0 {
				if got := glob(p.pieces, nil, tc.s, tc.fold); got != tc.want {
					t.Errorf("glob(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
				}
			}
		})
	}
}

func TestCompilePatternErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ pattern, want string }{
		{"a${aws:username", "unterminated policy variable"},
		{"${}", "empty policy variable"},
		{"${username}", "has no service prefix"},
		{"${aws:username, guest}", "single quotes"},
	}
	for _, tc := range tests {
		t.Run(tc.pattern, func(t *testing.T) {
			t.Parallel()
			_, _, msg := compilePattern(tc.pattern, compileOpts{variables: true})
			if msg == "" || !strings.Contains(msg, tc.want) {
				t.Errorf("compile %q: message %q, want it to contain %q", tc.pattern, msg, tc.want)
			}
		})
	}
}

// refMatch is an obviously-correct recursive wildcard matcher over runes.
func refMatch(p, s []rune, fold bool) bool {
	if len(p) == 0 {
		return len(s) == 0
	}
	switch p[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if refMatch(p[1:], s[i:], fold) {
				return true
			}
		}
		return false
	case '?':
		return len(s) > 0 && refMatch(p[1:], s[1:], fold)
	}
	if len(s) == 0 {
		return false
	}
	if p[0] != s[0] && !(fold && equalFoldRune(p[0], s[0])) {
		return false
	}
	return refMatch(p[1:], s[1:], fold)
}

// TestGlobDifferential compares the matcher with refMatch on random short
// patterns and strings over a small alphabet, so that stars, backtracking,
// case folding and multi-byte runes all meet.
func TestGlobDifferential(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune{'a', 'b', 'A', ':', '/', 'é', 'É', '*', '?'}
	gen := func(n int, wild bool) string { return randomText(rng, alphabet, n, wild, 'a') }
	for i := 0; i < 20000; i++ {
		pat, s := gen(7, true), gen(9, false)
		fold := i%2 == 1
		p, _, _ := compilePattern(pat, compileOpts{wildcards: true, prefix: true})
		want := refMatch([]rune(pat), []rune(s), fold)
		if got := p.match(s, nil, fold); got != want {
			t.Fatalf("match(%q, %q, fold=%v) = %v, reference says %v", pat, s, fold, got, want)
		}
		if got := glob(p.pieces, nil, s, fold); got != want {
			t.Fatalf("glob(%q, %q, fold=%v) = %v, reference says %v", pat, s, fold, got, want)
		}
	}
}

// TestMatchActionDifferential compares the statement's action matcher (with
// the action lower-cased once) with matching each pattern case-insensitively,
// on random patterns compiled as Action values are and random actions, some
// with runes that fold to ASCII letters (the Kelvin sign, the long s) and
// some too long to be lower-cased on the stack.
func TestMatchActionDifferential(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []rune{'s', '3', ':', 'g', 'G', 'e', 'T', 'k', 'K', 'ſ', '\u212a', '*', '?'}
	gen := func(n int, wild bool) string { return randomText(rng, alphabet, n, wild, 'g') }
	for i := 0; i < 20000; i++ {
		var st statement
		for range 1 + rng.IntN(3) {
			p, _, _ := compilePattern(gen(6, i%3 != 0), compileOpts{wildcards: true, lower: true, prefix: true})
			st.actions = append(st.actions, p)
		}
		action := gen(6, false)
		if i%50 == 0 {
			action = strings.Repeat("g", maxLowerAction+rng.IntN(2)-1) + action
		}
		var buf [maxLowerAction]byte
		want := anyMatch(st.actions, action, nil, true)
		if got := st.matchAction(action, lowerAction(&buf, action)); got != want {
			t.Fatalf("matchAction(%q) over %d patterns = %v, matching each says %v", action, len(st.actions), got, want)
		}
	}
}

// randomText is up to n runes drawn from alphabet; without wild, a '*' or
// '?' drawn becomes tame.
func randomText(rng *rand.Rand, alphabet []rune, n int, wild bool, tame rune) string {
	var b strings.Builder
	for range rng.IntN(n + 1) {
		r := alphabet[rng.IntN(len(alphabet))]
		if !wild && (r == '*' || r == '?') {
			r = tame
		}
		b.WriteRune(r)
	}
	return b.String()
}
