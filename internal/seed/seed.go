// Package seed holds the organisations and joint meetings that the city's
// innovation plans set up (science S12, product P8, culture C10, management
// M6), as data that storage loads once into a new installation.
package seed

import "lianxi/internal/domain"

// Name identifies this seed set; storage records it so that it is applied
// once and later edits are never overwritten.
const Name = "plans-2018"

type org struct{ code, zh, en string }

// departments are the member departments of the plans, in the order the
// plans list them. Codes are stable; names are those of 2018.
var departments = []org{
	{"gov-office", "市政府办公室", "Municipal Government Office"},
	{"org-dept", "市委组织部", "Organisation Department of the CPC Municipal Committee"},
	{"publicity-dept", "市委宣传部", "Publicity Department of the CPC Municipal Committee"},
	{"reform-office", "市委改革办", "Reform Office of the CPC Municipal Committee"},
	{"policy-research", "市委政研室", "Policy Research Office of the CPC Municipal Committee"},
	{"cyberspace", "市委网信办", "Cyberspace Affairs Office of the CPC Municipal Committee"},
	{"drc", "市发改委", "Development and Reform Commission"},
	{"eit", "市经信委", "Economy and Information Technology Commission"},
	{"education", "市教育局", "Education Bureau"},
	{"sci-tech", "市科技局", "Science and Technology Bureau"},
	{"finance", "市财政局", "Finance Bureau"},
	{"hrss", "市人力资源社会保障局", "Human Resources and Social Security Bureau"},
	{"land", "市国土资源局", "Land and Resources Bureau"},
	{"environment", "市环保局", "Environmental Protection Bureau"},
	{"housing", "市住建局", "Housing and Urban-Rural Development Bureau"},
	{"transport", "市交通局", "Transport Bureau"},
	{"tax", "市税务局", "Taxation Bureau"},
	{"water", "市水务局", "Water Affairs Bureau"},
	{"agriculture", "市农委", "Agriculture Commission"},
	{"forestry", "市林业局", "Forestry Bureau"},
	{"commerce", "市商务局", "Commerce Bureau"},
	{"health", "市卫生计生委", "Health and Family Planning Commission"},
	{"audit", "市审计局", "Audit Bureau"},
	{"tourism", "市旅游外侨局", "Tourism and Foreign Affairs Bureau"},
	{"sasac", "市国资委", "State-owned Assets Supervision and Administration Commission"},
	{"quality", "市质监局", "Quality and Technical Supervision Bureau"},
	{"work-safety", "市安监局", "Work Safety Bureau"},
	{"statistics", "市统计局", "Statistics Bureau"},
	{"legal", "市法制办", "Legal Affairs Office"},
	{"financial-affairs", "市经金局", "Economic and Financial Affairs Bureau"},
	{"sci-assoc", "市科协", "Association for Science and Technology"},
	{"culture-bureau", "市文体广新局", "Culture, Sports, Radio, Television and Press Bureau"},
	{"civil-affairs", "市民政局", "Civil Affairs Bureau"},
	{"fed-commerce", "市工商联", "Federation of Industry and Commerce"},
	{"culture-soe", "市管国有文化企业", "Municipal State-owned Cultural Enterprises"},
}

// others are bodies the plans name as hosts or participants of programmes
// without a seat on a committee.
var others = []org{
	{"xiangtan-daily", "湘潭日报社", "Xiangtan Daily"},
	{"xiangtan-radio-tv", "湘潭广播电视台", "Xiangtan Radio and Television"},
	{"zhaoshan", "昭山示范区", "Zhaoshan Demonstration Zone"},
	{"mao-memorial", "韶山毛泽东同志纪念馆", "Comrade Mao Zedong Memorial Hall, Shaoshan"},
	{"qi-baishi-memorial", "齐白石纪念馆", "Qi Baishi Memorial Hall"},
	{"peng-dehuai-memorial", "彭德怀纪念馆", "Peng Dehuai Memorial Hall"},
	{"xiangtan-museum", "湘潭市博物馆", "Xiangtan Museum"},
}

// Organisations returns every organisation of the plans, departments first.
func Organisations() []domain.Organisation {
	out := make([]domain.Organisation, 0, len(departments)+len(others))
	for _, o := range departments {
		out = append(out, domain.Organisation{Code: o.code, NameZH: o.zh, NameEN: o.en, Kind: domain.OrgDepartment})
	}
	for _, o := range others {
		out = append(out, domain.Organisation{Code: o.code, NameZH: o.zh, NameEN: o.en, Kind: domain.OrgOther})
	}
	return out
}

