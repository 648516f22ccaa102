package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"time"

	"lianxi/internal/httpapi"
)

// Session is one person signed in to Lianxi's API, with the session cookie.
type Session struct {
	Username string
	base     string
	http     *http.Client
}

// APIError is a refused request: the problem document the API answered.
type APIError struct {
	Method, Path string
	httpapi.Problem
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.Path, e.Status, e.Title)
	for _, f := range e.Errors {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Message)
	}
	return b.String()
}

// SignIn signs a user in at base (e.g. http://127.0.0.1:8080).
func SignIn(ctx context.Context, base, username, password string) (*Session, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	s := &Session{Username: username, base: strings.TrimRight(base, "/"), http: &http.Client{Jar: jar, Timeout: 2 * time.Minute}}
	login := map[string]string{"username": username, "password": password}
	if err := s.Call(ctx, http.MethodPost, "/api/v1/login", login, nil); err != nil {
		return nil, err
	}
	return s, nil
}

// Call sends in as JSON (nil: no body) and decodes a successful answer into
// out (nil: discarded). A refusal is an *APIError.
func (s *Session) Call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		e := &APIError{Method: method, Path: path}
		if err := json.NewDecoder(resp.Body).Decode(&e.Problem); err != nil || e.Status == 0 {
			e.Status, e.Title = resp.StatusCode, resp.Status
		}
		return e
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
