package webui

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"lianxi/web"
)

// assets are the embedded static files, each served under a name carrying
// a hash of its content (app.css → /static/app.3f2a9c1b.css). A new release
// changes the URL of every file it changes, so the files can be cached for
// a year and a browser never mixes an old stylesheet with new markup.
type assets struct {
	urls  map[string]string // logical name → URL
	files map[string]asset  // hashed name → file
}

type asset struct {
	body        []byte
	contentType string
}

func loadAssets() (*assets, error) {
	a := &assets{urls: map[string]string{}, files: map[string]asset{}}
	err := fs.WalkDir(web.FS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(web.FS, p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		a.urls[name] = "/static/" + hashed
		a.files[hashed] = asset{body: body, contentType: ct}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("webui: static assets: %w", err)
	}
	return a, nil
}

// url returns the hashed URL of a static file; the templates call it as
// {{asset "app.css"}}. An unknown name fails the rendering (and so the
// tests, which render every page) rather than leaving a broken link.
func (a *assets) url(name string) (string, error) {
	u, ok := a.urls[name]
	if !ok {
		return "", fmt.Errorf("webui: no static asset %q", name)
	}
	return u, nil
}

// serve answers /static/{hashed name}. Only the current hash is served: an
// old URL must not be cached for a year with new content behind it.
func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	f, ok := a.files[name]
	if !ok {
		w.Header().Set("Cache-Control", "no-store")
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	// The hash in the name is the content's identity, so it doubles as a
	// strong ETag for clients that revalidate anyway.
	h.Set("ETag", `"`+name+`"`)
	if r.Header.Get("If-None-Match") == `"`+name+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", fmt.Sprint(len(f.body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(f.body)
}
