package seed

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"time"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
)

// The seed's own public consultation: in September 2018 the science and
// technology bureau (市科技局), drafting for the municipal government, put
// the draft of the four plans out for comments on the city's website. It
// is kept as a finished, archived record; the comments received then were
// not published with the page, so it carries none.

// ConsultationSlug is the seed consultation's slug.
const ConsultationSlug = "xiangtan-four-innovations-2018"

// consultationText is the notice and the four plans as the page gave
// them, cleaned of the text injected into it (see the file's header).
//
//go:embed consultation_2018.txt
var consultationText string

// The plans of the draft in their order, with the number of items each
// has.
var consultationPlans = []struct {
	key   string
	items int
}{{"science", 12}, {"product", 8}, {"culture", 10}, {"management", 6}}

// Consultation returns the seed's own consultation on the draft of the four plans, as a finished, archived record.
func Consultation() domain.Consultation {
	notice, sections := parseConsultation(consultationText)
	at := func(day, hour, minute int) time.Time {
		return time.Date(2018, time.September, day, hour, minute, 0, 0, calendar.Location)
	}
	opens, closes, due := at(26, 9, 27), at(29, 9, 27), at(29, 17, 30)
	c := domain.Consultation{
		ID:            domain.ConsultationID(ConsultationSlug),
		Slug:          ConsultationSlug,
		Title:         "《湘潭市推进科技创新产品创新文化创新管理创新常态化实施方案》(代拟稿)",
		Notice:        notice,
		Committee:     "science",
		Sections:      sections,
		OpensAt:       opens,
		ClosesAt:      closes,
		FeedbackDueAt: due,
		Contact: domain.ConsultationContact{
			Office: "市科技局办公室",
			Phone:  "0731-58570297",
			Fax:    "0731-58570300",
			// The page gives the e-mail address as "450455935@" with its
			// domain lost; it stays empty rather than a guessed domain.
			Email:    "",
			Address:  "湘潭市政府大楼1405-1号",
			Postcode: "411104",
		},
		// None: the page asked the public at large.
		Departments: nil,
		ReplyDays:   10,
		StartedBy:   "system",
		CreatedAt:   opens,
		Version:     1,
	}
	c.StepInto(domain.ConsultationScheduled, opens, "system", "")
	c.StepInto(domain.ConsultationOpen, opens, "system", "")
	c.StepInto(domain.ConsultationReplying, closes, "system", "")
	c.StepInto(domain.ConsultationArchived, due, "system",
		"2018年征求意见的存档记录；当年收到的意见未随原网页公布 Archived record of the 2018 consultation; the comments received then were not published with the page")
	c.Report = &domain.ConsultationReport{
		PublishedAt: due,
		By:          "system",
		Summary: "本记录为2018年征求意见的存档；当年收到的意见未随原网页公布，故各项计数为零。" +
			" This is the archived record of the 2018 consultation; the comments received then were not published with the page, so the counts are zero.",
	}
	return c
}

// parseConsultation reads the embedded text into the notice and the
// draft's sections: per plan its preamble (key "<plan>-0", headed by the
// plan's title) and then its items ("<plan>-<n>", headed by the item's
// first sentence). The text is part of the binary, so a malformed one is
// a programming error and panics.
func parseConsultation(text string) (string, []domain.DraftSection) {
	var (
		notice   []string
		sections []domain.DraftSection
		cur      *[]string // the paragraphs of the part being read
		body     []string
		plan     = -1
		item     int
	)
	flush := func() {
		if plan < 0 || body == nil {
			return
		}
		p := consultationPlans[plan]
		s := domain.DraftSection{Key: p.key + "-" + strconv.Itoa(item), Body: strings.Join(body, "\n")}
		if item == 0 {
			s.Heading = sections[len(sections)-1].Heading // set when the plan's header was read
			sections[len(sections)-1] = s
		} else {
			first, _, ok := strings.Cut(s.Body, "。")
			if !ok || first == "" {
				panic(fmt.Sprintf("seed: consultation item %s has no first sentence", s.Key))
			}
			s.Heading = first
			sections = append(sections, s)
		}
		body = nil
	}
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case line == "[notice]":
			cur = &notice
		case strings.HasPrefix(line, "["):
			flush()
			if plan >= 0 && item != consultationPlans[plan].items {
				panic(fmt.Sprintf("seed: consultation plan %s has %d items", consultationPlans[plan].key, item))
			}
			key, title, ok := strings.Cut(line[1:], "] ")
			plan++
			if !ok || plan >= len(consultationPlans) || key != consultationPlans[plan].key {
				panic("seed: unexpected consultation plan " + line)
			}
			item = 0
			sections = append(sections, domain.DraftSection{Key: key + "-0", Heading: title})
			cur = &body
		case plan >= 0 && numbered(line, item+1):
			flush()
			item++
			body = []string{line[len(strconv.Itoa(item))+1:]}
		case cur != nil:
			*cur = append(*cur, line)
		default:
			panic("seed: consultation text before its notice")
		}
	}
	flush()
	if plan != len(consultationPlans)-1 || item != consultationPlans[plan].items {
		panic("seed: consultation text ends early")
	}
	return strings.Join(notice, "\n"), sections
}

// numbered reports whether a line starts item n ("n.").
func numbered(line string, n int) bool {
	return strings.HasPrefix(line, strconv.Itoa(n)+".")
}
