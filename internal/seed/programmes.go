package seed

import "lianxi/internal/domain"

// The selection programmes (评选) of the plans that share one shape — call,
// screening, expert review, confirmation, public notice, announcement —
// with their criteria and quotas. Storage loads version 1 of each one that
// is missing (postgres.Store.LoadProgrammes); administrators edit them
// afterwards as new versions, which a restart never undoes.

// Spans of a round, in working days, unless a programme says otherwise:
// a three-week call, a week each for screening and for revising a
// returned entry, two weeks of expert scoring and the customary five
// working days of public notice (公示).
const (
	nominationDays = 15
	screeningDays  = 5
	revisionDays   = 5
	scoringDays    = 10
	noticeDays     = 5
)

// Five reviewers per entry: enough for a trimmed mean (the highest and the
// lowest total dropped) to still average three.
const reviewers = 5

const (
	fairZH = "坚持公开、公平、公正,择优推选。"
	fairEN = "Open, fair and impartial; the best are chosen."
)

// crit is a criterion on the 0–100 scale.
func crit(code, zh, en string, weight float64) domain.Criterion {
	return domain.Criterion{Code: code, NameZH: zh, NameEN: en, Weight: weight, Max: 100}
}

// yearly is a yearly programme with the usual spans and review; callers
// fill in what differs.
func yearly(code, planItem, zh, en, owner, committee string, quota int, criteria ...domain.Criterion) domain.Programme {
	return domain.Programme{
		Code: code, PlanItem: planItem, NameZH: zh, NameEN: en, Owner: owner, Committee: committee,
		EveryYears: 1, Quota: quota, Criteria: criteria,
		PrincipleZH: fairZH, PrincipleEN: fairEN,
		Nominators:     []string{domain.NominatorDepartments, domain.NominatorUnits},
		NominationDays: nominationDays, ScreeningDays: screeningDays, RevisionDays: revisionDays,
		ScoringDays: scoringDays, NoticeDays: noticeDays,
		ReviewersPerEntry: reviewers, Aggregation: domain.AggregateTrimmedMean, TieRule: domain.TieByCriteria,
	}
}

