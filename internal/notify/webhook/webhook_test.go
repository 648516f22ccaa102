package webhook_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"lianxi/internal/notify"
	"lianxi/internal/notify/webhook"
)

const secret = "s3cret-部门"

// receiver is a webhook endpoint as a department would write one: it
// verifies the signature, then records the payload. Its replies come from
// statuses, one per request; after the last, it answers 200.
type receiver struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	statuses []int
	got      []webhook.Payload
	headers  []http.Header
	requests int
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{t: t, statuses: statuses}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
		r.t.Errorf("got %s with Content-Type %q, want a JSON POST", req.Method, req.Header.Get("Content-Type"))
	}
	err = webhook.Verify(secret, req.Header.Get(webhook.HeaderSignature), req.Header.Get(webhook.HeaderTimestamp),
		body, time.Now(), 5*time.Minute)
	if err != nil {
		r.t.Errorf("signature: %v", err)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var p webhook.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		r.t.Errorf("payload: %v", err)
	}
	r.got = append(r.got, p)
	r.headers = append(r.headers, req.Header.Clone())
	status := http.StatusOK
	if len(r.statuses) > 0 {
		status, r.statuses = r.statuses[0], r.statuses[1:]
	}
	w.WriteHeader(status)
	io.WriteString(w, `{"errcode":0}`)
}

func (r *receiver) payloads() ([]webhook.Payload, []http.Header) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]webhook.Payload(nil), r.got...), append([]http.Header(nil), r.headers...)
}

func message(url string) notify.Message {
	return notify.Message{
		Key:     "task:42:due-1:2026-11-27",
		Subject: "【催办】城市更新项目\n任务即将到期",
		Body:    "住建局：\n贵单位承办的任务将于2026年11月27日到期，请及时办理。",
		Link:    "https://lianxi.example.gov.cn/tasks/42?from=webhook&x=<1>",
		Recipient: notify.Recipient{
			Name:          "住建局",
			WebhookURL:    url,
			WebhookSecret: secret,
		},
	}
}

func TestSendDelivers(t *testing.T) {
	r := newReceiver(t)
	s := webhook.New(5 * time.Second)
	m := message(r.srv.URL + "/hook")
	if err := s.Send(t.Context(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got, headers := r.payloads()
	if len(got) != 1 {
		t.Fatalf("received %d payloads, want 1", len(got))
	}
	p := got[0]
	if p.Key != m.Key || p.Body != m.Body || p.Link != m.Link {
		t.Errorf("payload %+v does not carry the message", p)
	}
	if p.Subject != "【催办】城市更新项目 任务即将到期" {
		t.Errorf("subject %q, want it on one line", p.Subject)
	}
	if d := time.Since(p.SentAt); d < 0 || d > time.Minute {
		t.Errorf("sent_at %v is not now", p.SentAt)
	}
	h := headers[0]
	if h.Get(webhook.HeaderKey) != m.Key {
		t.Errorf("%s = %q, want %q", webhook.HeaderKey, h.Get(webhook.HeaderKey), m.Key)
	}
	if ts := h.Get(webhook.HeaderTimestamp); ts != strconv.FormatInt(p.SentAt.Unix(), 10) {
		t.Errorf("timestamp header %q disagrees with sent_at %v", ts, p.SentAt)
	}
	if s.Channel() != "webhook" {
		t.Errorf("Channel() = %q", s.Channel())
	}
}

func TestSendUsesClock(t *testing.T) {
	var body []byte
	var hdr http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		hdr = r.Header.Clone()
	}))
	defer srv.Close()

	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	s := &webhook.Sender{Client: srv.Client(), Now: func() time.Time { return at }}
	if err := s.Send(t.Context(), message(srv.URL)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if hdr.Get(webhook.HeaderTimestamp) != strconv.FormatInt(at.Unix(), 10) {
		t.Fatalf("timestamp %q, want %d", hdr.Get(webhook.HeaderTimestamp), at.Unix())
	}
	if err := webhook.Verify(secret, hdr.Get(webhook.HeaderSignature), hdr.Get(webhook.HeaderTimestamp), body, at, time.Second); err != nil {
		t.Fatalf("Verify at the sender's clock: %v", err)
	}
	if !strings.Contains(string(body), `"sent_at":"2026-11-27T09:00:00+08:00"`) {
		t.Errorf("sent_at missing from %s", body)
	}
	if !strings.Contains(string(body), "&x=<1>") {
		t.Errorf("link escaped in %s; it should read as written", body)
	}
}

