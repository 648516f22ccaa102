// Package smtptest runs a real SMTP server inside a test process, built
// with github.com/emersion/go-smtp, so that e-mail delivery is tested over
// the actual protocol rather than against a mock: the e-mail channel's own
// tests use it, and so can the worker's end-to-end tests.
//
// The server listens on 127.0.0.1 on a free port, keeps every message it
// accepts, can be told to refuse messages with a given reply code, and
// optionally speaks STARTTLS or implicit TLS with a throwaway certificate
// and requires AUTH PLAIN. It stops when the test ends.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options configures a server started with StartWith.
type Options struct {
	// Username and Password, when set, are the only credentials accepted,
	// and a client must authenticate before MAIL. When empty, AUTH PLAIN is
	// still offered (over plain text too) and any credentials are accepted,
	// so a sender configured with a password works against it unchanged.
	Username, Password string
	// TLS is "" or "none" (plain SMTP), "starttls" (STARTTLS offered) or
	// "tls" (TLS from the first byte). ClientTLSConfig returns a client
	// configuration that trusts the server's certificate.
	TLS string
}

// Received is one message the server accepted.
type Received struct {
	From     string   // envelope sender (MAIL FROM)
	To       []string // envelope recipients (RCPT TO)
	Data     []byte   // the raw message as received, headers and body
	Username string   // the name the client authenticated as, "" if none
	TLS      bool     // whether the session was encrypted
}

// Stage is the SMTP command a rejection answers.
type Stage string

// The stages at which a Rejection can be answered.
const (
	StageMail Stage = "MAIL"
	StageRcpt Stage = "RCPT"
	StageData Stage = "DATA"
)

// Rejection makes the server refuse messages.
type Rejection struct {
	Stage   Stage  // default StageRcpt, where real servers refuse unknown mailboxes
	Code    int    // the reply code, e.g. 550 (permanent) or 451 (try later)
	Message string // the reply text; a default is used when empty
	// Times is how many commands are refused before the server accepts
	// again, for testing a retry that succeeds; 0 means until Accept.
	Times int
}

// Server is a running SMTP server. Its methods are safe for concurrent use.
type Server struct {
	srv    *smtp.Server
	addr   *net.TCPAddr
	opts   Options
	client *tls.Config

	mu        sync.Mutex
	msgs      []Received
	changed   chan struct{} // closed and replaced whenever msgs grows
	rejection *Rejection
	rejected  int
	closeOnce sync.Once

	listener net.Listener
	served   chan struct{} // closed when Serve has returned
}

// Start runs a plain SMTP server (no TLS, no required authentication) for
// the duration of the test.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Options{})
}

// StartWith runs a server configured by o for the duration of the test.
func StartWith(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{opts: o, changed: make(chan struct{})}
	s.srv = smtp.NewServer(&backend{s: s})
	s.srv.Domain = "smtptest.localhost"
	// Authentication over the unencrypted loopback connection is what a
	// local test needs; real servers must not allow it.
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.MaxRecipients = 50
	// go-smtp logs connection errors to stderr; writing them to t.Log
	// instead could panic when a connection ends after the test.
	s.srv.ErrorLog = log.New(io.Discard, "", 0)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s.addr = l.Addr().(*net.TCPAddr)

	switch o.TLS {
	case "", "none":
	case "starttls", "tls":
		serverCfg, clientCfg, err := selfSigned()
		if err != nil {
			l.Close()
			t.Fatalf("smtptest: certificate: %v", err)
		}
		s.client = clientCfg
		if o.TLS == "starttls" {
			s.srv.TLSConfig = serverCfg
		} else {
			l = tls.NewListener(l, serverCfg)
		}
	default:
		l.Close()
		t.Fatalf("smtptest: TLS mode %q is not one of none, starttls, tls", o.TLS)
	}

	s.listener, s.served = l, make(chan struct{})
	go func() {
		defer close(s.served)
		// Serve returns ErrServerClosed at Close; nothing to report.
		_ = s.srv.Serve(l)
	}()
	t.Cleanup(s.Close)
	return s
}

// Addr returns the server's address, "127.0.0.1:port".
func (s *Server) Addr() string { return s.addr.String() }

// Host returns "127.0.0.1".
func (s *Server) Host() string { return s.addr.IP.String() }

// Port returns the port the server listens on.
func (s *Server) Port() int { return s.addr.Port }

// ClientTLSConfig returns a client TLS configuration that trusts the
// server's throwaway certificate (valid for 127.0.0.1, ::1 and localhost),
// or nil when the server does not speak TLS.
func (s *Server) ClientTLSConfig() *tls.Config {
	if s.client == nil {
		return nil
	}
	return s.client.Clone()
}

// Close stops the server and drops its connections. It is called when the
// test ends; calling it earlier simulates a server that went down, and the
// address then refuses connections (unless another process takes the port).
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.srv.Close()
		// go-smtp closes only the listeners Serve has registered; if the
		// goroutine has not got that far, the listener must be closed
		// here, or the "down" server would go on accepting.
		s.listener.Close()
		<-s.served
	})
}

// Messages returns a copy of the messages accepted so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Received, len(s.msgs))
	copy(out, s.msgs)
	return out
}

