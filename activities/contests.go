package activities

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"lianxi/internal/domain"
	"lianxi/internal/postgres"
)

// ContestStore is what the activities of the idea contests need of
// storage.
type ContestStore interface {
	RecordContest(ctx context.Context, ch domain.ContestChange) error
	CountIdeas(ctx context.Context, year int) (postgres.IdeaCounts, error)
	Ideas(ctx context.Context, year int, f postgres.IdeaFilter) ([]domain.Idea, error)
	StartReviewRound(ctx context.Context, r domain.Round) error
}

// Contests holds the activities of the idea contests.
type Contests struct {
	Store ContestStore
}

// RecordContest stores a step a contest's workflow took, once per key.
func (m *Contests) RecordContest(ctx context.Context, ch domain.ContestChange) error {
	return m.Store.RecordContest(ctx, ch)
}

// UnscreenedIdeas counts a contest's ideas still waiting for screening.
func (m *Contests) UnscreenedIdeas(ctx context.Context, year int) (int, error) {
	n, err := m.Store.CountIdeas(ctx, year)
	return n.Unscreened, err
}

// ContestReviewInput asks for a contest's expert review.
type ContestReviewInput struct {
	Contest domain.Contest `json:"contest"`
}

// ContestReviewOutput is the review round to start, and the ideas in it
// with their votes.
type ContestReviewOutput struct {
	Round      domain.Round       `json:"round"`
	Candidates []domain.Candidate `json:"candidates"`
}

// ContestReview builds the round of a contest's expert review: the
// eligible ideas with the most votes, up to the shortlist (ties to the
// earlier idea), as entries already screened, and stores it. Called again,
// it builds the same round and stores nothing new.
func (m *Contests) ContestReview(ctx context.Context, in ContestReviewInput) (ContestReviewOutput, error) {
	c := in.Contest
	ideas, err := m.Store.Ideas(ctx, c.Year, postgres.IdeaFilter{Status: domain.IdeaEligible, Limit: 100000, Votes: true})
	if err != nil {
		return ContestReviewOutput{}, err
	}
	votes := func(i domain.Idea) int {
		if i.Votes == nil {
			return 0
		}
		return *i.Votes
	}
	slices.SortStableFunc(ideas, func(a, b domain.Idea) int { return cmp.Or(-cmp.Compare(votes(a), votes(b)), cmp.Compare(a.ID, b.ID)) })
	if n := c.Rules.Shortlist; n > 0 && len(ideas) > n {
		ideas = ideas[:n]
	}
	var at = c.Steps[len(c.Steps)-1].At
	r := domain.Round{ID: domain.RoundID(c.Programme.Code, c.Year), Programme: c.Programme, Year: c.Year, Parent: c.ID,
		StartedBy: c.StartedBy, StartedAt: at, Entries: []domain.Entry{}, Reviews: []domain.Review{}, Objections: []domain.Objection{}}
	out := ContestReviewOutput{}
	for i, idea := range ideas {
		cat, _ := c.Rules.Category(idea.Category)
		r.Entries = append(r.Entries, domain.Entry{ID: i + 1, Title: idea.Title, Unit: "公众 Public · " + cat.NameZH,
			Summary: strings.Join([]string{"【问题 Problem】" + idea.Problem, "【创意 Idea】" + idea.Proposal, "【预期效果 Expected effect】" + idea.Effect}, "\n\n"),
			Contact: "idea:" + strconv.FormatInt(idea.ID, 10), NominatedBy: domain.NominatorPublic, At: idea.SubmittedAt, Status: domain.EntryAccepted})
		out.Candidates = append(out.Candidates, domain.Candidate{Idea: idea.ID, Entry: i + 1, Title: idea.Title, Category: idea.Category, Votes: votes(idea)})
	}
	r.StepInto(domain.RoundNomination, at, c.StartedBy, "")
	r.StepInto(domain.RoundScreening, at, c.StartedBy, "")
	out.Round = r
	return out, m.Store.StartReviewRound(ctx, r)
}
