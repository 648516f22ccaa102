package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"lianxi/internal/domain"
	"lianxi/internal/postgres/sqlcgen"
)

func consultationRow(c domain.Consultation) (sqlcgen.InsertConsultationParams, error) {
	state, err := json.Marshal(c)
	keys := make([]string, len(c.Sections))
	for i, s := range c.Sections {
		keys[i] = s.Key
	}
	return sqlcgen.InsertConsultationParams{ID: c.ID, Slug: c.Slug, CommitteeCode: c.Committee, Phase: string(c.Phase), OpensAt: tstz(c.OpensAt),
		ClosesAt: tstz(c.ClosesAt), FeedbackDueAt: tstz(c.FeedbackDueAt), Sections: keys, Version: int32(c.Version), StartedAt: tstz(c.CreatedAt),
		ClosedAt: tstz(c.ClosedAt), State: state}, err
}

// StartConsultation stores a new consultation with its first event and
// audit record, and runs start (which starts its workflow) before
// committing. The same slug again is a conflict and nothing is started.
func (s *Store) StartConsultation(ctx context.Context, c domain.Consultation, rec domain.AuditRecord, start func() error) error {
	row, err := consultationRow(c)
	if err != nil {
		return err
	}
	detail, _ := json.Marshal(map[string]any{"slug": c.Slug, "sections": len(c.Sections), "departments": len(c.Departments)})
	return s.startProcess(ctx, c.ID, rec, domain.Conflict("error.consultation_exists", map[string]any{"slug": c.Slug}), start,
		func(q *sqlcgen.Queries) (int64, error) { return q.InsertConsultation(ctx, row) },
		func(q *sqlcgen.Queries) error {
			_, err := q.InsertConsultationEvent(ctx, sqlcgen.InsertConsultationEventParams{ConsultationID: c.ID, At: tstz(c.CreatedAt),
				Actor: c.StartedBy, Kind: "published", Detail: detail})
			return err
		})
}

// LoadArchivedConsultation stores a finished consultation kept as a record
// (the seed's own), once: false when it is there already.
func (s *Store) LoadArchivedConsultation(ctx context.Context, c domain.Consultation) (bool, error) {
	row, err := consultationRow(c)
	if err != nil {
		return false, err
	}
	loaded := false
	err = s.inTx(ctx, func(q *sqlcgen.Queries) error {
		n, err := q.InsertConsultation(ctx, row)
		if err != nil || n == 0 {
			return err
		}
		loaded = true
		_, err = q.InsertConsultationEvent(ctx, sqlcgen.InsertConsultationEventParams{Key: ntext(c.ID + ":archived"), ConsultationID: c.ID,
			At: tstz(c.ClosedAt), Actor: c.StartedBy, Kind: "archived", Detail: []byte("{}")})
		return err
	})
	return loaded, err
}

// RecordConsultation stores a step of a consultation: its event (once per
// key), the department comments it files, the new snapshot (unless a
// newer one is stored) and the audit record, in one transaction.
func (s *Store) RecordConsultation(ctx context.Context, ch domain.ConsultationChange) error {
	c := ch.Consultation
	state, err := json.Marshal(c)
	if err != nil {
		return err
	}
	detail, err := eventDetail(ch.Event.Detail)
	if err != nil {
		return err
	}
	return s.recordStep(ctx, c.ID, ch.Audit,
		func(q *sqlcgen.Queries) error {
			for i, k := range ch.Comments {
				if _, err := q.InsertDepartmentComment(ctx, sqlcgen.InsertDepartmentCommentParams{ConsultationID: c.ID, Section: k.Section, Body: k.Body,
					Department: ntext(k.Department), TaskID: pgInt8(k.TaskID), Key: ntext(ch.Key + ":" + strconv.Itoa(i)), At: tstz(k.At)}); err != nil {
					return err
				}
			}
			return q.UpsertConsultation(ctx, sqlcgen.UpsertConsultationParams{ID: c.ID, Phase: string(c.Phase), Version: int32(c.Version),
				ClosedAt: tstz(c.ClosedAt), State: state})
		},
		func(q *sqlcgen.Queries) (int64, error) {
			return q.InsertConsultationEvent(ctx, sqlcgen.InsertConsultationEventParams{Key: ntext(ch.Key), ConsultationID: c.ID, At: tstz(ch.Event.At),
				Actor: ch.Event.Actor, Kind: ch.Event.Kind, Detail: detail})
		})
}

// GetConsultation returns a consultation as last recorded.
func (s *Store) GetConsultation(ctx context.Context, slug string) (domain.Consultation, error) {
	row, err := s.q.GetConsultation(ctx, slug)
	if err != nil {
		return domain.Consultation{}, notFound(err, "consultation", slug)
	}
	var c domain.Consultation
	return c, json.Unmarshal(row.State, &c)
}