// scienceMembers is S12's member list, in its order.
var scienceMembers = []string{
	"gov-office", "org-dept", "publicity-dept", "reform-office", "drc", "eit", "education", "sci-tech",
	"finance", "hrss", "land", "environment", "housing", "transport", "tax", "water", "agriculture",
	"forestry", "commerce", "health", "audit", "tourism", "sasac", "quality", "work-safety",
	"statistics", "legal", "financial-affairs", "sci-assoc",
}

// cultureMembers is C10's member list, in its order.
var cultureMembers = []string{
	"gov-office", "publicity-dept", "policy-research", "cyberspace", "drc", "sci-tech", "eit",
	"finance", "land", "culture-bureau", "tax", "culture-soe",
}

// managementMembers is M6's member list, in its order.
var managementMembers = []string{
	"org-dept", "publicity-dept", "reform-office", "education", "sci-tech", "eit", "finance",
	"civil-affairs", "health", "sasac", "fed-commerce",
}

const (
	halfYearZH = "原则上每半年召开一次"
	halfYearEN = "every half year in principle"
)

// Committees returns the four joint meetings. Members and office hosts carry
// only their codes; storage resolves them.
func Committees() []domain.Committee {
	ref := func(codes ...string) []domain.Organisation {
		out := make([]domain.Organisation, len(codes))
		for i, c := range codes {
			out[i] = domain.Organisation{Code: c}
		}
		return out
	}
	host := func(code string) *domain.Organisation { return &domain.Organisation{Code: code} }
	return []domain.Committee{
		{
			Code: "science", PlanItem: "S12",
			NameZH: "市科技创新工作联席会议", NameEN: "Joint Meeting on Science and Technology Innovation",
			Conveners: []domain.Convener{
				{Rank: domain.RankChief, TitleZH: "市委副书记、市长", TitleEN: "Deputy Secretary of the CPC Municipal Committee and Mayor"},
				{Rank: domain.RankConvener, TitleZH: "分管副市长", TitleEN: "Vice Mayor in charge"},
			},
			OfficeHost:       host("sci-tech"),
			OfficeDirectorZH: "市科技局主要负责人", OfficeDirectorEN: "Head of the Science and Technology Bureau",
			Members: ref(scienceMembers...),
			Cadence: domain.CadenceHalfYearly, CadenceNoteZH: halfYearZH, CadenceNoteEN: halfYearEN,
		},
		{
			Code: "product", PlanItem: "P8",
			NameZH: "产品创新工作调度联席会", NameEN: "Joint Meeting on Product Innovation",
			// The plan names no conveners, office or members; product work is
			// industrial, so the economy and IT commission hosts the office until
			// the office is configured otherwise.
			OfficeHost:    host("eit"),
			Cadence:       domain.CadenceAsNeeded,
			CadenceNoteZH: "根据推进工作适时召开", CadenceNoteEN: "held as the work requires",
		},
		{
			Code: "culture", PlanItem: "C10",
			NameZH: "市文化创新工作联席会议", NameEN: "Joint Meeting on Cultural Innovation",
			Conveners: []domain.Convener{
				{Rank: domain.RankConvener, TitleZH: "市委常委、市委宣传部部长", TitleEN: "Member of the Standing Committee of the CPC Municipal Committee and Head of the Publicity Department"},
				{Rank: domain.RankConvener, TitleZH: "市人民政府分管副市长", TitleEN: "Vice Mayor in charge"},
			},
			OfficeHost:       host("publicity-dept"),
			OfficeDirectorZH: "市委宣传部分管负责人", OfficeDirectorEN: "Deputy Head in charge, Publicity Department",
			Members:       ref(cultureMembers...),
			Cadence:       domain.CadenceHalfYearly,
			CadenceNoteZH: halfYearZH + ",可与市文化体制改革专项小组会议套开",
			CadenceNoteEN: halfYearEN + "; may sit together with the cultural system reform group",
		},
		{
			Code: "management", PlanItem: "M6",
			NameZH: "市管理创新工作联席会议", NameEN: "Joint Meeting on Management Innovation",
			Conveners: []domain.Convener{
				{Rank: domain.RankConvener, TitleZH: "市委常委、市委秘书长、市委改革办主任", TitleEN: "Member of the Standing Committee, Secretary-General of the CPC Municipal Committee and Director of the Reform Office"},
			},
			OfficeHost:       host("reform-office"),
			OfficeDirectorZH: "市委改革办专职副主任", OfficeDirectorEN: "Full-time Deputy Director of the Reform Office",
			Members:       ref(managementMembers...),
			Cadence:       domain.CadenceHalfYearly,
			MinPerYear:    1,
			CadenceNoteZH: "根据工作需要适时召开,每年至少召开一次", CadenceNoteEN: "as needed, at least once a year",
		},
	}
}
