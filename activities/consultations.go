package activities

import (
	"context"

	"lianxi/internal/domain"
)

// ConsultationStore is what the activities of consultations need of
// storage.
type ConsultationStore interface {
	RecordConsultation(ctx context.Context, ch domain.ConsultationChange) error
	CommentCounts(ctx context.Context, id string) (domain.CommentCounts, error)
}

// Consultations holds the activities of consultations on drafts.
type Consultations struct {
	Store ConsultationStore
}

// RecordConsultation stores a step a consultation's workflow took, with
// the department comments it files, once per key.
func (m *Consultations) RecordConsultation(ctx context.Context, ch domain.ConsultationChange) error {
	return m.Store.RecordConsultation(ctx, ch)
}

// CommentCounts counts a consultation's comments and replies as stored
// (the public's comments and the office's replies go straight to
// PostgreSQL).
func (m *Consultations) CommentCounts(ctx context.Context, id string) (domain.CommentCounts, error) {
	return m.Store.CommentCounts(ctx, id)
}
