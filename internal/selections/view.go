package selections

import (
	"slices"

	"lianxi/internal/domain"
)

// scoresOpen reports whether the round's scores may be shown to anyone
// but their expert: only once scoring has closed (the ranking is made
// then), so a round cancelled during scoring keeps them hidden.
func scoresOpen(r domain.Round) bool { return len(r.Ranking) > 0 }

// hideScores blanks every review's scores and comment, keeping whether it
// is done.
func hideScores(r *domain.Round, except string) {
	for i := range r.Reviews {
		if r.Reviews[i].Expert != except {
			r.Reviews[i].Scores, r.Reviews[i].Comment = nil, ""
		}
	}
}

// View returns the part of a round a user may see, and whether they may
// see it at all:
//   - the committee's office and administrators: everything, but nobody's
//     scores while scoring is open;
//   - the committee's conveners: the same;
//   - an expert with assignments: the entries assigned to them and their
//     own reviews, nothing of other experts;
//   - a department's people: their own department's nominations (and, once
//     announced, the results);
//   - anyone else signed in: what the public sees.
func View(u domain.User, r domain.Round) (domain.Round, bool) {
	r = r.Clone()
	c := r.Programme.Committee
	if u.IsAdmin() || u.HasFor(domain.RoleOffice, c) || u.HasFor(domain.RoleConvener, c) {
		if !scoresOpen(r) {
			hideScores(&r, "")
		}
		return r, true
	}
	if u.Has(domain.RoleExpert) && slices.ContainsFunc(r.Reviews, func(v domain.Review) bool { return v.Expert == u.Username }) {
		return expertView(u.Username, r), true
	}
	var mine []domain.Entry
	for _, e := range r.Entries {
		if e.Department != "" && domain.CanHandle(u, e.Department) {
			mine = append(mine, e)
		}
	}
	called := slices.ContainsFunc(r.Calls, func(t domain.NominationTask) bool { return domain.CanHandle(u, t.Department) })
	if len(mine) > 0 || called {
		out := PublicView(r)
		out.Entries = mergeEntries(out.Entries, mine)
		out.Calls = r.Calls
		return out, true
	}
	return PublicView(r), true
}

// expertView keeps an expert's own reviews and the entries they are
// assigned; the ranking only once announced.
func expertView(expert string, r domain.Round) domain.Round {
	var reviews []domain.Review
	var assigned []int
	for _, v := range r.Reviews {
		if v.Expert == expert {
			reviews = append(reviews, v)
			assigned = append(assigned, v.Entry)
		}
	}
	var entries []domain.Entry
	for _, e := range r.Entries {
		if slices.Contains(assigned, e.ID) {
			entries = append(entries, e)
		}
	}
	out := PublicView(r)
	out.Entries, out.Reviews = mergeEntries(out.Entries, entries), reviews
	return out
}

// mergeEntries adds the entries in more not already in base, in id order.
func mergeEntries(base, more []domain.Entry) []domain.Entry {
	for _, e := range more {
		if !slices.ContainsFunc(base, func(b domain.Entry) bool { return b.ID == e.ID }) {
			base = append(base, e)
		}
	}
	slices.SortFunc(base, func(a, b domain.Entry) int { return a.ID - b.ID })
	return base
}

// PublicView is what anyone may read: the programme, the phase and dates;
// during the notice the entries on the list (title and unit), and once
// announced the results with their ranking and the publicity list. No
// contacts, no experts, no scores, no objectors.
func PublicView(r domain.Round) domain.Round {
	out := domain.Round{ID: r.ID, Programme: r.Programme, Year: r.Year, Phase: r.Phase, Version: r.Version, StartedAt: r.StartedAt,
		NominationDue: r.NominationDue, NoticeEnds: r.NoticeEnds, Steps: r.Steps, ClosedAt: r.ClosedAt,
		Entries: []domain.Entry{}, Reviews: []domain.Review{}, Objections: []domain.Objection{}}
	if r.Phase == domain.RoundNotice || r.Phase == domain.RoundAnnouncing || r.Phase == domain.RoundAnnounced {
		out.Confirmed = r.Confirmed
		for _, e := range r.Entries {
			if slices.Contains(r.Confirmed, e.ID) {
				out.Entries = append(out.Entries, domain.Entry{ID: e.ID, Title: e.Title, Unit: e.Unit, Summary: e.Summary, Status: e.Status})
			}
		}
	}
	if r.Phase == domain.RoundAnnounced {
		out.Publicity = r.Publicity
		for _, x := range r.Ranking {
			if slices.Contains(r.Confirmed, x.Entry) {
				out.Ranking = append(out.Ranking, domain.Ranked{Entry: x.Entry, Rank: x.Rank, Score: x.Score})
			}
		}
	}
	return out
}
