package email_test

import (
	"context"
	"errors"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"lianxi/internal/notify"
	"lianxi/internal/notify/email"
	"lianxi/internal/notify/smtptest"
)

const from = "联席会议办公室 <noreply@lianxi.example.gov.cn>"

// A subject long enough that its encoded form must be folded over several
// header lines, and a body with a line longer than quoted-printable allows.
var (
	subject = "【催办】关于“老旧小区改造与城市更新专项行动”第三季度任务即将到期的提醒，请于2026年11月27日前办理完毕"
	body    = "住房和城乡建设局：\n\n" +
		"贵单位承办的任务“" + strings.Repeat("完成老旧小区加装电梯的可行性评估与居民意见征集，", 4) + "”将于2026年11月27日到期。\n" +
		"请及时办理并在系统中反馈。\n\n——市联席会议办公室"
	link = "https://lianxi.example.gov.cn/tasks/42?from=mail&tab=history"
)

func message(key string) notify.Message {
	return notify.Message{
		Key:     key,
		Subject: subject,
		Body:    body,
		Link:    link,
		Recipient: notify.Recipient{
			Name:  "张建国",
			Email: "zhang.jianguo@zjj.example.gov.cn",
		},
	}
}

func newSender(t *testing.T, cfg email.Config) *email.Sender {
	t.Helper()
	if cfg.From == "" {
		cfg.From = from
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	s, err := email.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func plain(srv *smtptest.Server) email.Config {
	return email.Config{Host: srv.Host(), Port: srv.Port(), TLS: "none"}
}

func TestSendChinese(t *testing.T) {
	srv := smtptest.Start(t)
	s := newSender(t, plain(srv))
	const key = "task:42:due-1:2026-11-27"

	if err := s.Send(t.Context(), message(key)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("server received %d messages, want 1", len(msgs))
	}
	got := msgs[0]

	// The envelope.
	if got.From != "noreply@lianxi.example.gov.cn" {
		t.Errorf("MAIL FROM %q", got.From)
	}
	if len(got.To) != 1 || got.To[0] != "zhang.jianguo@zjj.example.gov.cn" {
		t.Errorf("RCPT TO %q", got.To)
	}

	// The headers, decoded as a mail client would.
	m, err := got.Message()
	if err != nil {
		t.Fatalf("parsing the received message: %v", err)
	}
	fromAddr, err := m.Header.AddressList("From")
	if err != nil || len(fromAddr) != 1 || fromAddr[0].Name != "联席会议办公室" || fromAddr[0].Address != "noreply@lianxi.example.gov.cn" {
		t.Errorf("From %v (%v), want 联席会议办公室 <noreply@lianxi.example.gov.cn>", fromAddr, err)
	}
	toAddr, err := m.Header.AddressList("To")
	if err != nil || len(toAddr) != 1 || toAddr[0].Name != "张建国" || toAddr[0].Address != "zhang.jianguo@zjj.example.gov.cn" {
		t.Errorf("To %v (%v), want 张建国 <zhang.jianguo@zjj.example.gov.cn>", toAddr, err)
	}
	if subj, err := got.Header("Subject"); err != nil || subj != subject {
		t.Errorf("Subject %q (%v), want %q", subj, err, subject)
	}
	if raw := m.Header.Get("Subject"); !strings.HasPrefix(strings.ToUpper(raw), "=?UTF-8?") {
		t.Errorf("raw Subject %q is not RFC 2047 encoded", raw)
	}
	if id := m.Header.Get("Message-Id"); id != email.MessageID(key) {
		t.Errorf("Message-ID %q, want %q", id, email.MessageID(key))
	}
	if k := m.Header.Get(email.HeaderKey); k != key {
		t.Errorf("%s %q, want %q", email.HeaderKey, k, key)
	}
	if a := m.Header.Get("Auto-Submitted"); a != "auto-generated" {
		t.Errorf("Auto-Submitted %q", a)
	}
	if d, err := m.Header.Date(); err != nil || time.Since(d) > time.Minute {
		t.Errorf("Date %v (%v)", d, err)
	}
	if ct := m.Header.Get("Content-Type"); !strings.Contains(strings.ToLower(ct), "text/plain") || !strings.Contains(strings.ToLower(ct), "utf-8") {
		t.Errorf("Content-Type %q, want UTF-8 plain text", ct)
	}

	// The body, decoded from its transfer encoding.
	text, err := got.Text()
	if err != nil {
		t.Fatalf("decoding the body: %v", err)
	}
	if !strings.HasPrefix(text, body) {
		t.Errorf("body does not start with the message's text:\n%s", text)
	}
	if !strings.Contains(text, "\n\n"+link+"\n") {
		t.Errorf("body lacks the link on a line of its own:\n%s", text)
	}
	for i, line := range strings.Split(string(got.Data), "\r\n") {
		if len(line) > 998 {
			t.Errorf("raw line %d is %d bytes, over SMTP's limit", i, len(line))
		}
	}
}

func TestMessageIDStableForKey(t *testing.T) {
	srv := smtptest.Start(t)
	s := newSender(t, plain(srv))
	keys := []string{"task:42:due-1:2026-11-27", "task:42:due-1:2026-11-27", "task:42:overdue-3:2026-11-30"}
	for _, k := range keys {
		if err := s.Send(t.Context(), message(k)); err != nil {
			t.Fatalf("Send %s: %v", k, err)
		}
	}
	var ids []string
	for _, r := range srv.Messages() {
		m, err := r.Message()
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.Header.Get("Message-Id"))
	}
	if len(ids) != 3 {
		t.Fatalf("got %d messages, want 3", len(ids))
	}
	if ids[0] != ids[1] {
		t.Errorf("same key, different Message-IDs: %s %s", ids[0], ids[1])
	}
	if ids[0] == ids[2] {
		t.Errorf("different keys, same Message-ID %s", ids[0])
	}
	if !regexp.MustCompile(`^<[0-9a-f]{32}@lianxi>$`).MatchString(ids[0]) {
		t.Errorf("Message-ID %q is not <32 hex digits@lianxi>", ids[0])
	}
	// The hash keeps the key itself out of the Message-ID.
	if strings.Contains(ids[0], "task") {
		t.Errorf("Message-ID %q shows the key", ids[0])
	}
}

func TestRejected550IsPermanent(t *testing.T) {
	srv := smtptest.Start(t)
	srv.Reject(550)
	s := newSender(t, plain(srv))

	err := s.Send(t.Context(), message("task:42:due-1:2026-11-27"))
	if err == nil {
		t.Fatal("Send succeeded against a server that rejects")
	}
	if !notify.IsPermanent(err) {
		t.Fatalf("550 must be permanent, got %v", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("server stored %d messages", n)
	}
}

func TestRejectedAtDataIsPermanent(t *testing.T) {
	srv := smtptest.Start(t)
	srv.RejectWith(smtptest.Rejection{Stage: smtptest.StageData, Code: 554, Message: "Message refused by content filter"})
	err := newSender(t, plain(srv)).Send(t.Context(), message("task:42:due-1:2026-11-27"))
	if err == nil || !notify.IsPermanent(err) {
		t.Fatalf("554 at DATA: got %v, want a permanent error", err)
	}
}

func TestTemporaryRejectionThenRetry(t *testing.T) {
	srv := smtptest.Start(t)
	srv.RejectWith(smtptest.Rejection{Code: 451, Message: "Greylisted, try again later", Times: 1})
	s := newSender(t, plain(srv))
	m := message("task:42:due-1:2026-11-27")

	err := s.Send(t.Context(), m)
	if err == nil {
		t.Fatal("first attempt: want the 451")
	}
	if notify.IsPermanent(err) {
		t.Fatalf("451 must be retryable, got permanent %v", err)
	}
	if err := s.Send(t.Context(), m); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n, r := len(srv.Messages()), srv.Rejected(); n != 1 || r != 1 {
		t.Fatalf("stored %d messages after %d rejections, want 1 after 1", n, r)
	}
}

func TestServerDownIsRetryable(t *testing.T) {
	srv := smtptest.Start(t)
	s := newSender(t, plain(srv))
	srv.Close()

	err := s.Send(t.Context(), message("task:42:due-1:2026-11-27"))
	if err == nil {
		t.Fatal("Send succeeded with the server down")
	}
	if notify.IsPermanent(err) {
		t.Fatalf("a server that is down must be retried, got permanent %v", err)
	}
}

// A server that accepts the connection but never answers must not hold the
// activity beyond its context: Temporal's timeouts and cancellation work.
func TestContextEndsStalledSession(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, silent, until the test ends
		}
	}()
	addr := l.Addr().(*net.TCPAddr)
	s := newSender(t, email.Config{Host: "127.0.0.1", Port: addr.Port, TLS: "none", Timeout: time.Minute})

	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Send(ctx, message("task:42:due-1:2026-11-27"))
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Fatalf("Send took %v; it should stop when the context ends", elapsed)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the context's deadline", err)
	}
	if notify.IsPermanent(err) {
		t.Fatal("a timeout must be retryable")
	}
}

