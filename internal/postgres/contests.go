package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/jackc/pgx/v5/pgtype"

	"lianxi/internal/domain"
	"lianxi/internal/postgres/sqlcgen"
)

// StartContest stores a new contest with its first event and audit record,
// and runs start (which starts its workflow) before committing. A contest
// of the same year is a conflict and nothing is started.
func (s *Store) StartContest(ctx context.Context, c domain.Contest, rec domain.AuditRecord, start func() error) error {
	state, err := json.Marshal(c)
	if err != nil {
		return err
	}
	detail, _ := json.Marshal(map[string]any{"year": c.Year, "theme": c.Theme})
	return s.startProcess(ctx, c.ID, rec, domain.Conflict("error.contest_exists", map[string]any{"year": c.Year}), start,
		func(q *sqlcgen.Queries) (int64, error) {
			return q.InsertContest(ctx, sqlcgen.InsertContestParams{ID: c.ID, Year: int32(c.Year), CommitteeCode: c.Committee,
				Phase: string(c.Phase), VotesPerVoter: int32(c.Rules.VotesPerVoter), Version: int32(c.Version), StartedAt: tstz(c.StartedAt), State: state})
		},
		func(q *sqlcgen.Queries) error {
			_, err := q.InsertContestEvent(ctx, sqlcgen.InsertContestEventParams{ContestID: c.ID, At: tstz(c.StartedAt), Actor: c.StartedBy, Kind: "started", Detail: detail})
			return err
		})
}

// RecordContest stores a step of a contest: its event (once per key), the
// new snapshot (unless a newer one is stored) and the audit record.
func (s *Store) RecordContest(ctx context.Context, ch domain.ContestChange) error {
	c := ch.Contest
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
			return q.UpsertContest(ctx, sqlcgen.UpsertContestParams{ID: c.ID, Phase: string(c.Phase), Version: int32(c.Version), ClosedAt: tstz(c.ClosedAt), State: state})
		},
		func(q *sqlcgen.Queries) (int64, error) {
			return q.InsertContestEvent(ctx, sqlcgen.InsertContestEventParams{Key: ntext(ch.Key), ContestID: c.ID, At: tstz(ch.Event.At),
				Actor: ch.Event.Actor, Kind: ch.Event.Kind, Detail: detail})
		})
}

// GetContest returns a year's contest as last recorded.
func (s *Store) GetContest(ctx context.Context, year int) (domain.Contest, error) {
	row, err := s.q.GetContest(ctx, int32(year))
	if err != nil {
		return domain.Contest{}, notFound(err, "contest", strconv.Itoa(year))
	}
	var c domain.Contest
	return c, json.Unmarshal(row.State, &c)
}

// ListContests returns the contests, the latest year first.
func (s *Store) ListContests(ctx context.Context, limit int) ([]domain.Contest, error) {
	rows, err := s.q.ListContests(ctx, int32(limit))
	return statesOf[domain.Contest](rows, err, func(r sqlcgen.Contest) []byte { return r.State })
}

// ContestHistory returns a contest's events in order.
func (s *Store) ContestHistory(ctx context.Context, id string) ([]domain.CycleEvent, error) {
	rows, err := s.q.ListContestEvents(ctx, id)
	return eventsOf(rows, err, func(r sqlcgen.ContestEvent) (pgtype.Timestamptz, string, string, []byte) {
		return r.At, r.Actor, r.Kind, r.Detail
	})
}

// VerifyContestCode checks a code against the latest one sent to the
// contact in the contest (see verifyCode); a match returns the contact's
// voter with a new token (tokenHash) valid until expires.
func (s *Store) VerifyContestCode(ctx context.Context, year int, contact string, codeHash, tokenHash []byte, addr *netip.Addr, expires time.Time) (domain.Voter, error) {
	var v domain.Voter
	err := s.verifyCode(ctx, domain.ContestID(year), contact, codeHash, func(q *sqlcgen.Queries) error {
		row, err := q.UpsertContestVoter(ctx, sqlcgen.UpsertContestVoterParams{Year: int32(year), Contact: contact, TokenHash: tokenHash,
			ExpiresAt: tstz(expires), Address: addr})
		v = domain.Voter{ID: row.ID, Year: year, Contact: contact, VotesCast: int(row.VotesCast), ExpiresAt: expires}
		return err
	})
	return v, err
}

// ContestVoter returns the voter a token belongs to, while it is valid.
func (s *Store) ContestVoter(ctx context.Context, tokenHash []byte) (domain.Voter, error) {
	row, err := s.q.ContestVoterByToken(ctx, tokenHash)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Voter{}, domain.Unauthenticated()
	}
	return domain.Voter{ID: row.ID, Year: int(row.Year), Contact: row.Contact, VotesCast: int(row.VotesCast), ExpiresAt: row.ExpiresAt.Time}, err
}