func TestRetryAfterServerError(t *testing.T) {
	r := newReceiver(t, http.StatusInternalServerError, http.StatusOK)
	s := webhook.New(5 * time.Second)
	m := message(r.srv.URL)

	err := s.Send(t.Context(), m)
	if err == nil {
		t.Fatal("first attempt: want an error for 500")
	}
	if notify.IsPermanent(err) {
		t.Fatalf("500 must be retryable, got permanent %v", err)
	}
	if err := s.Send(t.Context(), m); err != nil {
		t.Fatalf("retry: %v", err)
	}
	got, headers := r.payloads()
	if len(got) != 2 || headers[0].Get(webhook.HeaderKey) != headers[1].Get(webhook.HeaderKey) {
		t.Fatalf("want two attempts with the same key, got %d", len(got))
	}
}

func TestStatusClassification(t *testing.T) {
	for _, tc := range []struct {
		status    int
		permanent bool
	}{
		{http.StatusBadRequest, true},
		{http.StatusUnauthorized, true},
		{http.StatusNotFound, true},
		{http.StatusGone, true},
		{http.StatusRequestTimeout, false},
		{http.StatusTooManyRequests, false},
		{http.StatusBadGateway, false},
		{http.StatusServiceUnavailable, false},
	} {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			r := newReceiver(t, tc.status)
			err := webhook.New(5*time.Second).Send(t.Context(), message(r.srv.URL))
			if err == nil {
				t.Fatal("want an error")
			}
			if notify.IsPermanent(err) != tc.permanent {
				t.Fatalf("IsPermanent = %v, want %v (%v)", notify.IsPermanent(err), tc.permanent, err)
			}
		})
	}
}

func TestRefusedURLs(t *testing.T) {
	s := webhook.New(time.Second)
	for _, url := range []string{
		"file:///etc/passwd",
		"ftp://lianxi.example.gov.cn/hook",
		"gopher://lianxi.example.gov.cn/",
		"lianxi.example.gov.cn/hook",
		"http:///no-host",
		"http://bad host/",
	} {
		err := s.Send(t.Context(), message(url))
		if err == nil || !notify.IsPermanent(err) {
			t.Errorf("%q: got %v, want a permanent error", url, err)
		}
	}
	m := message("")
	if err := s.Send(t.Context(), m); !errors.Is(err, notify.ErrNoAddress) || !notify.IsPermanent(err) {
		t.Errorf("no URL: got %v, want ErrNoAddress", err)
	}
	m = message("https://lianxi.example.gov.cn/hook")
	m.Key = ""
	if err := s.Send(t.Context(), m); !errors.Is(err, notify.ErrNoKey) {
		t.Errorf("no key: got %v, want ErrNoKey", err)
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	hit := make(chan struct{}, 1)
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hit <- struct{}{} }))
	defer target.Close()
	src := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusFound))
	defer src.Close()

	err := webhook.New(5*time.Second).Send(t.Context(), message(src.URL))
	if err == nil || !notify.IsPermanent(err) {
		t.Fatalf("redirect: got %v, want a permanent error", err)
	}
	select {
	case <-hit:
		t.Fatal("the redirect was followed")
	default:
	}
}

