// Package email delivers notifications as plain-text e-mail over SMTP,
// through github.com/wneessen/go-mail.
//
// Each Send opens one connection, sends one message and closes it: reminders
// come in small bursts, and a connection per message keeps a Sender free of
// shared state, so activities can call it concurrently. The Message-ID is
// derived from the outbox dedupe key, so a message sent again by a retried
// activity carries the same Message-ID and mail systems and clients can
// recognise the duplicate.
package email

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"lianxi/internal/notify"
)

// Channel is the name this package's Sender records deliveries under.
const Channel = "email"

// HeaderKey is the header that carries the outbox dedupe key, for receivers
// that prefer it to recomputing the Message-ID.
const HeaderKey = "X-Lianxi-Key"

// The TLS modes of Config.TLS.
const (
	TLSNone     = "none"     // plain SMTP: only for a relay on this host
	TLSStartTLS = "starttls" // STARTTLS, required (the default; port 587)
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
)

// DefaultTimeout bounds each step of an SMTP session when Config.Timeout is
// zero.
const DefaultTimeout = 30 * time.Second

// Config says how to reach the SMTP server. It is built once, in cmd, from
// flags or the environment.
type Config struct {
	Host string
	// Port defaults by TLS mode: 587 for starttls, 465 for tls, 25 for none.
	Port               int
	Username, Password string
	// From is the sender, a bare address or "Lianxi <noreply@example.gov.cn>".
	From string
	// TLS is "none", "starttls" (the default) or "tls".
	TLS string
	// Timeout bounds connecting and each SMTP command; 0 means DefaultTimeout.
	// The context given to Send bounds the whole session as well.
	Timeout time.Duration
	// TLSConfig is optional, for a server whose certificate is signed by a
	// private CA (RootCAs). nil means the system's roots. ServerName
	// defaults to Host.
	TLSConfig *tls.Config
}

// Sender delivers notifications by e-mail. It is safe for concurrent use.
type Sender struct {
	cfg  Config // normalised by New
	from *netmail.Address
	tls  *tls.Config
}

var _ notify.Sender = (*Sender)(nil)

// New validates cfg and returns a Sender. It does not connect: the server
// may be down at start and up by the time the first reminder is due.
func New(cfg Config) (*Sender, error) {
	cfg.Host = strings.TrimSpace(cfg.Host)
	if cfg.Host == "" {
		return nil, errors.New("email: no SMTP host")
	}
	if strings.ContainsAny(cfg.Host, " /:") && net.ParseIP(cfg.Host) == nil {
		return nil, fmt.Errorf("email: SMTP host %q must be a host name or IP address, without scheme or port", cfg.Host)
	}
	cfg.TLS = strings.ToLower(strings.TrimSpace(cfg.TLS))
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	switch cfg.TLS {
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		return nil, fmt.Errorf("email: TLS mode %q is not one of none, starttls, tls", cfg.TLS)
	}
	if cfg.Port == 0 {
		cfg.Port = map[string]int{TLSNone: 25, TLSStartTLS: 587, TLSImplicit: 465}[cfg.TLS]
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("email: port %d out of range", cfg.Port)
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("email: negative timeout")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if (cfg.Username == "") != (cfg.Password == "") {
		return nil, errors.New("email: username and password go together")
	}
	// Credentials sent without TLS can be read by anyone on the path. A
	// relay on this host is the one place where that is acceptable, and
	// go-mail refuses PLAIN and LOGIN elsewhere anyway — better to say so
	// at start than to fail every send.
	if cfg.TLS == TLSNone && cfg.Username != "" && !isLocalhost(cfg.Host) {
		return nil, fmt.Errorf("email: refusing to send the SMTP password to %s without TLS", cfg.Host)
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("email: From %q: %w", cfg.From, err)
	}

	var tc *tls.Config
	if cfg.TLSConfig != nil {
		tc = cfg.TLSConfig.Clone()
	} else {
		tc = &tls.Config{}
	}
	if tc.ServerName == "" {
		tc.ServerName = cfg.Host
	}
	if tc.MinVersion == 0 {
		tc.MinVersion = tls.VersionTLS12
	}

	s := &Sender{cfg: cfg, from: from, tls: tc}
	// Build a client once so that an option go-mail refuses shows up now.
	if _, err := s.client(s.newConn().dial); err != nil {
		return nil, fmt.Errorf("email: %w", err)
	}
	return s, nil
}

// isLocalhost matches the hosts to which go-mail lets PLAIN and LOGIN
// authentication go unencrypted.
func isLocalhost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// Channel returns "email".
func (s *Sender) Channel() string { return Channel }

// MessageID returns the Message-ID for a dedupe key: the first 32 hex digits
// of its SHA-256, "@lianxi", in angle brackets. Hashing keeps task ids and
// rule names out of a header that every relay logs, and gives the same
// Message-ID to every attempt at the same notification.
func MessageID(key string) string {
	return "<" + messageIDValue(key) + ">"
}

func messageIDValue(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])[:32] + "@lianxi"
}

