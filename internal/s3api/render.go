package s3api

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/fedstore/fedstore/internal/reqctx"
)

// response is what a handler returns; render writes it.
type response struct {
	status int         // 0 means 200
	header http.Header // extra headers
	xml    any         // an XML document, or
	body   io.Reader   // a body (over maxBufferedBody, an *os.File or *io.LimitedReader of one is sent with sendfile)
	closer io.Closer   // closed once body is sent (or not sent)
	size   int64       // body length, -1 unknown
}

func (rs *response) close() {
	if rs != nil && rs.closer != nil {
		rs.closer.Close()
	}
}

func (rs *response) setHeader(k, v string) {
	if rs.header == nil {
		rs.header = http.Header{}
	}
	rs.header.Set(k, v)
}

func xmlResponse(v any) *response { return &response{xml: v} }

// render writes a response or an error: the one place that writes status,
// headers and XML.
func (h *handler) render(w http.ResponseWriter, r *http.Request, resp *response, err error) {
	if err == nil {
		var buf []byte
		if resp.xml != nil {
			if buf, err = marshalXML(resp.xml); err != nil {
				resp.close()
			}
		}
		if err == nil {
			h.writeResponse(w, r, resp, buf)
			return
		}
	}
	resp.close()
	info := reqctx.From(r.Context())
	ae, known := toAPIError(err)
	switch {
	case !known && r.Context().Err() != nil:
		// The client went away mid-request (its connection closed): nothing
		// was stored and nobody reads the answer; not a server fault.
		h.log.InfoContext(r.Context(), "s3 request abandoned by the client",
			"request_id", info.ID, "op", info.Op, "error", err.Error())
	case !known:
		h.log.ErrorContext(r.Context(), "s3 internal error",
			"request_id", info.ID, "op", info.Op, "error", err.Error())
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(ae.code.status())
		return
	}
	body, merr := marshalXML(errorDoc{
		Code:      ae.code.name(),
		Message:   ae.message,
		Resource:  r.URL.Path,
		RequestID: info.ID,
	})
	if merr != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(ae.code.status())
	_, _ = w.Write(body)
}

func (h *handler) writeResponse(w http.ResponseWriter, r *http.Request, resp *response, xmlBody []byte) {
	for k, vs := range resp.header {
		w.Header()[k] = vs
	}
	status := resp.status
	if status == 0 {
		status = http.StatusOK
	}
	switch {
	case resp.xml != nil:
		w.Header().Set("Content-Type", "application/xml")
		w.Header().Set("Content-Length", strconv.Itoa(len(xmlBody)))
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			_, _ = w.Write(xmlBody)
		}
	case resp.body != nil:
		defer resp.close()
		if resp.size >= 0 {
			w.Header().Set("Content-Length", strconv.FormatInt(resp.size, 10))
		}
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			var err error
			if resp.size >= 0 && resp.size <= maxBufferedBody {
				err = h.writeSmallBody(w, resp)
			} else {
				_, err = io.Copy(w, resp.body)
			}
			if err != nil {
				h.log.DebugContext(r.Context(), "s3 response body copy ended early",
					"request_id", reqctx.From(r.Context()).ID, "error", err.Error())
			}
		}
	default:
		if w.Header().Get("Content-Length") == "" && status != http.StatusNoContent && status != http.StatusNotModified {
			w.Header().Set("Content-Length", "0")
		}
		w.WriteHeader(status)
	}
}

// maxBufferedBody is the largest response body sent with one read into a
// pooled buffer and one write instead of io.Copy's sendfile path (net/http
// reads 512 bytes, writes them with the headers, then calls sendfile twice):
// one system call and six allocations fewer per small GET. Measured with
// BenchmarkSendBody* on loopback TCP: no gain left at 32 KiB, where the copy
// through user space grows and sendfile's cost does not.
const maxBufferedBody = 16 << 10

// writeSmallBody writes the resp.size bytes of resp.body (at most
// maxBufferedBody). A body that ends early is sent as far as it goes, as
// io.Copy would (net/http then closes the connection).
func (h *handler) writeSmallBody(w http.ResponseWriter, resp *response) error {
	bp, ok := h.bodyBufs.Get().(*[maxBufferedBody]byte)
	if !ok {
		bp = new([maxBufferedBody]byte)
	}
	defer h.bodyBufs.Put(bp)
	n, err := io.ReadFull(resp.body, bp[:resp.size])
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		err = nil
	}
	if n > 0 {
		if _, werr := w.Write(bp[:n]); err == nil {
			err = werr
		}
	}
	return err
}

// marshalXML renders v as an XML document with the XML declaration.
func marshalXML(v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	if err := xml.NewEncoder(&b).Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