func TestAuthPlainOnLoopback(t *testing.T) {
	srv := smtptest.StartWith(t, smtptest.Options{Username: "lianxi", Password: "pa55-口令"})
	cfg := plain(srv)
	cfg.Username, cfg.Password = "lianxi", "pa55-口令"
	if err := newSender(t, cfg).Send(t.Context(), message("task:1:due-1:2026-11-27")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := srv.Messages(); len(got) != 1 || got[0].Username != "lianxi" {
		t.Fatalf("want one message sent as lianxi, got %+v", got)
	}

	// A wrong password is our configuration, not the message: retry, so
	// reminders go out once an operator fixes it.
	cfg.Password = "wrong"
	err := newSender(t, cfg).Send(t.Context(), message("task:1:due-1:2026-11-27"))
	if err == nil || notify.IsPermanent(err) {
		t.Fatalf("bad password: got %v, want a retryable error", err)
	}

	// Without credentials the server refuses MAIL FROM with a 5xx; that
	// too is our configuration, so it stays retryable.
	cfg.Username, cfg.Password = "", ""
	err = newSender(t, cfg).Send(t.Context(), message("task:1:due-1:2026-11-27"))
	if err == nil || notify.IsPermanent(err) {
		t.Fatalf("no credentials: got %v, want a retryable error", err)
	}
}

func TestSenderRefusedIsRetryable(t *testing.T) {
	srv := smtptest.Start(t)
	srv.RejectWith(smtptest.Rejection{Stage: smtptest.StageMail, Code: 553, Message: "Sender address not allowed"})
	err := newSender(t, plain(srv)).Send(t.Context(), message("task:42:due-1:2026-11-27"))
	if err == nil || notify.IsPermanent(err) {
		t.Fatalf("553 at MAIL FROM: got %v, want a retryable error", err)
	}
}

func TestStartTLS(t *testing.T) {
	srv := smtptest.StartWith(t, smtptest.Options{TLS: "starttls", Username: "lianxi", Password: "pw"})
	cfg := email.Config{
		Host: srv.Host(), Port: srv.Port(), TLS: "starttls",
		Username: "lianxi", Password: "pw", TLSConfig: srv.ClientTLSConfig(),
	}
	if err := newSender(t, cfg).Send(t.Context(), message("task:7:due-1:2026-11-27")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.Messages()
	if len(got) != 1 || !got[0].TLS || got[0].Username != "lianxi" {
		t.Fatalf("want one message over TLS, authenticated; got %+v", got)
	}

	// Without our CA the certificate is not trusted: nothing is sent.
	cfg.TLSConfig = nil
	if err := newSender(t, cfg).Send(t.Context(), message("task:7:due-1:2026-11-27")); err == nil {
		t.Fatal("sent to a server whose certificate is not trusted")
	}
}

func TestStartTLSRequired(t *testing.T) {
	// A server (or a man in the middle) that does not offer STARTTLS must
	// not get the message, let alone the password, in clear text.
	srv := smtptest.Start(t)
	cfg := email.Config{Host: srv.Host(), Port: srv.Port(), Username: "lianxi", Password: "pw"} // TLS defaults to starttls
	err := newSender(t, cfg).Send(t.Context(), message("task:7:due-1:2026-11-27"))
	if err == nil {
		t.Fatal("sent without STARTTLS")
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("server got %d messages in clear text", n)
	}
}

func TestImplicitTLS(t *testing.T) {
	srv := smtptest.StartWith(t, smtptest.Options{TLS: "tls", Username: "lianxi", Password: "pw"})
	cfg := email.Config{
		Host: srv.Host(), Port: srv.Port(), TLS: "tls",
		Username: "lianxi", Password: "pw", TLSConfig: srv.ClientTLSConfig(),
	}
	if err := newSender(t, cfg).Send(t.Context(), message("task:8:due-1:2026-11-27")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.Messages()
	if len(got) != 1 || !got[0].TLS || got[0].Username != "lianxi" {
		t.Fatalf("want one message over TLS, authenticated; got %+v", got)
	}
}

func TestBadRecipientsArePermanent(t *testing.T) {
	srv := smtptest.Start(t)
	s := newSender(t, plain(srv))

	m := message("task:42:due-1:2026-11-27")
	m.Recipient.Email = ""
	if err := s.Send(t.Context(), m); !errors.Is(err, notify.ErrNoAddress) || !notify.IsPermanent(err) {
		t.Errorf("no address: got %v, want ErrNoAddress", err)
	}
	for _, addr := range []string{"not an address", "a@b\r\nBcc: x@example.com", "@example.com"} {
		m.Recipient.Email = addr
		if err := s.Send(t.Context(), m); err == nil || !notify.IsPermanent(err) {
			t.Errorf("%q: got %v, want a permanent error", addr, err)
		}
	}
	m = message("")
	if err := s.Send(t.Context(), m); !errors.Is(err, notify.ErrNoKey) {
		t.Errorf("no key: got %v, want ErrNoKey", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("server got %d messages", n)
	}
}

func TestHeaderInjection(t *testing.T) {
	srv := smtptest.Start(t)
	m := message("task:42:due-1:2026-11-27")
	m.Subject = "催办\r\nBcc: attacker@example.com"
	m.Recipient.Name = "张三\r\nBcc: attacker@example.com"
	if err := newSender(t, plain(srv)).Send(t.Context(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.Messages()[0]
	parsed, err := got.Message()
	if err != nil {
		t.Fatal(err)
	}
	if len(parsed.Header["Bcc"]) != 0 || len(got.To) != 1 {
		t.Fatalf("a line break in the subject or name added a header: %q", got.Data)
	}
	if subj, _ := got.Header("Subject"); subj != "催办 Bcc: attacker@example.com" {
		t.Errorf("Subject %q, want it on one line", subj)
	}
}

func TestNewValidates(t *testing.T) {
	ok := email.Config{Host: "smtp.example.gov.cn", From: "noreply@lianxi.example.gov.cn"}
	if _, err := email.New(ok); err != nil {
		t.Fatalf("valid config refused: %v", err)
	}
	for name, edit := range map[string]func(*email.Config){
		"no host":              func(c *email.Config) { c.Host = "" },
		"URL as host":          func(c *email.Config) { c.Host = "smtp://smtp.example.gov.cn" },
		"host with port":       func(c *email.Config) { c.Host = "smtp.example.gov.cn:587" },
		"bad port":             func(c *email.Config) { c.Port = 70000 },
		"bad TLS mode":         func(c *email.Config) { c.TLS = "ssl3" },
		"no From":              func(c *email.Config) { c.From = "" },
		"bad From":             func(c *email.Config) { c.From = "Lianxi <noreply>" },
		"negative timeout":     func(c *email.Config) { c.Timeout = -time.Second },
		"user without pass":    func(c *email.Config) { c.Username = "lianxi" },
		"password in the open": func(c *email.Config) { c.TLS, c.Username, c.Password = "none", "lianxi", "pw" },
	} {
		c := ok
		edit(&c)
		if _, err := email.New(c); err == nil {
			t.Errorf("%s: accepted %+v", name, c)
		}
	}
	// A relay on this host may take a password without TLS.
	local := ok
	local.Host, local.TLS, local.Username, local.Password = "127.0.0.1", "none", "lianxi", "pw"
	if _, err := email.New(local); err != nil {
		t.Errorf("loopback relay with a password refused: %v", err)
	}
	// The display-name form of From is accepted.
	named := ok
	named.From = from
	if _, err := email.New(named); err != nil {
		t.Errorf("From %q refused: %v", from, err)
	}
	if _, err := mail.ParseAddress(from); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentSends(t *testing.T) {
	srv := smtptest.Start(t)
	s := newSender(t, plain(srv))
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			errs <- s.Send(t.Context(), message("task:"+strings.Repeat("9", i+1)+":due-1:2026-11-27"))
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("Send: %v", err)
		}
	}
	if got := len(srv.Wait(t, n, 10*time.Second)); got != n {
		t.Fatalf("server got %d messages, want %d", got, n)
	}
}