// AddContestFile keeps a file a voter uploads for an idea.
func (s *Store) AddContestFile(ctx context.Context, voter domain.Voter, name, contentType string, sha []byte, data []byte) (int64, error) {
	row, err := s.q.InsertContestFile(ctx, sqlcgen.InsertContestFileParams{Year: int32(voter.Year), VoterID: voter.ID, Name: name,
		ContentType: contentType, Size: int32(len(data)), Sha256: sha, Data: data})
	return row.ID, classify(err)
}

// ContestFile returns a file attached to an idea.
func (s *Store) ContestFile(ctx context.Context, idea, id int64) (domain.Attachment, []byte, error) {
	row, err := s.q.GetContestFile(ctx, sqlcgen.GetContestFileParams{ID: id, IdeaID: pgInt8(idea)})
	if err != nil {
		return domain.Attachment{}, nil, notFound(err, "file", strconv.FormatInt(id, 10))
	}
	return domain.Attachment{ID: row.ID, Name: row.Name, ContentType: row.ContentType, Size: int(row.Size)}, row.Data, nil
}

// SubmitIdea stores an idea and takes its files, only while the contest
// takes submissions; files not the voter's own, or taken already, refuse
// the whole idea.
func (s *Store) SubmitIdea(ctx context.Context, voter domain.Voter, tracking string, in domain.NewIdea, addr *netip.Addr) (domain.Idea, error) {
	files := in.Attachments
	if files == nil {
		files = []int64{}
	}
	var out domain.Idea
	err := s.inTx(ctx, func(q *sqlcgen.Queries) error {
		row, err := q.InsertIdea(ctx, sqlcgen.InsertIdeaParams{Year: int32(voter.Year), TrackingCode: tracking, VoterID: voter.ID, Name: in.Name,
			Contact: voter.Contact, Category: in.Category, Title: in.Title, Problem: in.Problem, Proposal: in.Idea, Effect: in.Effect,
			Attachments: files, Address: addr})
		if errors.Is(err, pgx.ErrNoRows) {
			return domain.Conflict("error.contest_not_open", nil)
		}
		if err != nil {
			return err
		}
		if len(files) > 0 {
			n, err := q.ClaimContestFiles(ctx, sqlcgen.ClaimContestFilesParams{IdeaID: pgInt8(row.ID), Ids: files, VoterID: voter.ID})
			if err != nil {
				return err
			}
			if int(n) != len(files) {
				var v domain.Validation
				v.Add("attachments", "validation.idea_attachment", nil)
				return v.Err()
			}
		}
		out = domain.Idea{ID: row.ID, Year: voter.Year, TrackingCode: tracking, Name: in.Name, Contact: voter.Contact, Category: in.Category,
			Title: in.Title, Problem: in.Problem, Proposal: in.Idea, Effect: in.Effect, Attachments: files, Status: domain.IdeaSubmitted,
			SubmittedAt: row.SubmittedAt.Time}
		return nil
	})
	return out, err
}

func ideaFrom(r sqlcgen.ContestIdea) domain.Idea {
	return domain.Idea{ID: r.ID, Year: int(r.Year), TrackingCode: r.TrackingCode, Name: r.Name, Contact: r.Contact, Category: r.Category,
		Title: r.Title, Problem: r.Problem, Proposal: r.Proposal, Effect: r.Effect, Attachments: r.Attachments, Status: r.Status,
		Reason: r.Reason, MergedInto: r.MergedInto.Int64, SubmittedAt: r.SubmittedAt.Time}
}

// Idea returns one of a contest's ideas.
func (s *Store) Idea(ctx context.Context, year int, id int64) (domain.Idea, error) {
	row, err := s.q.GetIdea(ctx, sqlcgen.GetIdeaParams{Year: int32(year), ID: id})
	if err != nil {
		return domain.Idea{}, notFound(err, "idea", strconv.FormatInt(id, 10))
	}
	return ideaFrom(row), nil
}

// IdeaByTracking returns an idea by its tracking code.
func (s *Store) IdeaByTracking(ctx context.Context, code string) (domain.Idea, error) {
	row, err := s.q.GetIdeaByTracking(ctx, code)
	if err != nil {
		return domain.Idea{}, notFound(err, "idea", code)
	}
	return ideaFrom(row), nil
}

// IdeaFilter narrows a contest's ideas; empty fields match all. Votes
// asks for each idea's votes (counted only then).
type IdeaFilter struct {
	Status, Category, Text string
	Limit, Offset          int
	Votes                  bool
}