func TestErrorsHideURLAndBoundBody(t *testing.T) {
	const key = "KEY-693axqy"
	big := strings.Repeat("服务器内部错误 ", 100_000) // ~2 MB
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, big)
	}))
	s := webhook.New(5 * time.Second)

	err := s.Send(t.Context(), message(srv.URL+"/cgi-bin/webhook/send?key="+key))
	if err == nil || notify.IsPermanent(err) {
		t.Fatalf("500: got %v, want a retryable error", err)
	}
	if strings.Contains(err.Error(), key) {
		t.Errorf("error shows the URL's secret: %v", err)
	}
	if len(err.Error()) > 400 {
		t.Errorf("error carries %d bytes of response; it should quote only the start", len(err.Error()))
	}
	if !strings.Contains(err.Error(), "服务器内部错误") {
		t.Errorf("error should quote the start of the response: %v", err)
	}

	srv.Close() // now the address refuses connections
	err = s.Send(t.Context(), message(srv.URL+"/cgi-bin/webhook/send?key="+key))
	if err == nil || notify.IsPermanent(err) {
		t.Fatalf("server down: got %v, want a retryable error", err)
	}
	if strings.Contains(err.Error(), key) {
		t.Errorf("network error shows the URL's secret: %v", err)
	}
}

func TestTimeoutIsRetryable(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)

	err := webhook.New(200*time.Millisecond).Send(t.Context(), message(srv.URL))
	if err == nil || notify.IsPermanent(err) {
		t.Fatalf("timeout: got %v, want a retryable error", err)
	}
}

func TestNoSecretNoSignature(t *testing.T) {
	var hdr http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hdr = r.Header.Clone() }))
	defer srv.Close()
	m := message(srv.URL)
	m.Recipient.WebhookSecret = ""
	if err := webhook.New(5*time.Second).Send(t.Context(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if v, ok := hdr[webhook.HeaderSignature]; ok {
		t.Errorf("signature %q sent without a secret", v)
	}
	if hdr.Get(webhook.HeaderKey) == "" {
		t.Error("key header missing")
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_795_000_000, 0)
	body := []byte(`{"key":"task:42","subject":"催办"}`)
	ts := now.Unix()
	sig := webhook.Sign(secret, ts, body)
	tsHeader := strconv.FormatInt(ts, 10)

	if !strings.HasPrefix(sig, "sha256=") || len(sig) != len("sha256=")+64 {
		t.Fatalf("signature %q is not sha256=<64 hex digits>", sig)
	}
	if err := webhook.Verify(secret, sig, tsHeader, body, now, time.Minute); err != nil {
		t.Fatalf("genuine request refused: %v", err)
	}
	tampered := []byte(strings.Replace(string(body), "42", "43", 1))
	for name, tc := range map[string]struct {
		secret, sig, ts string
		body            []byte
		now             time.Time
		want            error
	}{
		"tampered body":     {secret, sig, tsHeader, tampered, now, webhook.ErrBadSignature},
		"wrong secret":      {"other", sig, tsHeader, body, now, webhook.ErrBadSignature},
		"re-stamped":        {secret, sig, strconv.FormatInt(ts+1, 10), body, now, webhook.ErrBadSignature},
		"no signature":      {secret, "", tsHeader, body, now, webhook.ErrBadSignature},
		"too old":           {secret, sig, tsHeader, body, now.Add(61 * time.Second), webhook.ErrStaleTimestamp},
		"from the future":   {secret, sig, tsHeader, body, now.Add(-61 * time.Second), webhook.ErrStaleTimestamp},
		"malformed time":    {secret, sig, "yesterday", body, now, webhook.ErrBadTimestamp},
		"no secret to test": {"", webhook.Sign("", ts, body), tsHeader, body, now, webhook.ErrNoSecret},
	} {
		if err := webhook.Verify(tc.secret, tc.sig, tc.ts, tc.body, tc.now, time.Minute); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", name, err, tc.want)
		}
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("sha256=00", "1795000000", []byte("{}"))
	f.Add("", "", []byte(nil))
	now := time.Unix(1_795_000_000, 0)
	f.Fuzz(func(t *testing.T, header, ts string, body []byte) {
		// Whatever arrives, Verify must not panic, and must accept only
		// what Sign made.
		if webhook.Verify(secret, header, ts, body, now, time.Hour) == nil {
			n, err := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
			if err != nil || strings.TrimSpace(header) != webhook.Sign(secret, n, body) {
				t.Fatalf("accepted a forged request: %q %q", header, ts)
			}
		}
	})
}