// ListConsultations returns the consultations, the latest window first.
func (s *Store) ListConsultations(ctx context.Context, limit int) ([]domain.Consultation, error) {
	rows, err := s.q.ListConsultations(ctx, int32(limit))
	return statesOf[domain.Consultation](rows, err, func(r sqlcgen.Consultation) []byte { return r.State })
}

// ConsultationHistory returns a consultation's events in order.
func (s *Store) ConsultationHistory(ctx context.Context, id string) ([]domain.CycleEvent, error) {
	rows, err := s.q.ListConsultationEvents(ctx, id)
	return eventsOf(rows, err, func(r sqlcgen.ConsultationEvent) (pgtype.Timestamptz, string, string, []byte) {
		return r.At, r.Actor, r.Kind, r.Detail
	})
}

// AddConsultationFile stores a file of a consultation not yet reported
// on, with its audit record.
func (s *Store) AddConsultationFile(ctx context.Context, id string, f domain.ConsultationFile, sha, data []byte, by string, rec domain.AuditRecord) (domain.ConsultationFile, error) {
	err := s.inTx(ctx, func(q *sqlcgen.Queries) error {
		row, err := q.InsertConsultationFile(ctx, sqlcgen.InsertConsultationFileParams{ConsultationID: id, Revised: f.Revised, Name: f.Name,
			ContentType: f.ContentType, Size: int32(len(data)), Sha256: sha, Data: data, UploadedBy: by})
		if errors.Is(err, pgx.ErrNoRows) {
			return domain.Conflict("error.consultation_ended", nil)
		}
		if err != nil {
			return err
		}
		f = domain.ConsultationFile{ID: row.ID, Name: row.Name, ContentType: row.ContentType, Size: int(row.Size), Revised: row.Revised, At: row.At.Time}
		rec.Object = id
		rec.Detail = map[string]string{"file": strconv.FormatInt(row.ID, 10), "name": row.Name}
		return s.appendAudit(ctx, q, rec)
	})
	return f, err
}

// ConsultationFiles lists a consultation's files.
func (s *Store) ConsultationFiles(ctx context.Context, id string) ([]domain.ConsultationFile, error) {
	rows, err := s.q.ListConsultationFiles(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]domain.ConsultationFile, len(rows))
	for i, r := range rows {
		out[i] = domain.ConsultationFile{ID: r.ID, Name: r.Name, ContentType: r.ContentType, Size: int(r.Size), Revised: r.Revised, At: r.At.Time}
	}
	return out, nil
}

// ConsultationFile returns a consultation's file with its content.
func (s *Store) ConsultationFile(ctx context.Context, id string, file int64) (domain.ConsultationFile, []byte, error) {
	r, err := s.q.GetConsultationFile(ctx, sqlcgen.GetConsultationFileParams{ConsultationID: id, ID: file})
	if err != nil {
		return domain.ConsultationFile{}, nil, notFound(err, "file", strconv.FormatInt(file, 10))
	}
	return domain.ConsultationFile{ID: r.ID, Name: r.Name, ContentType: r.ContentType, Size: int(r.Size), Revised: r.Revised, At: r.At.Time}, r.Data, nil
}

// Commenter is a verified contact commenting on one consultation.
type Commenter struct {
	ID             int64
	ConsultationID string
	Contact        string
	ExpiresAt      time.Time
}

// VerifyConsultationCode checks a code against the latest one sent to the
// contact for the consultation (see verifyCode); a match returns the
// commenter with a new token (tokenHash) valid until expires.
func (s *Store) VerifyConsultationCode(ctx context.Context, id, contact string, codeHash, tokenHash []byte, addr *netip.Addr, expires time.Time) (Commenter, error) {
	var c Commenter
	err := s.verifyCode(ctx, id, contact, codeHash, func(q *sqlcgen.Queries) error {
		cid, err := q.UpsertCommenter(ctx, sqlcgen.UpsertCommenterParams{ConsultationID: id, Contact: contact, TokenHash: tokenHash,
			ExpiresAt: tstz(expires), Address: addr})
		c = Commenter{ID: cid, ConsultationID: id, Contact: contact, ExpiresAt: expires}
		return err
	})
	return c, err
}

// CommenterByToken returns the commenter a token belongs to, while it is
// valid.
func (s *Store) CommenterByToken(ctx context.Context, tokenHash []byte) (Commenter, error) {
	row, err := s.q.CommenterByToken(ctx, tokenHash)
	if errors.Is(err, pgx.ErrNoRows) {
		return Commenter{}, domain.Unauthenticated()
	}
	return Commenter{ID: row.ID, ConsultationID: row.ConsultationID, Contact: row.Contact, ExpiresAt: row.ExpiresAt.Time}, err
}

// ErrWindowClosed is a comment refused because the window is not open.
var ErrWindowClosed = errors.New("the consultation's window is not open")

