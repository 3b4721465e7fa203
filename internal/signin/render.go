package signin

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
)

//go:embed templates/*.html templates/style.css
var templateFS embed.FS

var (
	pages    = template.Must(template.ParseFS(templateFS, "templates/*.html"))
	styleCSS = mustRead("templates/style.css")
)

func mustRead(name string) []byte {
	b, err := templateFS.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

type indexData struct {
	Providers []Provider
}

type resultData struct {
	Provider, Subject, Endpoint, Region string
	Creds                               Credentials
	Expires, ExpiresIn                  string
	Buckets                             []string
	BucketsError                        string
	Exports, Configure                  string
}

type errorData struct {
	Title, Message string
	Status         int
}

func (h *Handler) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		h.log.Error("signin: render", "page", name, "error", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (h *Handler) fail(w http.ResponseWriter, status int, title, msg string) {
	h.render(w, status, "error.html", errorData{Title: title, Message: msg, Status: status})
}
