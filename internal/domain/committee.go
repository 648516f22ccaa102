package domain

// Cadence is how often a committee meets.
type Cadence string

// Cadences of the plans: science, culture and management meet every half
// year by default; product meets as needed.
const (
	CadenceHalfYearly Cadence = "half-yearly"
	CadenceYearly     Cadence = "yearly"
	CadenceAsNeeded   Cadence = "as-needed"
)

// Valid reports whether c is a known cadence.
func (c Cadence) Valid() bool {
	return c == CadenceHalfYearly || c == CadenceYearly || c == CadenceAsNeeded
}

// ConvenerRank distinguishes the chief convener from the other conveners.
type ConvenerRank string

// Convener ranks.
const (
	RankChief    ConvenerRank = "chief"
	RankConvener ConvenerRank = "convener"
)

// Convener is a post that convenes a committee. The plans name posts, not
// people (市委副书记、市长), so the post's title is what is kept.
type Convener struct {
	Rank    ConvenerRank
	TitleZH string
	TitleEN string
}

// Title returns the post's title in a language.
func (c Convener) Title(lang string) string { return pick(lang, c.TitleZH, c.TitleEN) }

// Committee is a joint meeting (联席会议): conveners, an office (its
// secretariat) hosted by one organisation, member departments and a cadence.
type Committee struct {
	Code       Code
	NameZH     string
	NameEN     string
	PlanItem   string // where the plans set it up, e.g. "S12"
	Conveners  []Convener
	OfficeHost *Organisation // nil when the plans name none
	// OfficeDirector is the post that directs the office.
	OfficeDirectorZH string
	OfficeDirectorEN string
	Members          []Organisation
	Cadence          Cadence
	// MinPerYear is the least number of sittings a calendar year must have
	// (management: at least once a year); 0 for none.
	MinPerYear    int
	CadenceNoteZH string
	CadenceNoteEN string
	// AgendaLeadDays is how many working days before the planned meeting
	// month the cadence opens the agenda call; Settings are the working-day
	// spans of the committee's cycles (the defaults unless the office set
	// them). Both are the office's to change.
	AgendaLeadDays int
	Settings       CycleSettings
}

// Name returns the committee's name in a language.
func (c Committee) Name(lang string) string { return pick(lang, c.NameZH, c.NameEN) }

// OfficeDirector returns the office director's post in a language.
func (c Committee) OfficeDirector(lang string) string {
	return pick(lang, c.OfficeDirectorZH, c.OfficeDirectorEN)
}

// CadenceNote returns the cadence as the plans word it, in a language.
func (c Committee) CadenceNote(lang string) string {
	return pick(lang, c.CadenceNoteZH, c.CadenceNoteEN)
}

// HasMember reports whether an organisation sits on the committee.
func (c Committee) HasMember(code Code) bool {
	for _, m := range c.Members {
		if m.Code == code {
			return true
		}
	}
	return false
}

// Validate checks a committee's own fields (not its members' existence, which
// storage enforces).
func (c Committee) Validate() error {
	var v Validation
	v.Check(ValidCode(c.Code), "code", "validation.code", nil)
	checkName(&v, "name_zh", c.NameZH)
	checkName(&v, "name_en", c.NameEN)
	v.Check(c.Cadence.Valid(), "cadence", "validation.one_of", map[string]any{"values": "half-yearly, yearly, as-needed"})
	v.Check(c.MinPerYear >= 0 && c.MinPerYear <= 12, "min_per_year", "validation.range", map[string]any{"min": 0, "max": 12})
	seen := map[Code]bool{}
	for _, m := range c.Members {
		v.Check(!seen[m.Code], "members", "validation.duplicate", map[string]any{"value": m.Code})
		seen[m.Code] = true
	}
	return v.Err()
}
