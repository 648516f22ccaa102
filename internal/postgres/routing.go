package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/postgres/sqlcgen"
	"lianxi/internal/reminder"
)

// AddDeputy lets deputy act for principal between two dates.
func (s *Store) AddDeputy(ctx context.Context, principal, deputy string, from, until calendar.Date, rec domain.AuditRecord) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(q *sqlcgen.Queries) error {
		var v domain.Validation
		p, err := q.GetUserByUsername(ctx, principal)
		v.Check(err == nil, "principal", "validation.unknown_user", map[string]any{"value": principal})
		d, err2 := q.GetUserByUsername(ctx, deputy)
		v.Check(err2 == nil, "deputy", "validation.unknown_user", map[string]any{"value": deputy})
		v.Check(principal != deputy, "deputy", "validation.deputy_self", nil)
		v.Check(!until.Before(from), "ends_on", "validation.range_order", nil)
		if err := v.Err(); err != nil {
			return err
		}
		id, err = q.InsertDeputy(ctx, sqlcgen.InsertDeputyParams{PrincipalID: p.ID, DeputyID: d.ID, StartsOn: pgDate(from), EndsOn: pgDate(until), CreatedBy: rec.Actor})
		if err != nil {
			return err
		}
		rec.Object = "deputy:" + itoa(int(id))
		rec.Detail = map[string]string{"principal": principal, "deputy": deputy, "from": from.String(), "until": until.String()}
		return s.appendAudit(ctx, q, rec)
	})
	return id, err
}

// Deputies lists the current and future delegations a user gives or holds.
func (s *Store) Deputies(ctx context.Context, userID int64, today calendar.Date) ([]domain.Deputy, error) {
	rows, err := s.q.ListDeputiesOf(ctx, sqlcgen.ListDeputiesOfParams{UserID: userID, Today: pgDate(today)})
	if err != nil {
		return nil, err
	}
	out := make([]domain.Deputy, len(rows))
	for i, r := range rows {
		out[i] = domain.Deputy{ID: r.ID, Principal: r.Principal, Deputy: r.Deputy, StartsOn: r.StartsOn.Time.Format(time.DateOnly), EndsOn: r.EndsOn.Time.Format(time.DateOnly)}
	}
	return out, nil
}

// RemoveDeputy ends a delegation; only its principal or an administrator
// may (checked by the caller through principalOf).
func (s *Store) RemoveDeputy(ctx context.Context, id int64, allowed func(principalID int64) bool, rec domain.AuditRecord) error {
	return s.inTx(ctx, func(q *sqlcgen.Queries) error {
		d, err := q.GetDeputy(ctx, id)
		if err != nil {
			return notFound(err, "deputy", itoa(int(id)))
		}
		if !allowed(d.PrincipalID) {
			return domain.Forbidden()
		}
		if _, err := q.DeleteDeputy(ctx, id); err != nil {
			return err
		}
		rec.Object = "deputy:" + itoa(int(id))
		return s.appendAudit(ctx, q, rec)
	})
}

// ActsFor reports whether deputy may act for principal on a day.
func (s *Store) ActsFor(ctx context.Context, principalID, deputyID int64, day calendar.Date) (bool, error) {
	return s.q.ActiveDeputy(ctx, sqlcgen.ActiveDeputyParams{PrincipalID: principalID, DeputyID: deputyID, Day: pgDate(day)})
}

// MaxAttachmentBytes bounds one file; MaxTaskAttachmentBytes all of a
// task's files together.
const (
	MaxAttachmentBytes     = 20 << 20
	MaxTaskAttachmentBytes = 100 << 20
)

// AddAttachment stores a file on a task with its SHA-256, with a history
// event and an audit record.
func (s *Store) AddAttachment(ctx context.Context, a domain.Attachment, data []byte, rec domain.AuditRecord) (domain.Attachment, error) {
	// A request sent again under its retry key (its first attempt's answer
	// lost to a crash) finds the file it stored.
	key := domain.RetryKey(ctx)
	if key != "" {
		r, err := s.q.AttachmentByRetryKey(ctx, ntext(key))
		if err == nil {
			return attachmentOf(sqlcgen.ListAttachmentsRow(r)), nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return domain.Attachment{}, err
		}
	}
	sum := sha256.Sum256(data)
	a.SHA256, a.Size, a.At = hex.EncodeToString(sum[:]), len(data), s.now()
	err := s.inTx(ctx, func(q *sqlcgen.Queries) error {
		used, err := q.CountAttachmentBytes(ctx, a.TaskID)
		if err != nil {
			return err
		}
		if used+int64(len(data)) > MaxTaskAttachmentBytes {
			return domain.Conflict("error.attachments_full", map[string]any{"max_mb": MaxTaskAttachmentBytes >> 20})
		}
		a.ID, err = q.InsertAttachment(ctx, sqlcgen.InsertAttachmentParams{TaskID: a.TaskID, Name: a.Name, ContentType: a.ContentType,
			Size: int32(len(data)), Sha256: sum[:], Data: data, UploadedBy: a.UploadedBy, At: tstz(a.At), RetryKey: ntext(key)})
		if err != nil {
			return err
		}
		detail, _ := json.Marshal(map[string]any{"attachment": a.ID, "name": a.Name, "sha256": a.SHA256})
		if _, err := q.InsertTaskEvent(ctx, sqlcgen.InsertTaskEventParams{TaskID: a.TaskID, At: tstz(a.At), Actor: a.UploadedBy, Kind: "attached", Detail: detail}); err != nil {
			return err
		}
		rec.Detail = map[string]string{"name": a.Name, "sha256": a.SHA256}
		return s.appendAudit(ctx, q, rec)
	})
	return a, err
}

