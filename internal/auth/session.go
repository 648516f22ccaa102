package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"lianxi/internal/domain"
	"lianxi/internal/postgres"
)

// Session is a signed-in user's session. Token goes into the cookie and is
// never stored; the database keeps its hash.
type Session struct {
	Token     string
	User      domain.User
	ExpiresAt time.Time
}

// LoginInput is a sign-in attempt. PreviousToken, when the request already
// carried a session, is ended on success so that no session outlives a new
// sign-in (session fixation).
type LoginInput struct {
	Username      string
	Password      string
	IP            string
	UserAgent     string
	RequestID     string
	PreviousToken string
}

// Login checks a username and password and opens a new session. Each
// attempt is counted before the password is checked, so guesses sent in
// parallel count too; repeated failures on a username are slowed, then
// refused with KindRateLimited until the window has passed, whether or not
// the password is right; so are many failures from one address.
func (s *Service) Login(ctx context.Context, in LoginInput) (Session, error) {
	meta := Meta{RequestID: in.RequestID, IP: in.IP}
	username := clip(domain.NormaliseUsername(in.Username), 64)
	now := s.opt.Now()
	byUser, byIP, err := s.store.RecordLoginAttempt(ctx, username, in.IP, now, now.Add(-s.opt.Window))
	if err != nil {
		return Session{}, err
	}
	if byUser > int64(s.opt.LockAfter) || byIP > int64(s.opt.IPLockAfter) {
		if err := s.store.AppendAudit(ctx, anonymousAttempt(username, meta, domain.AuditDenied, "throttled")); err != nil {
			return Session{}, err
		}
		return Session{}, &domain.Error{Kind: domain.KindRateLimited, Key: "error.rate_limited",
			Params: map[string]any{"seconds": int(s.opt.Window.Seconds())}, RetryAfterSeconds: int(s.opt.Window.Seconds())}
	}
	if over := byUser - int64(s.opt.SlowAfter); over > 0 {
		s.opt.Sleep(ctx, min(time.Duration(over)*300*time.Millisecond, 3*time.Second))
	}

	user, hash, err := s.store.GetUserByUsername(ctx, username)
	if domain.KindOf(err) == domain.KindNotFound {
		// Spend the same time as a wrong password, so names cannot be probed.
		if _, err := s.checkPassword(ctx, in.Password, s.dummyHash); err != nil {
			return Session{}, err
		}
		return Session{}, s.failLogin(ctx, username, meta, "unknown user")
	} else if err != nil {
		return Session{}, err
	}
	ok, err := s.checkPassword(ctx, in.Password, hash)
	switch {
	case err != nil:
		return Session{}, err
	case !ok:
		return Session{}, s.failLogin(ctx, username, meta, "wrong password")
	case user.Disabled:
		return Session{}, s.failLogin(ctx, username, meta, "disabled")
	}

	token, th := newToken("")
	expires := now.Add(s.opt.AbsoluteTimeout)
	sess := postgres.SessionRecord{TokenHash: th, UserID: user.ID, CreatedAt: now, ExpiresAt: expires, IP: in.IP, UserAgent: clip(in.UserAgent, 300)}
	if err := s.store.StartSession(ctx, sess, username, meta.Record(username, "login", "user:"+username, domain.AuditOK)); err != nil {
		return Session{}, err
	}
	if in.PreviousToken != "" {
		if err := s.Logout(ctx, in.PreviousToken, meta); err != nil {
			s.opt.Log.Error("ending the previous session", "err", err, "request_id", meta.RequestID)
		}
	}
	return Session{Token: token, User: user, ExpiresAt: expires}, nil
}

// anonymousAttempt is the audit record of a sign-in attempt not tied to a
// known account. What was typed as a username may be a password typed in the
// wrong field, and the trail can never be edited, so only a short hash of it
// is kept.
func anonymousAttempt(username string, meta Meta, result domain.AuditResult, reason string) domain.AuditRecord {
	h := sha256.Sum256([]byte(username))
	rec := meta.Record("anonymous", "login", "user:?", result)
	rec.Detail = map[string]string{"reason": reason, "username_sha256": hex.EncodeToString(h[:8])}
	return rec
}

func (s *Service) failLogin(ctx context.Context, username string, meta Meta, reason string) error {
	rec := anonymousAttempt(username, meta, domain.AuditFailed, reason)
	if reason != "unknown user" {
		rec = meta.Record(username, "login", "user:"+username, domain.AuditFailed)
		rec.Detail = map[string]string{"reason": reason}
	}
	if err := s.store.AppendAudit(ctx, rec); err != nil {
		return err
	}
	return errBadCredentials
}

// clip makes user-supplied text safe to store: valid UTF-8, no control
// characters, at most n characters.
func clip(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n])
	}
	return s
}

// Logout ends the session of a token. Ending an unknown session is not an
// error: the result is the same.
func (s *Service) Logout(ctx context.Context, token string, meta Meta) error {
	if token == "" || strings.HasPrefix(token, tokenPrefix) {
		return nil
	}
	return s.store.EndSession(ctx, tokenHash(token), func(username string) domain.AuditRecord {
		return meta.Record(username, "logout", "user:"+username, domain.AuditOK)
	})
}

// Authenticate returns the user of a session token, or KindUnauthenticated
// when the session does not exist, has been idle too long, has passed its
// absolute lifetime or its user is disabled. A live session is marked as
// used at most once a minute, to keep reads cheap.
func (s *Service) Authenticate(ctx context.Context, token string) (domain.User, error) {
	if token == "" {
		return domain.User{}, domain.Unauthenticated()
	}
	if strings.HasPrefix(token, tokenPrefix) {
		return s.authenticateBearer(ctx, token)
	}
	th := tokenHash(token)
	sess, err := s.store.GetSession(ctx, th)
	if domain.KindOf(err) == domain.KindNotFound {
		return domain.User{}, domain.Unauthenticated()
	} else if err != nil {
		return domain.User{}, err
	}
	now := s.opt.Now()
	if now.After(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > s.opt.IdleTimeout {
		if err := s.store.DeleteSession(ctx, th); err != nil {
			return domain.User{}, err
		}
		return domain.User{}, domain.Unauthenticated()
	}
	user, err := s.store.GetUser(ctx, sess.UserID)
	if err != nil {
		return domain.User{}, err
	}
	if user.Disabled {
		return domain.User{}, domain.Unauthenticated()
	}
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if err := s.store.TouchSession(ctx, th, now); err != nil {
			return domain.User{}, err
		}
	}
	return user, nil
}

// PurgeExpired removes ended sessions and failed sign-ins older than the
// throttling window; housekeeping calls it.
func (s *Service) PurgeExpired(ctx context.Context) (sessions, failures int64, err error) {
	now := s.opt.Now()
	if sessions, err = s.store.DeleteExpiredSessions(ctx, now, now.Add(-s.opt.IdleTimeout)); err != nil {
		return
	}
	failures, err = s.store.DeleteOldLoginFailures(ctx, now.Add(-s.opt.Window))
	return
}