// Send makes one delivery attempt. Permanent (5xx) replies about the
// message — an unknown mailbox, refused content — are returned as permanent
// errors. 4xx replies, network errors, and failures that concern the server
// or our configuration rather than this message (connecting, TLS,
// authentication, a refused sender address) are retryable, so that
// delivery resumes once they are fixed instead of every reminder meanwhile
// being dropped.
func (s *Sender) Send(ctx context.Context, m notify.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if strings.TrimSpace(m.Recipient.Email) == "" {
		return fmt.Errorf("email: %w", notify.ErrNoAddress)
	}
	to, err := netmail.ParseAddress(strings.TrimSpace(m.Recipient.Email))
	if err != nil {
		return notify.Permanent(fmt.Errorf("email: recipient address: %w", err))
	}
	to.Name = notify.OneLine(m.Recipient.Name)
	msg := s.compose(m, to)

	c := s.newConn()
	client, err := s.client(c.dial)
	if err != nil {
		return fmt.Errorf("email: %w", err)
	}
	// go-mail honours ctx only while dialling and bounds later steps by
	// its own timeout. Closing the socket when ctx ends makes a cancelled
	// or timed-out activity stop at once; closing it at the end as well
	// frees a connection that go-mail leaves open when the greeting, TLS
	// or authentication fails.
	stop := context.AfterFunc(ctx, c.close)
	defer stop()
	defer c.close()

	sc, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return s.retryable(ctx, "connecting to", err)
	}
	sendErr := client.SendWithSMTPClient(sc, msg)
	// Once the server has accepted the message, it is delivered: an error
	// from the RSET go-mail sends afterwards, or from QUIT, must not make
	// the activity retry and send it twice.
	_ = client.CloseWithSMTPClient(sc)
	if msg.IsDelivered() {
		return nil
	}
	if sendErr == nil {
		return s.retryable(ctx, "sending to", errors.New("message not delivered"))
	}
	if refusedForGood(sendErr) {
		return notify.Permanent(fmt.Errorf("email: %s refused the message: %w", s.cfg.Host, sendErr))
	}
	return s.retryable(ctx, "sending to", sendErr)
}

// refusedForGood reports whether the server gave a permanent (5xx) reply
// about this message: to a recipient (RCPT: no such mailbox) or to its
// content (DATA: refused by a filter, too large). A 5xx to MAIL FROM is
// about us — the sender address is not allowed, authentication is
// required — and, like a failed login, is left retryable: it fails every
// message until someone fixes the configuration, and the reminders should
// then go out rather than have been dropped.
func refusedForGood(err error) bool {
	se, ok := errors.AsType[*gomail.SendError](err)
	if !ok || se.ErrorCode() < 500 || se.ErrorCode() > 599 {
		return false
	}
	return se.Reason != gomail.ErrSMTPMailFrom
}

