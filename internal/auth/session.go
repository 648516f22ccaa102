package auth

import (
	"context"
	"strings"
	"time"

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

// LoginInput is a sign-in attempt.
type LoginInput struct {
	Username  string
	Password  string
	IP        string
	UserAgent string
	RequestID string
}

// Login checks a username and password and opens a new session. Repeated
// failures on a username are slowed, then refused with KindRateLimited until
// the window has passed, whether or not the password is right; so are many
// failures from one address.
func (s *Service) Login(ctx context.Context, in LoginInput) (Session, error) {
	meta := Meta{RequestID: in.RequestID, IP: in.IP}
	username := domain.NormaliseUsername(in.Username)
	if len(username) > 64 {
		username = username[:64]
	}
	now := s.opt.Now()
	byUser, byIP, err := s.store.CountLoginFailures(ctx, username, in.IP, now.Add(-s.opt.Window))
	if err != nil {
		return Session{}, err
	}
	if byUser >= int64(s.opt.LockAfter) || byIP >= int64(s.opt.IPLockAfter) {
		s.audit(ctx, username, "login", "user:"+username, domain.AuditDenied, meta, map[string]string{"reason": "throttled"})
		return Session{}, &domain.Error{Kind: domain.KindRateLimited, Key: "error.rate_limited",
			Params: map[string]any{"seconds": int(s.opt.Window.Seconds())}, RetryAfterSeconds: int(s.opt.Window.Seconds())}
	}
	if over := byUser - int64(s.opt.SlowAfter) + 1; over > 0 {
		s.opt.Sleep(ctx, min(time.Duration(over)*300*time.Millisecond, 3*time.Second))
	}

	user, hash, err := s.store.GetUserByUsername(ctx, username)
	switch {
	case domain.KindOf(err) == domain.KindNotFound:
		checkPassword(in.Password, s.dummyHash)
		return Session{}, s.failLogin(ctx, username, meta, now, "unknown user")
	case err != nil:
		return Session{}, err
	case !checkPassword(in.Password, hash):
		return Session{}, s.failLogin(ctx, username, meta, now, "wrong password")
	case user.Disabled:
		return Session{}, s.failLogin(ctx, username, meta, now, "disabled")
	}

	token, th := newToken("")
	expires := now.Add(s.opt.AbsoluteTimeout)
	ua := in.UserAgent
	if len(ua) > 300 {
		ua = ua[:300]
	}
	if err := s.store.CreateSession(ctx, postgres.SessionRecord{TokenHash: th, UserID: user.ID, CreatedAt: now, ExpiresAt: expires, IP: in.IP, UserAgent: ua}); err != nil {
		return Session{}, err
	}
	if err := s.store.ClearLoginFailures(ctx, username); err != nil {
		return Session{}, err
	}
	s.audit(ctx, username, "login", "user:"+username, domain.AuditOK, meta, nil)
	return Session{Token: token, User: user, ExpiresAt: expires}, nil
}

func (s *Service) failLogin(ctx context.Context, username string, meta Meta, now time.Time, reason string) error {
	if err := s.store.RecordLoginFailure(ctx, username, meta.IP, now); err != nil {
		return err
	}
	s.audit(ctx, username, "login", "user:"+username, domain.AuditFailed, meta, map[string]string{"reason": reason})
	return errBadCredentials
}

// Logout ends the session of a token. Ending an unknown session is not an
// error: the result is the same.
func (s *Service) Logout(ctx context.Context, token string, meta Meta) error {
	if token == "" {
		return nil
	}
	userID, n, err := s.store.DeleteSession(ctx, tokenHash(token))
	if err != nil || n == 0 {
		return err
	}
	actor := "unknown"
	if u, err := s.store.GetUser(ctx, userID); err == nil {
		actor = u.Username
	}
	s.audit(ctx, actor, "logout", "user:"+actor, domain.AuditOK, meta, nil)
	return nil
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
		_, _, _ = s.store.DeleteSession(ctx, th)
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