// Attachments lists a task's files (without their content).
func (s *Store) Attachments(ctx context.Context, taskID int64) ([]domain.Attachment, error) {
	rows, err := s.q.ListAttachments(ctx, taskID)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Attachment, len(rows))
	for i, r := range rows {
		out[i] = attachmentOf(r)
	}
	return out, nil
}

func attachmentOf(r sqlcgen.ListAttachmentsRow) domain.Attachment {
	return domain.Attachment{ID: r.ID, TaskID: r.TaskID, Name: r.Name, ContentType: r.ContentType, Size: int(r.Size),
		SHA256: hex.EncodeToString(r.Sha256), UploadedBy: r.UploadedBy, At: r.At.Time}
}

// Attachment returns a file of a task with its content.
func (s *Store) Attachment(ctx context.Context, taskID, id int64) (domain.Attachment, []byte, error) {
	r, err := s.q.GetAttachment(ctx, sqlcgen.GetAttachmentParams{ID: id, TaskID: taskID})
	if err != nil {
		return domain.Attachment{}, nil, notFound(err, "attachment", itoa(int(id)))
	}
	return domain.Attachment{ID: r.ID, TaskID: r.TaskID, Name: r.Name, ContentType: r.ContentType, Size: int(r.Size),
		SHA256: hex.EncodeToString(r.Sha256), UploadedBy: r.UploadedBy, At: r.At.Time}, r.Data, nil
}

// AddComment adds a remark to a task with a history event and an audit
// record.
func (s *Store) AddComment(ctx context.Context, taskID int64, author, body string, rec domain.AuditRecord) (domain.Comment, error) {
	// A request sent again under its retry key finds the comment it added.
	key := domain.RetryKey(ctx)
	if key != "" {
		r, err := s.q.CommentByRetryKey(ctx, ntext(key))
		if err == nil {
			return domain.Comment{ID: r.ID, Author: r.Author, Body: r.Body, At: r.At.Time}, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return domain.Comment{}, err
		}
	}
	c := domain.Comment{Author: author, Body: body, At: s.now()}
	err := s.inTx(ctx, func(q *sqlcgen.Queries) error {
		var err error
		if c.ID, err = q.InsertComment(ctx, sqlcgen.InsertCommentParams{TaskID: taskID, Author: author, Body: body, At: tstz(c.At), RetryKey: ntext(key)}); err != nil {
			return err
		}
		detail, _ := json.Marshal(map[string]any{"comment": c.ID})
		if _, err := q.InsertTaskEvent(ctx, sqlcgen.InsertTaskEventParams{TaskID: taskID, At: tstz(c.At), Actor: author, Kind: "commented", Detail: detail}); err != nil {
			return err
		}
		return s.appendAudit(ctx, q, rec)
	})
	return c, err
}

// Comments lists a task's remarks in order.
func (s *Store) Comments(ctx context.Context, taskID int64) ([]domain.Comment, error) {
	rows, err := s.q.ListComments(ctx, taskID)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Comment, len(rows))
	for i, r := range rows {
		out[i] = domain.Comment{ID: r.ID, Author: r.Author, Body: r.Body, At: r.At.Time}
	}
	return out, nil
}

// Ladders returns each committee's escalation ladder, the default for
// committees without their own.
func (s *Store) Ladders(ctx context.Context) (func(committee string) reminder.Ladder, error) {
	rows, err := s.q.ListLadders(ctx)
	if err != nil {
		return nil, err
	}
	own := map[string]reminder.Ladder{}
	for _, r := range rows {
		var l reminder.Ladder
		if err := json.Unmarshal(r.Steps, &l); err != nil {
			return nil, err
		}
		own[r.CommitteeCode] = l
	}
	return func(c string) reminder.Ladder {
		if l, ok := own[c]; ok {
			return l
		}
		return reminder.DefaultLadder()
	}, nil
}

// Ladder returns a committee's escalation ladder (the default when it has
// none of its own).
func (s *Store) Ladder(ctx context.Context, committee string) (reminder.Ladder, error) {
	ladders, err := s.Ladders(ctx)
	if err != nil {
		return nil, err
	}
	return ladders(committee), nil
}

// SetLadder stores a committee's escalation ladder.
func (s *Store) SetLadder(ctx context.Context, committee string, l reminder.Ladder, rec domain.AuditRecord) error {
	raw, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(q *sqlcgen.Queries) error {
		if err := q.UpsertLadder(ctx, sqlcgen.UpsertLadderParams{CommitteeCode: committee, Steps: raw, UpdatedBy: rec.Actor, UpdatedAt: tstz(s.now())}); err != nil {
			return err
		}
		return s.appendAudit(ctx, q, rec)
	})
}
