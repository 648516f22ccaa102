package rankingsheet

import (
	"slices"
	"time"

	"lianxi/internal/domain"
	"lianxi/internal/selection"
)

// ArchiveFormat names the archive's shape; a change that readers must know
// of gets a new one.
const ArchiveFormat = "lianxi.round-archive/1"

// Archive is a whole round as one document, for the records: the
// definition's version it ran under, the calls, the entries, the expert
// pool with the declared conflicts, who was assigned what, every score,
// the ranking, the convener's confirmation, the objections and their
// rulings, the publicity list and every decision taken on the way (the
// round's history).
type Archive struct {
	Format       string                  `json:"format"`
	GeneratedAt  time.Time               `json:"generated_at"`
	GeneratedBy  string                  `json:"generated_by"`
	Complete     bool                    `json:"complete"` // the round has ended (announced or cancelled)
	Round        ArchiveRound            `json:"round"`
	Programme    domain.Programme        `json:"programme"`
	Calls        []domain.NominationTask `json:"calls"`
	Entries      []domain.Entry          `json:"entries"`
	Experts      []domain.Expert         `json:"experts"`
	Conflicts    map[string][]int        `json:"conflicts"`
	Assignments  []Assignment            `json:"assignments"`
	Scores       []Score                 `json:"scores"`
	Ranking      []domain.Ranked         `json:"ranking"`
	Confirmation Confirmation            `json:"confirmation"`
	Objections   []domain.Objection      `json:"objections"`
	Publicity    map[string][]string     `json:"publicity"`
	Decisions    []domain.CycleEvent     `json:"decisions"`
}

// ArchiveRound is the round's own facts: when each phase began and ended.
type ArchiveRound struct {
	ID               string            `json:"id"`
	Year             int               `json:"year"`
	Phase            domain.RoundPhase `json:"phase"`
	Version          int               `json:"version"`
	ProgrammeVersion int               `json:"programme_version"`
	StartedBy        string            `json:"started_by"`
	StartedAt        time.Time         `json:"started_at"`
	NominationDue    time.Time         `json:"nomination_due"`
	ScoringDue       time.Time         `json:"scoring_due,omitzero"`
	NoticeEnds       time.Time         `json:"notice_ends,omitzero"`
	ClosedAt         time.Time         `json:"closed_at,omitzero"`
	Steps            []domain.Step     `json:"steps"`
}

// Assignment is one review as drawn or handed over: who reviews which
// entry, the office's reason when it chose the expert, and whether it was
// handed to another.
type Assignment struct {
	Review   int    `json:"review"`
	Entry    int    `json:"entry"`
	Expert   string `json:"expert"`
	Override string `json:"override,omitempty"`
	Replaced bool   `json:"replaced"`
	Done     bool   `json:"done"`
}

// Score is one expert's scores of one entry, with the weighted total they
// make (0–100) and whether it counts towards the ranking.
type Score struct {
	Review  int                `json:"review"`
	Entry   int                `json:"entry"`
	Expert  string             `json:"expert"`
	Scores  map[string]float64 `json:"scores"`
	Total   float64            `json:"total"`
	Comment string             `json:"comment,omitempty"`
	At      time.Time          `json:"at"`
	Counted bool               `json:"counted"`
}

// Confirmation is the list the ranking proposed and the one the convener
// confirmed (as it stands after upheld objections), with the reason for a
// change.
type Confirmation struct {
	Proposed  []int  `json:"proposed"`
	Confirmed []int  `json:"confirmed"`
	Reason    string `json:"reason,omitempty"`
	By        string `json:"by,omitempty"`
}

// NewArchive gathers a round and its history into an archive. The round
// is the office's view (selections.Service.Full): while scoring is open
// its scores are hidden, and so they are here.
func NewArchive(r domain.Round, history []domain.CycleEvent, by string, at time.Time) Archive {
	a := Archive{Format: ArchiveFormat, GeneratedAt: at, GeneratedBy: by, Complete: r.Phase.Ended(),
		Round: ArchiveRound{ID: r.ID, Year: r.Year, Phase: r.Phase, Version: r.Version, ProgrammeVersion: r.Programme.Version,
			StartedBy: r.StartedBy, StartedAt: r.StartedAt, NominationDue: r.NominationDue, ScoringDue: r.ScoringDue,
			NoticeEnds: r.NoticeEnds, ClosedAt: r.ClosedAt, Steps: nonNil(r.Steps)},
		Programme: r.Programme, Calls: nonNil(r.Calls), Entries: nonNil(r.Entries), Experts: nonNil(r.Experts),
		Conflicts: r.Conflicts, Assignments: []Assignment{}, Scores: []Score{}, Ranking: nonNil(r.Ranking),
		Confirmation: Confirmation{Proposed: nonNil(r.Proposed), Confirmed: nonNil(r.Confirmed), Reason: r.ConfirmReason, By: r.ConfirmedBy},
		Objections:   nonNil(r.Objections), Publicity: r.Publicity, Decisions: nonNil(history)}
	if a.Conflicts == nil {
		a.Conflicts = map[string][]int{}
	}
	if a.Publicity == nil {
		a.Publicity = map[string][]string{}
	}
	for _, v := range r.Reviews {
		a.Assignments = append(a.Assignments, Assignment{Review: v.ID, Entry: v.Entry, Expert: v.Expert, Override: v.Override,
			Replaced: v.Replaced, Done: v.Done()})
		if v.Scores != nil {
			a.Scores = append(a.Scores, Score{Review: v.ID, Entry: v.Entry, Expert: v.Expert, Scores: v.Scores,
				Total: round6(selection.Total(r.Programme, v.Scores)), Comment: v.Comment, At: v.At, Counted: selection.Counted(v)})
		}
	}
	return a
}

// nonNil makes an absent list an empty one, so the archive says [] rather
// than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return slices.Clip(s)
}
