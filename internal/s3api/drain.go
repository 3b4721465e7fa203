package s3api

import (
	"io"
	"net/http"
)

// maxErrorDrain bounds how much of a request body the server reads and
// discards before answering an error in the middle of the body (a full disk,
// a bad digest found early): enough for clients that send whole parts before
// they read the response (most SDKs), so they see the S3 error instead of a
// connection reset; beyond it net/http closes the connection.
const maxErrorDrain = 16 << 20

// readTracker wraps a request body and records whether reading started and
// whether it reached the end.
type readTracker struct {
	rc      io.ReadCloser
	started bool
	done    bool
}

func (t *readTracker) Read(p []byte) (int, error) {
	t.started = true
	n, err := t.rc.Read(p)
	if err != nil {
		t.done = true
	}
	return n, err
}

func (t *readTracker) Close() error { return t.rc.Close() }

// trackBody installs a readTracker on r's body (none for bodiless requests).
func trackBody(r *http.Request) *readTracker {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	t := &readTracker{rc: r.Body}
	r.Body = t
	return t
}

// drainAfterError discards up to maxErrorDrain bytes of a body whose reading
// started but did not finish. A body never started is left alone, so a
// client waiting on "Expect: 100-continue" is refused without sending it.
func drainAfterError(t *readTracker) {
	if t == nil || !t.started || t.done {
		return
	}
	_, _ = io.CopyN(io.Discard, t.rc, maxErrorDrain)
}
