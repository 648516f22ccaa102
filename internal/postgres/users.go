package postgres

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxi/internal/domain"
	"lianxi/internal/postgres/sqlcgen"
)

func itoa(i int) string { return strconv.Itoa(i) }

func userFromRow(r sqlcgen.User, roles []sqlcgen.UserRole) domain.User {
	u := domain.User{ID: r.ID, Username: r.Username, DisplayName: r.DisplayName, Disabled: r.DisabledAt.Valid, CreatedAt: r.CreatedAt.Time}
	for _, g := range roles {
		u.Grants = append(u.Grants, domain.Grant{Role: domain.Role(g.Role), Committee: g.CommitteeCode, Department: g.OrgCode})
	}
	return u
}

// CreateUsers creates users with their roles and password hashes in one
// transaction with one audit record: all are created or none. A username
// already taken is a KindConflict naming it; a committee or department that
// does not exist is a KindInvalid naming the field.
func (s *Store) CreateUsers(ctx context.Context, users []domain.NewUser, hashes []string, rec domain.AuditRecord) (domain.User, error) {
	var last domain.User
	err := s.inTx(ctx, func(q *sqlcgen.Queries) error {
		for i, in := range users {
			if err := checkScopes(ctx, q, in.Grants); err != nil {
				return err
			}
			row, err := q.CreateUser(ctx, sqlcgen.CreateUserParams{Username: in.Username, DisplayName: in.DisplayName, PasswordHash: hashes[i]})
			if errors.Is(err, pgx.ErrNoRows) {
				return domain.Conflict("error.username_taken", map[string]any{"username": in.Username})
			} else if err != nil {
				return err
			}
			for _, g := range in.Grants {
				if err := q.InsertUserRole(ctx, sqlcgen.InsertUserRoleParams{UserID: row.ID, Role: string(g.Role), CommitteeCode: g.Committee, OrgCode: g.Department}); err != nil {
					return err
				}
			}
			roles, err := q.ListUserRolesFor(ctx, row.ID)
			if err != nil {
				return err
			}
			last = userFromRow(row, roles)
		}
		if len(users) > 1 {
			rec.Detail = map[string]string{"count": itoa(len(users))}
		}
		return s.appendAudit(ctx, q, rec)
	})
	return last, err
}

func checkScopes(ctx context.Context, q *sqlcgen.Queries, grants []domain.Grant) error {
	var v domain.Validation
	for i, g := range grants {
		field := "roles[" + itoa(i) + "]"
		if g.Committee != "" {
			ok, err := q.CommitteeExists(ctx, g.Committee)
			if err != nil {
				return err
			}
			v.Check(ok, field+".committee", "validation.unknown_committee", map[string]any{"value": g.Committee})
		}
		if g.Department != "" {
			ok, err := q.DepartmentExists(ctx, g.Department)
			if err != nil {
				return err
			}
			v.Check(ok, field+".department", "validation.unknown_department", map[string]any{"value": g.Department})
		}
	}
	return v.Err()
}

// GetUserByUsername returns a user and their password hash.
func (s *Store) GetUserByUsername(ctx context.Context, username string) (domain.User, string, error) {
	row, err := s.q.GetUserByUsername(ctx, username)
	if err != nil {
		return domain.User{}, "", notFound(err, "user", username)
	}
	roles, err := s.q.ListUserRolesFor(ctx, row.ID)
	if err != nil {
		return domain.User{}, "", err
	}
	return userFromRow(row, roles), row.PasswordHash, nil
}

// GetUser returns a user by id.
func (s *Store) GetUser(ctx context.Context, id int64) (domain.User, error) {
	row, err := s.q.GetUserByID(ctx, id)
	if err != nil {
		return domain.User{}, notFound(err, "user", itoa(int(id)))
	}
	roles, err := s.q.ListUserRolesFor(ctx, row.ID)
	if err != nil {
		return domain.User{}, err
	}
	return userFromRow(row, roles), nil
}

// ListUsers returns every user with their roles.
func (s *Store) ListUsers(ctx context.Context) ([]domain.User, error) {
	rows, err := s.q.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	roles, err := s.q.ListUserRoles(ctx)
	if err != nil {
		return nil, err
	}
	byUser := map[int64][]sqlcgen.UserRole{}
	for _, r := range roles {
		byUser[r.UserID] = append(byUser[r.UserID], r)
	}
	out := make([]domain.User, len(rows))
	for i, r := range rows {
		out[i] = userFromRow(r, byUser[r.ID])
	}
	return out, nil
}

// CountUsers returns how many accounts exist.
func (s *Store) CountUsers(ctx context.Context) (int64, error) { return s.q.CountUsers(ctx) }

// SetPassword replaces a user's password hash and ends their sessions.
func (s *Store) SetPassword(ctx context.Context, username, hash string, rec domain.AuditRecord) error {
	return s.inTx(ctx, func(q *sqlcgen.Queries) error {
		row, err := q.GetUserByUsername(ctx, username)
		if err != nil {
			return notFound(err, "user", username)
		}
		if _, err := q.SetPassword(ctx, sqlcgen.SetPasswordParams{ID: row.ID, PasswordHash: hash}); err != nil {
			return err
		}
		if _, err := q.DeleteUserSessions(ctx, row.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, q, rec)
	})
}

