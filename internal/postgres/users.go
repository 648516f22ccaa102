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

// CreateUsers creates users with their roles and password hashes, and one
// audit record per user, in one transaction: all are created or none. A username
// already taken is a KindConflict naming it; a committee or department that
// does not exist is a KindInvalid naming the field.
func (s *Store) CreateUsers(ctx context.Context, users []domain.NewUser, hashes []string, records []domain.AuditRecord) (domain.User, error) {
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
			if err := s.appendAudit(ctx, q, records[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return last, err
}

// Scopes returns the codes a role may be scoped to: every committee, and
// every organisation that is a department.
func (s *Store) Scopes(ctx context.Context) (committees, departments map[string]bool, err error) {
	cs, err := s.q.ListCommittees(ctx)
	if err != nil {
		return nil, nil, err
	}
	os, err := s.q.ListOrganisations(ctx)
	if err != nil {
		return nil, nil, err
	}
	committees, departments = map[string]bool{}, map[string]bool{}
	for _, c := range cs {
		committees[c.Code] = true
	}
	for _, o := range os {
		if o.Kind == string(domain.OrgDepartment) {
			departments[o.Code] = true
		}
	}
	return committees, departments, nil
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

// SetPassword replaces a user's password hash, ends their sessions and
// revokes their API tokens: whoever knew the old password may hold them.
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
		if err := q.RevokeUserTokens(ctx, row.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, q, rec)
	})
}

// SetDisabled disables or enables a user; disabling ends their sessions.
// The last active administrator cannot be disabled: nobody could manage the
// installation afterwards.
func (s *Store) SetDisabled(ctx context.Context, username string, disabled bool, rec domain.AuditRecord) error {
	return s.inTx(ctx, func(q *sqlcgen.Queries) error {
		row, err := q.GetUserByUsername(ctx, username)
		if err != nil {
			return notFound(err, "user", username)
		}
		if disabled {
			roles, err := q.ListUserRolesFor(ctx, row.ID)
			if err != nil {
				return err
			}
			if userFromRow(row, roles).IsAdmin() {
				// Serialise admin changes so two admins cannot disable each other at once.
				if err := q.LockAdminChanges(ctx); err != nil {
					return err
				}
				others, err := q.CountOtherActiveAdmins(ctx, row.ID)
				if err != nil {
					return err
				}
				if others == 0 {
					return domain.Conflict("error.last_admin", nil)
				}
			}
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

// StartSession stores a new session, forgets the username's failed
// sign-ins and appends the sign-in's audit record, in one transaction.
func (s *Store) StartSession(ctx context.Context, r SessionRecord, username string, rec domain.AuditRecord) error {
	return s.inTx(ctx, func(q *sqlcgen.Queries) error {
		if err := q.CreateSession(ctx, sqlcgen.CreateSessionParams{TokenHash: r.TokenHash, UserID: r.UserID, CreatedAt: tstz(r.CreatedAt),
			ExpiresAt: tstz(r.ExpiresAt), Ip: r.IP, UserAgent: r.UserAgent}); err != nil {
			return err
		}
		if err := q.ClearLoginFailures(ctx, username); err != nil {
			return err
		}
		return s.appendAudit(ctx, q, rec)
	})
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

// DeleteSession removes a session that has ended by itself (expired).
func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte) error {
	_, err := s.q.DeleteSession(ctx, tokenHash)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	return err
}

// EndSession deletes a session and appends the audit record that record
// builds from its user's name, in one transaction. An unknown session is not
// an error and writes nothing.
func (s *Store) EndSession(ctx context.Context, tokenHash []byte, record func(username string) domain.AuditRecord) error {
	return s.inTx(ctx, func(q *sqlcgen.Queries) error {
		userID, err := q.DeleteSession(ctx, tokenHash)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		u, err := q.GetUserByID(ctx, userID)
		if err != nil {
			return err
		}
		return s.appendAudit(ctx, q, record(u.Username))
	})
}

// DeleteExpiredSessions removes// DeleteExpiredSessions removes sessions past their lifetime or idle since
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

// RecordLoginAttempt counts a sign-in attempt before its password is
// checked and returns the attempts since a time for the username and for the
// address, this one included. A good sign-in clears its username's count.
func (s *Store) RecordLoginAttempt(ctx context.Context, username, ip string, at, since time.Time) (byUser, byIP int64, err error) {
	err = s.inTx(ctx, func(q *sqlcgen.Queries) error {
		if err := q.LockLoginAttempts(ctx, username); err != nil {
			return err
		}
		if err := q.InsertLoginFailure(ctx, sqlcgen.InsertLoginFailureParams{Username: username, Ip: ip, At: tstz(at)}); err != nil {
			return err
		}
		if byUser, err = q.CountFailuresByUsername(ctx, sqlcgen.CountFailuresByUsernameParams{Username: username, At: tstz(since)}); err != nil {
			return err
		}
		byIP, err = q.CountFailuresByIP(ctx, sqlcgen.CountFailuresByIPParams{Ip: ip, At: tstz(since)})
		return err
	})
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
