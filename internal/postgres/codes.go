package postgres

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/netip"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxi/internal/domain"
	"lianxi/internal/postgres/sqlcgen"
)

// CodeCounts are the codes sent lately to a contact and from an address.
type CodeCounts struct{ ToContact, FromAddress int }

// CodesSince counts the one-time codes sent in a scope (a contest, a
// consultation) since a time, to a contact and from an address.
func (s *Store) CodesSince(ctx context.Context, scope, contact string, addr *netip.Addr, since time.Time) (CodeCounts, error) {
	row, err := s.q.CountContactCodes(ctx, sqlcgen.CountContactCodesParams{Scope: scope, Contact: contact, Address: addr, Since: tstz(since)})
	return CodeCounts{ToContact: int(row.ToContact), FromAddress: int(row.FromAddress)}, err
}

// SaveCode keeps a code's hash until it expires.
func (s *Store) SaveCode(ctx context.Context, scope, contact string, hash []byte, addr *netip.Addr, expires time.Time) error {
	return s.q.InsertContactCode(ctx, sqlcgen.InsertContactCodeParams{Scope: scope, Contact: contact, CodeHash: hash, Address: addr, ExpiresAt: tstz(expires)})
}

// CodeAttempts is how many wrong codes a sent code tolerates.
const CodeAttempts = 5

// verifyCode checks a code against the latest one sent to the contact in
// the scope; a match spends it and runs then (which records who the
// contact is) in the same transaction. A wrong code counts against the
// code, which dies after CodeAttempts wrong tries.
func (s *Store) verifyCode(ctx context.Context, scope, contact string, codeHash []byte, then func(q *sqlcgen.Queries) error) error {
	wrong := false
	err := s.inTx(ctx, func(q *sqlcgen.Queries) error {
		code, err := q.LatestContactCode(ctx, sqlcgen.LatestContactCodeParams{Scope: scope, Contact: contact})
		if errors.Is(err, pgx.ErrNoRows) || err == nil && code.Attempts >= CodeAttempts {
			return codeRefused()
		}
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare(code.CodeHash, codeHash) != 1 {
			wrong = true
			return q.CountContactCodeAttempt(ctx, code.ID) // committed: the wrong try counts
		}
		if err := q.UseContactCode(ctx, code.ID); err != nil {
			return err
		}
		return then(q)
	})
	if err == nil && wrong {
		return codeRefused()
	}
	return err
}

func codeRefused() error {
	var v domain.Validation
	v.Add("code", "validation.code_wrong", nil)
	return v.Err()
}
