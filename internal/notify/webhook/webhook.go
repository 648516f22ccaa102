// Package webhook delivers notifications as signed JSON POSTs to a
// recipient's webhook (a WeCom or DingTalk style group bot, or a
// department's own system).
//
// Every request carries the outbox dedupe key in X-Lianxi-Key, so that a
// receiver can drop a delivery repeated by a retry, and, when the recipient
// has a secret, an HMAC-SHA256 signature over the timestamp and the body in
// X-Lianxi-Signature, so that it can tell our requests from forged or
// replayed ones. Sign and Verify are exported for receivers and tests.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"lianxi/internal/notify"
)

// Channel is the name this package's Sender records deliveries under.
const Channel = "webhook"

// The request headers, besides Content-Type.
const (
	HeaderKey       = "X-Lianxi-Key"
	HeaderTimestamp = "X-Lianxi-Timestamp"
	HeaderSignature = "X-Lianxi-Signature"
)

// maxResponseBody bounds how much of a response is read: enough to drain a
// normal reply so the connection can be reused, never so much that a broken
// or hostile endpoint can make the worker buffer megabytes.
const maxResponseBody = 64 << 10

// maxErrorSnippet bounds how much of a failed response's body goes into the
// error, which Temporal keeps in the workflow history and shows in its UI.
const maxErrorSnippet = 200

// Payload is the JSON body of a delivery.
type Payload struct {
	Key     string    `json:"key"`
	Subject string    `json:"subject"`
	Body    string    `json:"body"`
	Link    string    `json:"link"`
	SentAt  time.Time `json:"sent_at"`
}

// Sender posts notifications to Recipient.WebhookURL. The zero value uses
// http.DefaultClient and time.Now; New gives it a timeout and stops it from
// following redirects.
type Sender struct {
	Client *http.Client
	// Now is the clock that stamps requests; nil means time.Now.
	Now func() time.Time
}

var _ notify.Sender = (*Sender)(nil)

// New returns a Sender whose requests, response included, take at most
// timeout. Redirects are not followed: a webhook that moved is a
// configuration to fix, and following a 301 or 302 would turn the POST into
// a GET that drops the body.
func New(timeout time.Duration) *Sender {
	return &Sender{Client: &http.Client{
		Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// Channel returns "webhook".
func (s *Sender) Channel() string { return Channel }

// Send makes one delivery attempt. A 2xx reply is success; 408, 429, 5xx
// and network errors are retryable; any other reply, a URL that is not
// http or https, and a recipient without a URL are permanent.
//
// Errors never contain the full URL: bots such as WeCom's carry their
// access key in the query string, and errors end up in the workflow
// history.
func (s *Sender) Send(ctx context.Context, m notify.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if m.Recipient.WebhookURL == "" {
		return fmt.Errorf("webhook: %w", notify.ErrNoAddress)
	}
	u, err := parseURL(m.Recipient.WebhookURL)
	if err != nil {
		return notify.Permanent(err)
	}
	where := u.Scheme + "://" + u.Host

	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	// The timestamp is taken once, so that the header, the signature and
	// sent_at agree.
	at := now().Truncate(time.Second)
	body, err := encode(Payload{
		Key:     m.Key,
		Subject: notify.OneLine(m.Subject),
		Body:    m.Body,
		Link:    m.Link,
		SentAt:  at,
	})
	if err != nil {
		return notify.Permanent(fmt.Errorf("webhook: encoding the payload: %w", err))
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.Recipient.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return notify.Permanent(fmt.Errorf("webhook: request to %s: %w", where, redact(err, where)))
	}
	ts := at.Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Lianxi-Webhook/1")
	req.Header.Set(HeaderKey, m.Key)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	// Without a secret there is nothing to sign with: a signature under an
	// empty key would look like proof while anyone could forge it. Bots
	// that authenticate us by a key in their URL need none.
	if m.Recipient.WebhookSecret != "" {
		req.Header.Set(HeaderSignature, Sign(m.Recipient.WebhookSecret, ts, body))
	}

	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		// Network errors, timeouts and cancellation: the endpoint may well
		// answer next time.
		return fmt.Errorf("webhook: posting to %s: %w", where, redact(err, where))
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))

	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return fmt.Errorf("webhook: %s answered %s%s", where, resp.Status, describe(snippet))
	default:
		// Other 4xx (and 3xx, 1xx): the request itself is refused, and
		// sending it again would be refused again.
		return notify.Permanent(fmt.Errorf("webhook: %s answered %s%s", where, resp.Status, describe(snippet)))
	}
}

// parseURL accepts only absolute http and https URLs with a host. Anything
// else (file://, ftp://, a relative path) is a configuration error that no
// retry can fix, and must never reach a transport that might honour it.
func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the whole URL, secrets included.
		return nil, errors.New("webhook: the URL does not parse")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("webhook: scheme %q refused, only http and https are allowed", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("webhook: the URL has no host")
	}
	return u, nil
}

// encode marshals p without escaping <, > and & (links are full of &), so
// that a receiver logging the raw body can read it.
func encode(p Payload) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// redact replaces the URL inside a *url.Error, which net/http puts in every
// error it returns, with where (scheme and host only).
func redact(err error, where string) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return &url.Error{Op: ue.Op, URL: where, Err: ue.Err}
	}
	return err
}

// describe quotes the start of a failed response's body for the error, as
// one line of valid UTF-8, because endpoints often explain a refusal there.
func describe(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	cut := len(body) > maxErrorSnippet
	if cut {
		body = body[:maxErrorSnippet]
		for len(body) > 0 && !utf8.Valid(body) {
			body = body[:len(body)-1]
		}
	}
	s := notify.OneLine(strings.ToValidUTF8(string(body), "\uFFFD"))
	if cut {
		s += "…"
	}
	return ": " + strconv.Quote(s)
}

// Sign returns the X-Lianxi-Signature value for a request: "sha256=" and
// the hex HMAC-SHA256, keyed by secret, of "<timestamp>.<body>". The
// timestamp is signed too, so that a captured request cannot be replayed
// later under a fresh timestamp.
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(strconv.AppendInt(nil, timestamp, 10))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Errors returned by Verify; test with errors.Is.
var (
	ErrNoSecret       = errors.New("webhook: no secret to verify with")
	ErrBadTimestamp   = errors.New("webhook: malformed timestamp")
	ErrStaleTimestamp = errors.New("webhook: timestamp outside the allowed skew")
	ErrBadSignature   = errors.New("webhook: signature does not match")
)

// Verify checks a received request: header is its X-Lianxi-Signature,
// timestamp its X-Lianxi-Timestamp, body the raw bytes as received (before
// any JSON decoding). It fails when the timestamp is more than maxSkew away
// from now in either direction — bounding how long a captured request can
// be replayed — or when the signature is not the one Sign would make. The
// comparison takes constant time, so the signature cannot be guessed byte
// by byte.
func Verify(secret, header, timestamp string, body []byte, now time.Time, maxSkew time.Duration) error {
	if secret == "" {
		// An empty key is public: accepting its signatures would accept
		// anyone's.
		return ErrNoSecret
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return ErrBadTimestamp
	}
	skew := now.Sub(time.Unix(ts, 0))
	if skew > maxSkew || skew < -maxSkew {
		return ErrStaleTimestamp
	}
	want := Sign(secret, ts, body)
	if !hmac.Equal([]byte(strings.TrimSpace(header)), []byte(want)) {
		return ErrBadSignature
	}
	return nil
}