// Wait returns the messages once at least n have arrived, or fails the
// test after timeout. It is for senders that deliver in the background,
// such as a worker; after a synchronous send, Messages is enough, because a
// message is stored before the server acknowledges it.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) []Received {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, changed := len(s.msgs), s.changed
		s.mu.Unlock()
		if got >= n {
			return s.Messages()
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("smtptest: %d message(s) after %v, want %d", got, timeout, n)
			return nil
		}
	}
}

// Reject makes the server refuse every recipient with code (550: the
// mailbox does not exist; 451: try again later) until Accept is called.
func (s *Server) Reject(code int) {
	s.RejectWith(Rejection{Code: code})
}

// RejectWith makes the server refuse messages as r describes, replacing
// any earlier rejection.
func (s *Server) RejectWith(r Rejection) {
	if r.Stage == "" {
		r.Stage = StageRcpt
	}
	if r.Message == "" {
		r.Message = "Rejected by smtptest"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejection = &r
}

// Accept undoes Reject: messages are accepted again.
func (s *Server) Accept() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejection = nil
}

// Rejected returns how many commands the server has refused so far, which
// shows how many attempts a retrying sender made.
func (s *Server) Rejected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rejected
}

// refuse returns the configured rejection's error for stage, if any, and
// counts it.
func (s *Server) refuse(stage Stage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rejection
	if r == nil || r.Stage != stage {
		return nil
	}
	s.rejected++
	if r.Times > 0 {
		r.Times--
		if r.Times == 0 {
			s.rejection = nil
		}
	}
	return &smtp.SMTPError{Code: r.Code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: r.Message}
}

func (s *Server) store(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, r)
	close(s.changed)
	s.changed = make(chan struct{})
}

// backend starts a session per connection.
type backend struct{ s *Server }

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s, conn: c}, nil
}

// session holds one transaction at a time, as SMTP does.
type session struct {
	s        *Server
	conn     *smtp.Conn
	username string
	from     string
	to       []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		o := ss.s.opts
		if o.Username != "" && (username != o.Username || password != o.Password) {
			return smtp.ErrAuthFailed
		}
		ss.username = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.Username != "" && ss.username == "" {
		return smtp.ErrAuthRequired
	}
	if err := ss.s.refuse(StageMail); err != nil {
		return err
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := ss.s.refuse(StageRcpt); err != nil {
		return err
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	// Read the whole message before answering, so that a refusal at DATA
	// comes after the client has sent it, as with a real content filter.
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := ss.s.refuse(StageData); err != nil {
		return err
	}
	_, isTLS := ss.conn.TLSConnectionState()
	ss.s.store(Received{
		From:     ss.from,
		To:       append([]string(nil), ss.to...),
		Data:     data,
		Username: ss.username,
		TLS:      isTLS,
	})
	return nil
}

func (ss *session) Reset() {
	ss.from = ""
	ss.to = nil
}

func (ss *session) Logout() error { return nil }

// Message parses the raw message with net/mail.
func (r Received) Message() (*mail.Message, error) {
	return mail.ReadMessage(bytes.NewReader(r.Data))
}

// Header returns the named header with RFC 2047 encoded words (such as a
// Chinese subject) decoded.
func (r Received) Header(name string) (string, error) {
	m, err := r.Message()
	if err != nil {
		return "", err
	}
	return new(mime.WordDecoder).DecodeHeader(m.Header.Get(name))
}

// Text returns the message's plain-text body, decoded from its transfer
// encoding (quoted-printable, base64 or none). For a multipart message it
// is the first text/plain part. Only UTF-8 and US-ASCII are supported,
// which is what Lianxi sends.
func (r Received) Text() (string, error) {
	m, err := r.Message()
	if err != nil {
		return "", err
	}
	return plainText(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
}

func plainText(contentType, encoding string, body io.Reader) (string, error) {
	if contentType == "" {
		contentType = "text/plain; charset=us-ascii"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", fmt.Errorf("smtptest: Content-Type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return "", errors.New("smtptest: no text/plain part")
			}
			if err != nil {
				return "", err
			}
			// multipart.Reader has already undone quoted-printable and
			// removed the header saying so.
			text, err := plainText(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
			if err == nil {
				return text, nil
			}
		}
	}
	if mediaType != "text/plain" {
		return "", fmt.Errorf("smtptest: body is %s, not text/plain", mediaType)
	}
	if cs := strings.ToLower(params["charset"]); cs != "" && cs != "utf-8" && cs != "us-ascii" {
		return "", fmt.Errorf("smtptest: charset %q not supported", cs)
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		// The standard decoder skips the line breaks of a mail body.
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "", "7bit", "8bit", "binary":
	default:
		return "", fmt.Errorf("smtptest: transfer encoding %q not supported", encoding)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return "", err
	}
	// SMTP carries CRLF line ends; tests compare with Go strings.
	return strings.ReplaceAll(string(b), "\r\n", "\n"), nil
}

// selfSigned makes a throwaway certificate for the loopback addresses and a
// client configuration that trusts exactly it.
func selfSigned() (server, client *tls.Config, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "smtptest " + strconv.FormatInt(serial.Int64(), 36)},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	server = &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}},
		MinVersion:   tls.VersionTLS12,
	}
	client = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	return server, client, nil
}