// Ideas returns a contest's ideas with their votes, in order of
// submission.
func (s *Store) Ideas(ctx context.Context, year int, f IdeaFilter) ([]domain.Idea, error) {
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	rows, err := s.q.ListIdeas(ctx, sqlcgen.ListIdeasParams{WithVotes: f.Votes, Year: int32(year), Status: f.Status, Category: f.Category, Q: f.Text,
		Lim: int32(f.Limit), Off: int32(f.Offset)})
	if err != nil {
		return nil, err
	}
	out := make([]domain.Idea, len(rows))
	for i, r := range rows {
		out[i] = ideaFrom(sqlcgen.ContestIdea{ID: r.ID, Year: r.Year, TrackingCode: r.TrackingCode, VoterID: r.VoterID, Name: r.Name,
			Contact: r.Contact, Category: r.Category, Title: r.Title, Problem: r.Problem, Proposal: r.Proposal, Effect: r.Effect,
			Attachments: r.Attachments, SubmittedAt: r.SubmittedAt, Status: r.Status, Reason: r.Reason, MergedInto: r.MergedInto})
		if f.Votes {
			votes := int(r.Votes)
			out[i].Votes = &votes
		}
	}
	return out, nil
}

// IdeaCounts are a contest's ideas by screening state.
type IdeaCounts struct{ Unscreened, Eligible, Total int }

// CountIdeas counts a contest's ideas.
func (s *Store) CountIdeas(ctx context.Context, year int) (IdeaCounts, error) {
	r, err := s.q.CountIdeas(ctx, int32(year))
	return IdeaCounts{Unscreened: int(r.Unscreened), Eligible: int(r.Eligible), Total: int(r.Total)}, err
}

// ScreenIdea records the office's decision on an idea, before the vote
// opens, with its audit record. An idea is merged only into another idea
// of the contest that is not itself out of the running; ideas merged into
// it follow it.
func (s *Store) ScreenIdea(ctx context.Context, year int, id int64, in domain.ScreenIdea, by string, rec domain.AuditRecord) (domain.Idea, error) {
	var out domain.Idea
	err := s.inTx(ctx, func(q *sqlcgen.Queries) error {
		var target int64
		if in.Decision == domain.IdeaMerged {
			t, err := q.GetIdea(ctx, sqlcgen.GetIdeaParams{Year: int32(year), ID: in.MergedInto})
			var v domain.Validation
			v.Check(err == nil && t.ID != id && (t.Status == domain.IdeaSubmitted || t.Status == domain.IdeaEligible), "merged_into",
				"validation.idea_merge_target", map[string]any{"value": in.MergedInto})
			if verr := v.Err(); verr != nil {
				return verr
			}
			target = t.ID
		}
		row, err := q.ScreenIdea(ctx, sqlcgen.ScreenIdeaParams{Status: in.Decision, Reason: in.Reason, MergedInto: pgInt8(target),
			ScreenedBy: ntext(by), Year: int32(year), ID: id})
		if errors.Is(err, pgx.ErrNoRows) {
			if _, gerr := q.GetIdea(ctx, sqlcgen.GetIdeaParams{Year: int32(year), ID: id}); gerr != nil {
				return notFound(gerr, "idea", strconv.FormatInt(id, 10))
			}
			return domain.Conflict("error.screening_closed", nil)
		}
		if err != nil {
			return err
		}
		if target != 0 {
			if err := q.RehomeMergedIdeas(ctx, sqlcgen.RehomeMergedIdeasParams{Target: pgInt8(target), Year: int32(year), ID: pgInt8(id)}); err != nil {
				return err
			}
		}
		out = ideaFrom(row)
		rec.Object = "idea:" + strconv.FormatInt(id, 10)
		return s.appendAudit(ctx, q, rec)
	})
	return out, err
}

// Why a vote is refused.
var (
	ErrVoteTwice = domain.Conflict("error.vote_twice", nil)
)

// Cast is a vote cast: the voter's votes so far and the contest's limit.
type Cast struct{ VotesCast, Limit int }