// SetDisabled disables or enables a user; disabling ends their sessions.
func (s *Store) SetDisabled(ctx context.Context, username string, disabled bool, rec domain.AuditRecord) error {
	return s.inTx(ctx, func(q *sqlcgen.Queries) error {
		row, err := q.GetUserByUsername(ctx, username)
		if err != nil {
			return notFound(err, "user", username)
		}
		if _, err := q.SetDisabled(ctx, sqlcgen.SetDisabledParams{ID: row.ID, Disabled: disabled}); err != nil {
			return err
		}
		if disabled {
			if _, err := q.DeleteUserSessions(ctx, row.ID); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, q, rec)
	})
}

// SessionRecord is a stored session.
type SessionRecord struct {
	TokenHash  []byte
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	IP         string
	UserAgent  string
}

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, r SessionRecord) error {
	return s.q.CreateSession(ctx, sqlcgen.CreateSessionParams{TokenHash: r.TokenHash, UserID: r.UserID, CreatedAt: tstz(r.CreatedAt),
		ExpiresAt: tstz(r.ExpiresAt), Ip: r.IP, UserAgent: r.UserAgent})
}

// GetSession returns the session with a token hash.
func (s *Store) GetSession(ctx context.Context, tokenHash []byte) (SessionRecord, error) {
	r, err := s.q.GetSession(ctx, tokenHash)
	if err != nil {
		return SessionRecord{}, notFound(err, "session", "")
	}
	return SessionRecord{TokenHash: r.TokenHash, UserID: r.UserID, CreatedAt: r.CreatedAt.Time, LastSeenAt: r.LastSeenAt.Time,
		ExpiresAt: r.ExpiresAt.Time, IP: r.Ip, UserAgent: r.UserAgent}, nil
}

// TouchSession records that a session was used.
func (s *Store) TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error {
	return s.q.TouchSession(ctx, sqlcgen.TouchSessionParams{TokenHash: tokenHash, LastSeenAt: tstz(at)})
}

// DeleteSession ends a session and returns whose it was.
func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte) (userID int64, n int64, err error) {
	r, err := s.q.GetSession(ctx, tokenHash)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, nil
	} else if err != nil {
		return 0, 0, err
	}
	n, err = s.q.DeleteSession(ctx, tokenHash)
	return r.UserID, n, err
}

// DeleteExpiredSessions removes sessions past their lifetime or idle since
// before idleBefore.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now, idleBefore time.Time) (int64, error) {
	return s.q.DeleteExpiredSessions(ctx, sqlcgen.DeleteExpiredSessionsParams{Now: tstz(now), IdleBefore: tstz(idleBefore)})
}

// CreateAPIToken stores an API token's hash.
func (s *Store) CreateAPIToken(ctx context.Context, userID int64, name string, tokenHash []byte, rec domain.AuditRecord) error {
	return s.inTx(ctx, func(q *sqlcgen.Queries) error {
		if _, err := q.CreateAPIToken(ctx, sqlcgen.CreateAPITokenParams{UserID: userID, Name: name, TokenHash: tokenHash}); err != nil {
			return err
		}
		return s.appendAudit(ctx, q, rec)
	})
}

// UseAPIToken returns the user of a live API token and records its use.
func (s *Store) UseAPIToken(ctx context.Context, tokenHash []byte, at time.Time) (int64, error) {
	t, err := s.q.GetAPIToken(ctx, tokenHash)
	if err != nil {
		return 0, notFound(err, "token", "")
	}
	if !t.LastUsedAt.Valid || at.Sub(t.LastUsedAt.Time) > time.Minute {
		if err := s.q.TouchAPIToken(ctx, sqlcgen.TouchAPITokenParams{ID: t.ID, LastUsedAt: tstz(at)}); err != nil {
			return 0, err
		}
	}
	return t.UserID, nil
}

// RecordLoginFailure counts a failed sign-in.
func (s *Store) RecordLoginFailure(ctx context.Context, username, ip string, at time.Time) error {
	return s.q.InsertLoginFailure(ctx, sqlcgen.InsertLoginFailureParams{Username: username, Ip: ip, At: tstz(at)})
}

// CountLoginFailures counts failed sign-ins since a time, for a username and
// for an address.
func (s *Store) CountLoginFailures(ctx context.Context, username, ip string, since time.Time) (byUser, byIP int64, err error) {
	if byUser, err = s.q.CountFailuresByUsername(ctx, sqlcgen.CountFailuresByUsernameParams{Username: username, At: tstz(since)}); err != nil {
		return
	}
	byIP, err = s.q.CountFailuresByIP(ctx, sqlcgen.CountFailuresByIPParams{Ip: ip, At: tstz(since)})
	return
}

// ClearLoginFailures forgets a username's failures after a good sign-in.
func (s *Store) ClearLoginFailures(ctx context.Context, username string) error {
	return s.q.ClearLoginFailures(ctx, username)
}

// DeleteOldLoginFailures removes failures older than a time.
func (s *Store) DeleteOldLoginFailures(ctx context.Context, before time.Time) (int64, error) {
	return s.q.DeleteOldLoginFailures(ctx, tstz(before))
}
