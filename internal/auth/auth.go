// Package auth signs people in and out, keeps their sessions on the server,
// slows and then refuses password guessing, issues API tokens, manages user
// accounts and writes every one of these events to the audit trail.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/alexedwards/argon2id"

	"lianxi/internal/domain"
	"lianxi/internal/postgres"
)

// Options tune sessions and sign-in throttling. The zero value of a field
// takes the default given beside it.
type Options struct {
	IdleTimeout     time.Duration // 30 minutes without a request ends a session
	AbsoluteTimeout time.Duration // 12 hours after sign-in a session ends regardless
	// Failed sign-ins are counted over Window per username and per address.
	Window time.Duration // 15 minutes
	// From SlowAfter failures on a username each further attempt waits a
	// little longer; from LockAfter it is refused (429) until the window has
	// passed. IPLockAfter refuses an address that guesses across many users.
	SlowAfter   int // 3
	LockAfter   int // 10
	IPLockAfter int // 50
	// SecureCookies marks every request as reaching users over TLS (set it
	// behind a TLS-terminating proxy): cookies get Secure and __Host-.
	SecureCookies bool
	// Sleep waits before answering a throttled attempt; tests replace it.
	Sleep func(context.Context, time.Duration)
	Now   func() time.Time
	Log   *slog.Logger
}

func (o *Options) defaults() {
	set := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	seti := func(d *int, v int) {
		if *d == 0 {
			*d = v
		}
	}
	set(&o.IdleTimeout, 30*time.Minute)
	set(&o.AbsoluteTimeout, 12*time.Hour)
	set(&o.Window, 15*time.Minute)
	seti(&o.SlowAfter, 3)
	seti(&o.LockAfter, 10)
	seti(&o.IPLockAfter, 50)
	if o.Sleep == nil {
		o.Sleep = func(ctx context.Context, d time.Duration) {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-ctx.Done():
			case <-t.C:
			}
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
}

// Service is the accounts and sessions service.
type Service struct {
	store *postgres.Store
	opt   Options
	// hashing bounds concurrent argon2id computations (19 MiB each), so a
	// flood of sign-ins queues instead of exhausting memory.
	hashing chan struct{}
	// dummyHash is verified against when a username does not exist, so that
	// an unknown user takes as long to refuse as a wrong password.
	dummyHash string
}

// New builds the service over the store.
func New(store *postgres.Store, opt Options) (*Service, error) {
	opt.defaults()
	dummy, err := hashPassword("not-a-real-password-0")
	if err != nil {
		return nil, err
	}
	return &Service{store: store, opt: opt, dummyHash: dummy, hashing: make(chan struct{}, 2*runtime.GOMAXPROCS(0))}, nil
}

// Meta says where a request came from, for the audit trail.
type Meta struct {
	RequestID string
	IP        string
}

// System is the actor of actions taken by Lianxi itself (seed, housekeeping)
// or by an operator at the command line.
var System = domain.User{Username: "system", Grants: []domain.Grant{{Role: domain.RoleAdmin}}}

// argon2id parameters: OWASP's first recommended configuration (19 MiB,
// two passes), a few tens of milliseconds here.
var hashParams = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

func hashPassword(pw string) (string, error) { return argon2id.CreateHash(pw, hashParams) }

// checkPassword compares a password with a hash, waiting for a hashing slot.
func (s *Service) checkPassword(ctx context.Context, pw, hash string) (bool, error) {
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-s.hashing }()
	ok, err := argon2id.ComparePasswordAndHash(pw, hash)
	return err == nil && ok, nil
}

// newToken returns a random token with a prefix and the SHA-256 that the
// database keeps in its place.
func newToken(prefix string) (token string, hash []byte) {
	return newTokenFrom(rand.Reader, prefix)
}

// newTokenFrom draws a token from random. A session token (no prefix) never
// begins with the API tokens' prefix: about one in 260,000 random tokens
// would, and such a session would be taken for an API token and refused.
func newTokenFrom(random io.Reader, prefix string) (token string, hash []byte) {
	b := make([]byte, 32)
	for {
		_, _ = io.ReadFull(random, b) // crypto/rand never fails on Linux
		token = prefix + base64.RawURLEncoding.EncodeToString(b)
		if prefix != "" || !strings.HasPrefix(token, tokenPrefix) {
			return token, tokenHash(token)
		}
	}
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Record starts the audit record of an action taken in a request.
func (m Meta) Record(actor, action, object string, result domain.AuditResult) domain.AuditRecord {
	return domain.AuditRecord{Actor: actor, Action: action, Object: object, Result: result, RequestID: m.RequestID, IP: m.IP}
}

// Audit appends a record for an event observed outside this service, such
// as an access the HTTP layer refused. A refusal is already answered, so a
// failure to record it is logged for operators rather than shown.
func (s *Service) Audit(ctx context.Context, actor, action, object string, result domain.AuditResult, meta Meta) {
	if err := s.store.AppendAudit(ctx, meta.Record(actor, action, object, result)); err != nil {
		s.opt.Log.Error("audit append failed", "action", action, "object", object, "err", err)
	}
}

var errBadCredentials = &domain.Error{Kind: domain.KindUnauthenticated, Key: "error.bad_credentials"}

// IsBadCredentials reports whether err is a refused sign-in (not throttling).
func IsBadCredentials(err error) bool { return errors.Is(err, errBadCredentials) }