// CastVote records a vote for an idea by the voter whose token hashes to
// tokenHash, in one statement (see the CastVote query): below the
// contest's limit, while it is voting, for an eligible idea, once per
// idea. Refused, it says why: no valid voter (401), voting closed, no such
// idea, the limit reached, a vote twice.
func (s *Store) CastVote(ctx context.Context, year int, tokenHash []byte, idea int64, addr *netip.Addr) (Cast, error) {
	row, err := s.q.CastVote(ctx, sqlcgen.CastVoteParams{Year: int32(year), TokenHash: tokenHash, IdeaID: idea, Address: addr})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return Cast{}, ErrVoteTwice
	}
	if errors.Is(err, pgx.ErrNoRows) {
		why, werr := s.q.VoteRefusal(ctx, sqlcgen.VoteRefusalParams{Year: int32(year), IdeaID: idea, TokenHash: tokenHash})
		switch {
		case werr != nil:
			return Cast{}, werr
		case why.VotesCast < 0:
			return Cast{}, domain.Unauthenticated()
		case why.Phase != string(domain.ContestVoting):
			return Cast{}, domain.Conflict("error.voting_closed", map[string]any{"phase": why.Phase})
		case why.IdeaStatus != domain.IdeaEligible:
			return Cast{}, domain.NotFound("idea", strconv.FormatInt(idea, 10))
		default:
			return Cast{VotesCast: int(why.VotesCast), Limit: int(why.VotesPerVoter)}, domain.Conflict("error.vote_limit", map[string]any{"max": why.VotesPerVoter})
		}
	}
	return Cast{VotesCast: int(row.VotesCast), Limit: int(row.VotesPerVoter)}, classify(err)
}

// VotesOf returns a voter's votes in the order cast.
func (s *Store) VotesOf(ctx context.Context, voter int64) ([]domain.Vote, error) {
	rows, err := s.q.VotesOf(ctx, voter)
	out := make([]domain.Vote, len(rows))
	for i, r := range rows {
		out[i] = domain.Vote{Idea: r.IdeaID, At: r.At.Time}
	}
	return out, err
}

// Tally is an eligible idea's votes.
type Tally struct {
	Idea     int64
	Title    string
	Category string
	Votes    int
}

// Tallies returns the votes of a contest's eligible ideas, the most first.
func (s *Store) Tallies(ctx context.Context, year int) ([]Tally, error) {
	rows, err := s.q.Tallies(ctx, int32(year))
	out := make([]Tally, len(rows))
	for i, r := range rows {
		out[i] = Tally{Idea: r.ID, Title: r.Title, Category: r.Category, Votes: int(r.Votes)}
	}
	return out, err
}

// AnomalyThresholds are what counts as a burst in one window.
type AnomalyThresholds struct {
	Window                                    time.Duration
	VotesPerAddress, VotesPerSubnet, Contacts int
}

// VoteAnomalies finds the bursts of a contest's votes and verifications.
func (s *Store) VoteAnomalies(ctx context.Context, year int, t AnomalyThresholds) (domain.VoteAnomalies, error) {
	secs := int32(t.Window / time.Second)
	out := domain.VoteAnomalies{WindowMinutes: int(t.Window / time.Minute), AddressLimit: t.VotesPerAddress, SubnetLimit: t.VotesPerSubnet,
		FreshLimit: t.Contacts, AddressBursts: []domain.Burst{}, SubnetBursts: []domain.Burst{}, FreshContacts: []domain.Burst{}}
	// An address is a /32 (IPv4) or /128 (IPv6); a subnet a /24 or a /64.
	for _, b := range []struct {
		prefix, prefix6, threshold int
		into                       *[]domain.Burst
	}{{32, 128, t.VotesPerAddress, &out.AddressBursts}, {24, 64, t.VotesPerSubnet, &out.SubnetBursts}} {
		rows, err := s.q.AddressBursts(ctx, sqlcgen.AddressBurstsParams{Prefix: int32(b.prefix), Prefix6: int32(b.prefix6), WindowSeconds: secs,
			Year: int32(year), Threshold: int32(b.threshold)})
		if err != nil {
			return out, err
		}
		for _, r := range rows {
			*b.into = append(*b.into, domain.Burst{Source: r.Source, WindowStart: r.WindowStart.Time, Votes: int(r.Votes), Voters: int(r.Voters)})
		}
	}
	rows, err := s.q.FreshContactBursts(ctx, sqlcgen.FreshContactBurstsParams{Prefix: 24, Prefix6: 64, WindowSeconds: secs, Year: int32(year), Threshold: int32(t.Contacts)})
	for _, r := range rows {
		out.FreshContacts = append(out.FreshContacts, domain.Burst{Source: r.Source, WindowStart: r.WindowStart.Time, Voters: int(r.Voters)})
	}
	return out, err
}

// IdeaVotes counts an idea's votes.
func (s *Store) IdeaVotes(ctx context.Context, idea int64) (int, error) {
	n, err := s.q.IdeaVotes(ctx, idea)
	return int(n), err
}

// PurgeContests deletes what the public left behind: files uploaded for an
// idea never submitted, and one-time codes (of every process), both older
// than before.
func (s *Store) PurgeContests(ctx context.Context, before time.Time) (files, codes int64, err error) {
	if files, err = s.q.DeleteUnclaimedContestFiles(ctx, tstz(before)); err != nil {
		return 0, 0, err
	}
	codes, err = s.q.DeleteOldContactCodes(ctx, tstz(before))
	return files, codes, err
}
