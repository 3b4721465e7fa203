package policy

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxDocumentSize is the largest policy document Parse accepts, in bytes.
const MaxDocumentSize = 20 * 1024

// Sentinel errors; test with errors.Is.
var (
	// ErrMalformedPolicy: the document is not a valid policy. Every parse
	// failure except ErrPolicyTooLarge is a *ValidationError wrapping it.
	ErrMalformedPolicy = errors.New("malformed policy document")
	// ErrPolicyTooLarge: the document is over MaxDocumentSize bytes.
	ErrPolicyTooLarge = errors.New("policy document too large")
)

// ValidationError names the exact place of a fault in a policy document.
type ValidationError struct {
	// Path is the element at fault, e.g. "Statement[2].Condition"; "" is the
	// document itself. Statement indexes count from 0.
	Path string
	// Msg says what is wrong.
	Msg string
	// Offset is the byte offset of the element in the document, -1 if unknown.
	Offset int
	// Line and Column (1-based; column in characters) locate Offset; 0 if unknown.
	Line, Column int
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Line > 0 {
		fmt.Fprintf(&b, " (line %d, column %d)", e.Line, e.Column)
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrMalformedPolicy) true.
func (e *ValidationError) Unwrap() error { return ErrMalformedPolicy }

// Warning is a finding that does not make the document invalid, such as an
// action no fedstore operation can ever request.
type Warning struct {
	Path string
	Msg  string
}

func (w Warning) String() string {
	if w.Path == "" {
		return w.Msg
	}
	return w.Path + ": " + w.Msg
}

// lineCol turns a byte offset into a 1-based line and column (in characters).
func lineCol(data []byte, off int) (int, int) {
	if off < 0 {
		return 0, 0
	}
	if off > len(data) {
		off = len(data)
	}
	line, start := 1, 0
	for i := 0; i < off; i++ {
		if data[i] == '\n' {
			line++
			start = i + 1
		}
	}
	return line, utf8.RuneCount(data[start:off]) + 1
}

// suggest returns ` (did you mean "X"?)` for the closest candidate within a
// small edit distance (case-insensitive), or "".
func suggest(got string, candidates []string) string {
	return suggestWith(got, candidates, "")
}

// suggestWith is suggest with prefix put before the candidate in the message.
func suggestWith(got string, candidates []string, prefix string) string {
	best, bestD := "", 3
	lg := strings.ToLower(got)
	for _, c := range candidates {
		d := editDistance(lg, strings.ToLower(c), bestD)
		if d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || best == got {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", prefix+best)
}

// editDistance is the Levenshtein distance of a and b, or max if it is at
// least max (the computation stops early for long, different strings).
func editDistance(a, b string, max int) int {
	if d := len(a) - len(b); d >= max || -d >= max {
		return max
	}
	if len(a) > 128 || len(b) > 128 {
		return max
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= max {
			return max
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], max)
}