// Programmes returns the selection programmes of the plans: M1, the four
// "top ten" lists of S2, C8 and the product lists of P4–P7. Owners and
// committees are codes of Organisations and Committees.
func Programmes() []domain.Programme {
	// M1: the management plan names the guides (创新性、实效性、操作性), the
	// principle and the standard; the weights are ours, innovativeness first
	// as the programme's point.
	m1 := yearly("management-cases", "M1", "管理创新优秀案例推选", "Outstanding Management Innovation Cases",
		"reform-office", "management", 10,
		crit("innovativeness", "创新性", "Innovativeness", 40),
		crit("effectiveness", "实效性", "Effectiveness", 35),
		crit("operability", "操作性", "Operability", 25))
	m1.PrincipleZH = "以“可复制、可推广、彰显湘潭特色”为原则;以“在全市乃至全省、全国有较大影响、产生良好社会效应”为标准。"
	m1.PrincipleEN = "Replicable, scalable and showing Xiangtan's character; the standard is a wide influence in the city, the province " +
		"or the country, and a good social effect."

	// S2: the science plan's four "top ten" lists (its words: 十大科技创新
	// 龙头企业、十大知识产权优势企业、十大科技创新项目、十大重点专利转化项目).
	s2 := []domain.Programme{
		yearly("leading-innovative-enterprises", "S2", "创新型领军企业", "Leading Innovative Enterprises",
			"sci-tech", "science", 10,
			crit("rd_investment", "研发投入", "R&D investment", 30),
			crit("innovation_capacity", "创新能力与研发平台", "Innovation capacity and R&D platforms", 25),
			crit("ip_output", "知识产权与科技成果", "Intellectual property and results", 20),
			crit("growth", "经营业绩与成长性", "Business performance and growth", 25)),
		yearly("ip-advantage-enterprises", "S2", "知识产权优势企业", "Enterprises with an Intellectual Property Advantage",
			"sci-tech", "science", 10,
			crit("ip_portfolio", "知识产权数量与质量", "Quantity and quality of intellectual property", 35),
			crit("ip_management", "知识产权管理体系", "Intellectual property management", 20),
			crit("ip_use", "知识产权运用与效益", "Use of intellectual property and its returns", 30),
			crit("ip_protection", "知识产权保护", "Protection of intellectual property", 15)),
		yearly("innovation-projects", "S2", "科技创新项目", "Science and Technology Innovation Projects",
			"sci-tech", "science", 10,
			crit("novelty", "技术创新性", "Technical novelty", 35),
			crit("technical_level", "技术先进性", "Technical level", 25),
			crit("economic_benefit", "经济效益", "Economic benefit", 25),
			crit("social_benefit", "社会效益与带动作用", "Social benefit and spill-over", 15)),
		yearly("patent-transformation-projects", "S2", "专利转化项目", "Patent Transformation Projects",
			"sci-tech", "science", 10,
			crit("patent_quality", "专利技术水平", "Technical level of the patent", 30),
			crit("implementation", "转化实施程度", "Degree of implementation", 25),
			crit("economic_benefit", "经济效益", "Economic benefit", 30),
			crit("prospects", "推广应用前景", "Prospects for wider use", 15)),
	}

	// C8: the culture plan's honour, every three years (每三年组织“湘潭市
	// 文化名人”评选活动). The plan names no number. Ten a round — about
	// three a year — keeps the title rare in a city of under three million
	// while leaving room for each field (letters, fine arts, performing arts,
	// heritage, the press) to be represented; a weaker field is not filled to
	// make up the count, since the quota is an upper bound.
	c8 := yearly("cultural-celebrities", "C8", "湘潭市文化名人", "Xiangtan Cultural Celebrities",
		"publicity-dept", "culture", 10,
		crit("achievement", "艺术(学术)成就", "Artistic or scholarly achievement", 40),
		crit("influence", "社会影响", "Influence", 25),
		crit("contribution", "对湘潭文化的贡献", "Contribution to Xiangtan's culture", 25),
		crit("conduct", "德艺双馨", "Integrity and conduct", 10))
	c8.EveryYears = 3
	c8.PrincipleZH = "德艺双馨、成就突出、影响广泛,对湘潭文化事业和文化产业发展作出突出贡献。"
	c8.PrincipleEN = "Integrity and artistry, outstanding achievement and wide influence, with a marked contribution to Xiangtan's " +
		"culture and cultural industry."
	// A title for life deserves a wider panel and more time to read.
	c8.ReviewersPerEntry = 7
	c8.ScoringDays = 15

	// P4–P7: the product plan's yearly lists. Enterprises apply through
	// their county, district or park (units); the product meeting has no
	// member departments to nominate.
	product := func(code, item, zh, en string, quota int, criteria ...domain.Criterion) domain.Programme {
		p := yearly(code, item, zh, en, "eit", "product", quota, criteria...)
		p.Nominators = []string{domain.NominatorUnits}
		return p
	}
	p := []domain.Programme{
		// P4: led by enterprises with provincial or national platforms or a
		// strong R&D capacity.
		product("new-product-rd", "P4", "重点新产品研发项目", "Key New Product R&D Projects", 10,
			crit("novelty", "产品创新性", "Novelty of the product", 30),
			crit("technical_level", "技术水平", "Technical level", 25),
			crit("rd_capacity", "研发能力与平台", "R&D capacity and platforms", 15),
			crit("market", "市场前景与经济效益", "Market prospects and economic benefit", 30)),
		// P4: carried out by small and medium enterprises with a strong need
		// to innovate.
		product("product-patent-transformation", "P4", "重点专利技术实施转化和产业化项目", "Patent Transformation and Industrialisation Projects", 10,
			crit("patent_quality", "专利技术水平", "Technical level of the patent", 30),
			crit("industrialisation", "转化和产业化程度", "Degree of transformation and industrialisation", 30),
			crit("economic_benefit", "经济效益", "Economic benefit", 25),
			crit("need", "企业创新需求", "The enterprise's need to innovate", 15)),
		// P5: 每年支持3-5家 — five places, fewer when fewer deserve one.
		product("technical-centres", "P5", "市级企业技术中心", "Municipal Enterprise Technical Centres", 5,
			crit("rd_investment", "研发投入", "R&D investment", 25),
			crit("team", "研发队伍", "R&D team", 25),
			crit("facilities", "研发条件与设施", "R&D conditions and facilities", 20),
			crit("results", "创新成果", "Innovation results", 30)),
		product("first-major-equipment", "P6", "首台(套)重大装备及关键部件", "First-of-a-kind Major Equipment and Key Components", 10,
			crit("innovation", "技术创新性", "Technical innovation", 35),
			crit("performance", "主要性能指标", "Main performance indicators", 25),
			crit("substitution", "进口替代与产业带动", "Import substitution and industrial pull", 20),
			crit("market", "市场应用前景", "Market prospects", 20)),
		product("new-material-products", "P6", "重点新材料产品", "Key New Material Products", 10,
			crit("innovation", "技术创新性", "Technical innovation", 35),
			crit("performance", "性能指标", "Performance indicators", 25),
			crit("industrialisation", "产业化水平", "Level of industrialisation", 20),
			crit("market", "市场应用前景", "Market prospects", 20)),
		// P7: 每年培育3-4家“湖南省工业品牌培育试点企业”.
		product("brand-pilots", "P7", "工业品牌培育试点企业", "Industrial Brand Cultivation Pilot Enterprises", 4,
			crit("quality", "质量管理水平", "Quality management", 30),
			crit("brand_strategy", "品牌战略与管理", "Brand strategy and management", 25),
			crit("standards", "标准制定与技术创新", "Standards and technical innovation", 20),
			crit("reputation", "市场认可度与美誉度", "Market recognition and reputation", 25)),
	}

	// M2: the Lotus City idea contest's expert review (专家评选). The
	// contest's workflow starts its rounds with the ideas the public voted
	// for; the weights follow the contest's theme, 服务发展,助推改革.
	m2 := yearly(domain.ContestProgramme, "M2", "“莲城创意”大赛专家评审", "Lotus City Idea Contest: Expert Review",
		"reform-office", "management", 19,
		crit("innovation", "创新性", "Innovativeness", 35),
		crit("feasibility", "可行性", "Feasibility", 35),
		crit("benefit", "预期效益", "Expected benefit", 30))
	m2.Nominators = []string{domain.NominatorPublic}

	// C5: the culture plan's key literary and artistic projects (文艺精品);
	// applications come from units (troupes, associations, memorial halls,
	// companies, counties), the expert review feeds the planning seminar.
	c5 := yearly(domain.MasterpieceProgramme, "C5", "文艺精品创作生产项目评审", "Cultural Masterpiece Projects: Expert Review",
		"publicity-dept", "culture", 10,
		crit("artistic_merit", "艺术价值", "Artistic merit", 35),
		crit("theme", "思想主题", "Theme and orientation", 25),
		crit("feasibility", "可行性", "Feasibility", 20),
		crit("local_character", "湘潭特色", "Local character", 20))
	c5.Nominators = []string{domain.NominatorUnits}

	out := []domain.Programme{m1, m2, c5}
	out = append(out, s2...)
	out = append(out, c8)
	return append(out, p...)
}