// AddPublicComment stores a commenter's comment if, at the time given, the
// window is open and the section is the draft's (checked in the same
// statement); otherwise ErrWindowClosed.
func (s *Store) AddPublicComment(ctx context.Context, c Commenter, in domain.NewComment, addr *netip.Addr, at time.Time) (domain.ConsultationComment, error) {
	r, err := s.q.InsertPublicComment(ctx, sqlcgen.InsertPublicCommentParams{Section: in.Section, Body: in.Body, Name: in.Name,
		CommenterID: pgInt8(c.ID), Address: addr, At: tstz(at), ConsultationID: c.ConsultationID})
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.ConsultationComment{}, ErrWindowClosed
	}
	if err != nil {
		return domain.ConsultationComment{}, err
	}
	return domain.ConsultationComment{ID: r.ID, Section: r.Section, Body: r.Body, Name: r.Name, Contact: c.Contact, At: r.At.Time}, nil
}

// CommentFilter narrows a consultation's comments.
type CommentFilter struct {
	UnrepliedOnly bool
	Section       *string
}

// ConsultationComments lists a consultation's comments in order, with the contacts
// (the caller decides who may see them).
func (s *Store) ConsultationComments(ctx context.Context, id string, f CommentFilter) ([]domain.ConsultationComment, error) {
	p := sqlcgen.ListConsultationCommentsParams{ConsultationID: id, UnrepliedOnly: f.UnrepliedOnly}
	if f.Section != nil {
		p.Section = pgtype.Text{String: *f.Section, Valid: true}
	}
	rows, err := s.q.ListConsultationComments(ctx, p)
	if err != nil {
		return nil, err
	}
	out := make([]domain.ConsultationComment, len(rows))
	for i, r := range rows {
		out[i] = domain.ConsultationComment{ID: r.ID, Section: r.Section, Body: r.Body, Name: r.Name, Contact: r.Contact, Department: r.Department.String,
			TaskID: r.TaskID.Int64, At: r.At.Time, Reply: domain.ReplyStatus(r.ReplyStatus.String), ReplyText: r.Reply, RepliedBy: r.RepliedBy, RepliedAt: r.RepliedAt.Time}
	}
	return out, nil
}

// CommentsByCommenter lists one commenter's comments.
func (s *Store) CommentsByCommenter(ctx context.Context, c Commenter) ([]domain.ConsultationComment, error) {
	rows, err := s.q.CommentsByCommenter(ctx, sqlcgen.CommentsByCommenterParams{ConsultationID: c.ConsultationID, CommenterID: pgInt8(c.ID)})
	if err != nil {
		return nil, err
	}
	out := make([]domain.ConsultationComment, len(rows))
	for i, r := range rows {
		out[i] = commentFrom(r).Public()
	}
	return out, nil
}

func commentFrom(r sqlcgen.ConsultationComment) domain.ConsultationComment {
	return domain.ConsultationComment{ID: r.ID, Section: r.Section, Body: r.Body, Name: r.Name, Department: r.Department.String,
		TaskID: r.TaskID.Int64, At: r.At.Time, Reply: domain.ReplyStatus(r.ReplyStatus.String), ReplyText: r.Reply, RepliedBy: r.RepliedBy, RepliedAt: r.RepliedAt.Time}
}

// ReplyComment records the office's reply to a comment (replacing an
// earlier one) with its audit record, while the consultation is not
// reported on.
func (s *Store) ReplyComment(ctx context.Context, id string, comment int64, r domain.CommentReply, by string, at time.Time, rec domain.AuditRecord) (domain.ConsultationComment, error) {
	var out domain.ConsultationComment
	err := s.inTx(ctx, func(q *sqlcgen.Queries) error {
		row, err := q.ReplyComment(ctx, sqlcgen.ReplyCommentParams{ReplyStatus: ntext(string(r.Status)), Reply: r.Reply, RepliedBy: by,
			RepliedAt: tstz(at), ID: comment, ConsultationID: id})
		if errors.Is(err, pgx.ErrNoRows) {
			if ok, _ := q.ConsultationCommentExists(ctx, sqlcgen.ConsultationCommentExistsParams{ConsultationID: id, ID: comment}); !ok {
				return domain.NotFound("comment", strconv.FormatInt(comment, 10))
			}
			return domain.Conflict("error.consultation_ended", nil)
		}
		if err != nil {
			return err
		}
		out = commentFrom(row)
		rec.Object = id
		rec.Detail = map[string]string{"comment": strconv.FormatInt(comment, 10), "status": string(r.Status)}
		return s.appendAudit(ctx, q, rec)
	})
	return out, err
}

// CommentCounts counts a consultation's comments by origin and reply.
func (s *Store) CommentCounts(ctx context.Context, id string) (domain.CommentCounts, error) {
	r, err := s.q.CountComments(ctx, id)
	return domain.CommentCounts{Total: int(r.Total), Public: int(r.Public), Department: int(r.Department), Replied: int(r.Replied),
		Adopted: int(r.Adopted), Partly: int(r.Partly), NotAdopted: int(r.NotAdopted), OutOfScope: int(r.OutOfScope)}, err
}