// retryable wraps a failure that another attempt may get past, naming the
// context's error when that is what ended the attempt (the socket was
// closed under go-mail, whose own error would only say so).
func (s *Sender) retryable(ctx context.Context, doing string, err error) error {
	if ctxErr := context.Cause(ctx); ctxErr != nil {
		return fmt.Errorf("email: %s %s: %w (%v)", doing, s.cfg.Host, ctxErr, err)
	}
	return fmt.Errorf("email: %s %s: %w", doing, s.cfg.Host, err)
}

// compose builds the message: UTF-8 plain text, the link on its own line
// after the body so that mail clients make it clickable, and the dedupe key
// in the Message-ID and in X-Lianxi-Key.
//
// Base64 rather than go-mail's default quoted-printable: the text is mostly
// Chinese, which quoted-printable triples in size (every byte becomes =XX)
// where base64 adds a third, and the subject's encoded words follow the
// same choice.
func (s *Sender) compose(m notify.Message, to *netmail.Address) *gomail.Msg {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingB64))
	msg.SetUserAgent("Lianxi")
	msg.FromMailAddress(s.from)
	msg.ToMailAddress(to)
	msg.Subject(notify.OneLine(m.Subject))
	msg.SetMessageIDWithValue(messageIDValue(m.Key))
	msg.SetDate()
	msg.SetGenHeader(gomail.Header(HeaderKey), m.Key)
	// RFC 3834: tells vacation responders and ticket systems not to
	// answer, so an out-of-office reply does not come back to noreply@.
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")

	body := strings.ReplaceAll(m.Body, "\r\n", "\n")
	body = strings.TrimRight(body, "\n")
	if link := strings.TrimSpace(m.Link); link != "" {
		if body != "" {
			body += "\n\n"
		}
		body += link
	}
	msg.SetBodyString(gomail.TypeTextPlain, body+"\n")
	return msg
}

// client returns a go-mail client for one session, dialling through dial.
func (s *Sender) client(dial gomail.DialContextFunc) (*gomail.Client, error) {
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithTLSConfig(s.tls),
		gomail.WithDialContextFunc(dial),
	}
	switch s.cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSStartTLS:
		// Mandatory, not opportunistic: a man in the middle who strips
		// STARTTLS from the server's answer must not get the password.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		// The dialler (conn.dial) does the handshake; WithSSL tells go-mail
		// not to attempt STARTTLS on top.
		opts = append(opts, gomail.WithSSL())
	}
	if s.cfg.Username != "" {
		// PLAIN or LOGIN, whichever the server offers: one of them is
		// everywhere, and both are safe inside TLS, which go-mail checks
		// on the connection itself before sending the password.
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(s.cfg.Username),
			gomail.WithPassword(s.cfg.Password),
		)
	}
	return gomail.NewClient(s.cfg.Host, opts...)
}

// conn dials one SMTP session and keeps its socket, so that Send can close
// it when the context ends or the attempt is over.
type conn struct {
	mu     sync.Mutex
	c      net.Conn
	closed bool
	tls    *tls.Config // nil: plain TCP
}

// newConn returns the dialler for one session; with implicit TLS it does
// the handshake itself, because go-mail leaves that to a custom dialler.
func (s *Sender) newConn() *conn {
	c := &conn{}
	if s.cfg.TLS == TLSImplicit {
		c.tls = s.tls
	}
	return c
}

func (c *conn) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var (
		nc  net.Conn
		err error
	)
	if c.tls != nil {
		nc, err = (&tls.Dialer{Config: c.tls}).DialContext(ctx, network, addr)
	} else {
		nc, err = (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		nc.Close()
		return nil, net.ErrClosed
	}
	c.c = nc
	return nc, nil
}

func (c *conn) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.c != nil {
		c.c.Close()
	}
}
