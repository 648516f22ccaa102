package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"

	"lianxi/internal/audit"
	"lianxi/internal/domain"
	"lianxi/internal/postgres/sqlcgen"
)

// AppendAudit appends one record to the audit trail in its own transaction.
func (s *Store) AppendAudit(ctx context.Context, rec domain.AuditRecord) error {
	return s.inTx(ctx, func(q *sqlcgen.Queries) error { return s.appendAudit(ctx, q, rec) })
}

// appendAudit extends the chain inside the caller's transaction, so a state
// change and its audit record commit together. The advisory lock orders
// writers; readers are not blocked.
func (s *Store) appendAudit(ctx context.Context, q *sqlcgen.Queries, rec domain.AuditRecord) error {
	if err := q.LockAuditChain(ctx); err != nil {
		return err
	}
	prev, seq := audit.Genesis, int64(0)
	last, err := q.LastAudit(ctx)
	switch {
	case err == nil:
		prev, seq = last.Hash, last.Seq
	case !errors.Is(err, pgx.ErrNoRows):
		return err
	}
	rec.Seq = seq + 1
	rec.At = audit.Truncate(s.now())
	rec.PrevHash = prev
	rec.Hash = audit.Hash(prev, rec)
	detail := rec.Detail
	if detail == nil {
		detail = map[string]string{}
	}
	raw, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	return q.InsertAudit(ctx, sqlcgen.InsertAuditParams{Seq: rec.Seq, At: tstz(rec.At), Actor: rec.Actor, Action: rec.Action, Object: rec.Object,
		Result: string(rec.Result), RequestID: rec.RequestID, Ip: rec.IP, Detail: raw, PrevHash: rec.PrevHash, Hash: rec.Hash})
}

func auditFromRow(r sqlcgen.AuditLog) (domain.AuditRecord, error) {
	rec := domain.AuditRecord{Seq: r.Seq, At: r.At.Time, Actor: r.Actor, Action: r.Action, Object: r.Object, Result: domain.AuditResult(r.Result),
		RequestID: r.RequestID, IP: r.Ip, PrevHash: r.PrevHash, Hash: r.Hash}
	if err := json.Unmarshal(r.Detail, &rec.Detail); err != nil {
		return rec, err
	}
	if len(rec.Detail) == 0 {
		rec.Detail = nil
	}
	return rec, nil
}

// RecentAudit returns the newest records, newest first.
func (s *Store) RecentAudit(ctx context.Context, limit int) ([]domain.AuditRecord, error) {
	rows, err := s.q.ListRecentAudit(ctx, int32(limit))
	if err != nil {
		return nil, err
	}
	out := make([]domain.AuditRecord, 0, len(rows))
	for _, r := range rows {
		rec, err := auditFromRow(r)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

// VerifyAudit walks the whole chain in pages and returns how many records
// verified and the first break, if any. A row whose detail no longer parses
// counts as changed.
func (s *Store) VerifyAudit(ctx context.Context) (int64, *audit.Break, error) {
	v := audit.NewVerifier()
	after := int64(0)
	for {
		rows, err := s.q.ListAudit(ctx, sqlcgen.ListAuditParams{Seq: after, Limit: 1000})
		if err != nil {
			return v.Count(), nil, err
		}
		if len(rows) == 0 {
			return v.Count(), nil, nil
		}
		for _, r := range rows {
			rec, err := auditFromRow(r)
			if err != nil {
				return v.Count(), &audit.Break{Seq: r.Seq, Reason: "detail is not valid JSON (the row was changed)"}, nil
			}
			if err := v.Next(rec); err != nil {
				var b *audit.Break
				if errors.As(err, &b) {
					return v.Count(), b, nil
				}
				return v.Count(), nil, err
			}
			after = r.Seq
		}
	}
}
