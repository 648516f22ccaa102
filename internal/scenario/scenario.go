// Package scenario plays a whole joint-meeting cycle through Lianxi's HTTP
// API, as the people in it would: the office starts the cycle, the member
// departments answer the agenda call, the office compiles the agenda, the
// convener approves it, the office sends the notice and records the
// meeting, the lead departments report their results and the office
// accepts them until the cycle closes.
//
// `lianxi demo` plays it for a newcomer to watch, the benchmarks time it,
// and the workflow replay tests record the histories it leaves.
package scenario

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"lianxi/internal/domain"
)

// Text is a message in Chinese with its English.
type Text struct{ ZH, EN string }

// String renders the Chinese with the English in brackets.
func (t Text) String() string { return t.ZH + " (" + t.EN + ")" }

// Cycle is a cycle as the API shows it.
type Cycle struct {
	domain.Cycle
	WaitingFor string   `json:"waiting_for"`
	WaitingOn  []string `json:"waiting_on"`
	Missing    []string `json:"missing"`
}

// People are who act in a cycle: the committee's office, one of its
// conveners and a liaison of every member department, all with one
// password.
type People struct {
	Office, Convener string
	Liaison          func(department domain.Code) string
	Password         string
}

// Config says where a cycle is played and by whom.
type Config struct {
	URL       string // e.g. http://127.0.0.1:8080
	Committee domain.Code
	People    People
	// Narrate, when set, is told every step, one at a time, with the cycle
	// as it stands after the step.
	Narrate func(Step)
	// Poll is how often a wait reads the cycle; default 50ms.
	Poll time.Duration
	// Wait bounds each wait for the cycle; default 2 minutes.
	Wait time.Duration
}

// Step is one thing that happened in a cycle: who acted, what they did,
// and where the cycle stands after it.
type Step struct {
	Actor, Did     Text
	Phase, Waiting Text
	Cycle          Cycle
}

// Plan varies a cycle.
type Plan struct {
	Period domain.Period
	// Silent departments never answer the agenda call: the office closes
	// the call without them, and their agenda tasks are withdrawn.
	Silent []domain.Code
	// Returns: the convener returns the agenda once, and the office the
	// first result once, before approving and accepting them.
	Returns bool
	// CarryOver: the last decision is carried over to the next cycle
	// instead of being done.
	CarryOver bool
}

// Player plays cycles of one committee with its people signed in.
type Player struct {
	cfg              Config
	committee        committeeJSON
	office, convener *Session
	liaisons         map[domain.Code]*Session
	mu               sync.Mutex // one narration at a time
}

type orgJSON struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
}

type committeeJSON struct {
	Code    string                  `json:"code"`
	NameZH  string                  `json:"name_zh"`
	NameEN  string                  `json:"name_en"`
	Office  struct{ Host *orgJSON } `json:"office"`
	Members []orgJSON               `json:"members"`
}

// New signs the committee's people in.
func New(ctx context.Context, cfg Config) (*Player, error) {
	if cfg.Poll <= 0 {
		cfg.Poll = 50 * time.Millisecond
	}
	if cfg.Wait <= 0 {
		cfg.Wait = 2 * time.Minute
	}
	p := &Player{cfg: cfg, liaisons: map[domain.Code]*Session{}}
	pw := cfg.People.Password
	var err error
	if p.office, err = SignIn(ctx, cfg.URL, cfg.People.Office, pw); err != nil {
		return nil, err
	}
	if err := p.office.Call(ctx, http.MethodGet, "/api/v1/committees/"+cfg.Committee, nil, &p.committee); err != nil {
		return nil, err
	}
	if p.convener, err = SignIn(ctx, cfg.URL, cfg.People.Convener, pw); err != nil {
		return nil, err
	}
	var mu sync.Mutex
	err = each(ctx, p.committee.Members, func(ctx context.Context, m orgJSON) error {
		s, err := SignIn(ctx, cfg.URL, cfg.People.Liaison(m.Code), pw)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		p.liaisons[m.Code] = s
		return nil
	})
	return p, err
}

// each runs fn for every element, a few at a time, and returns their
// errors joined.
func each[T any](ctx context.Context, xs []T, fn func(context.Context, T) error) error {
	sem := make(chan struct{}, 4)
	errs := make([]error, len(xs))
	var wg sync.WaitGroup
	for i, x := range xs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = fn(ctx, x)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func cyclePath(id string) string { return "/api/v1/cycles/" + id }

// step is one stage of a cycle: it acts and returns the cycle after.
type step func(ctx context.Context, plan Plan, c Cycle) (Cycle, error)

// Run plays a whole cycle for a period and returns it closed.
func (p *Player) Run(ctx context.Context, plan Plan) (Cycle, error) {
	c, err := p.Open(ctx, plan.Period)
	for _, next := range []step{p.answerAgendaCall, p.compile, p.approve, p.notice, p.record, p.followUp} {
		if err != nil {
			break
		}
		c, err = next(ctx, plan, c)
	}
	return c, err
}

// Open starts the committee's cycle for a period, as the office, and
// waits for its agenda tasks to open.
func (p *Player) Open(ctx context.Context, period domain.Period) (Cycle, error) {
	var c Cycle
	if err := p.office.Call(ctx, http.MethodPost, "/api/v1/committees/"+p.cfg.Committee+"/cycles", map[string]any{"period": period}, &c); err != nil {
		return c, err
	}
	p.tell(p.officeText(), Text{"启动 " + string(period) + " 会议周期", "started the " + string(period) + " cycle"}, c)
	c, err := p.await(ctx, c.ID, "open its agenda tasks", func(c Cycle) bool {
		return !slices.ContainsFunc(c.Submissions, func(s domain.Submission) bool { return s.TaskID == 0 })
	})
	if err != nil {
		return c, err
	}
	n := strconv.Itoa(len(c.Submissions))
	p.tell(systemText, Text{"向 " + n + " 个成员单位发出议题征集任务", "sent agenda-call tasks to " + n + " member departments"}, c)
	return c, nil
}

// agendaItems are what departments propose in the script; the others have
// no items this time.
var agendaItems = map[domain.Code][]string{
	"finance":   {"科技金融改革试点", "设立科技成果转化基金"},
	"tax":       {"研发费用加计扣除政策落实"},
	"education": {"高校科技成果转化"},
}

// SubmitAgenda submits a department's answer to the agenda call on its
// task: its items in the script, or none.
func (p *Player) SubmitAgenda(ctx context.Context, dept domain.Code, task int64) error {
	values := map[string]any{"no_items": true}
	if titles := agendaItems[dept]; len(titles) > 0 {
		items := make([]map[string]string, len(titles))
		for i, t := range titles {
			items[i] = map[string]string{"title": t, "summary": "情况说明", "decision_requested": "请会议研究决定"}
		}
		values = map[string]any{"items": items}
	}
	return p.submitTask(ctx, dept, task, values)
}

func (p *Player) submitTask(ctx context.Context, dept domain.Code, task int64, values map[string]any) error {
	s := p.liaisons[dept]
	if s == nil {
		return fmt.Errorf("no liaison of %s signed in", dept)
	}
	return s.Call(ctx, http.MethodPost, "/api/v1/tasks/"+strconv.FormatInt(task, 10)+"/submit", map[string]any{"values": values}, nil)
}

// answerAgendaCall has every department but the silent ones answer at
// once; the call closes by itself when all have, else the office closes it.
func (p *Player) answerAgendaCall(ctx context.Context, plan Plan, c Cycle) (Cycle, error) {
	var answering []domain.Submission
	for _, s := range c.Submissions {
		if !slices.Contains(plan.Silent, s.Department) {
			answering = append(answering, s)
		}
	}
	var none atomic.Int32
	err := each(ctx, answering, func(ctx context.Context, s domain.Submission) error {
		if err := p.SubmitAgenda(ctx, s.Department, s.TaskID); err != nil {
			return err
		}
		n := len(agendaItems[s.Department])
		if n == 0 {
			none.Add(1)
			return nil
		}
		p.tellWhen(ctx, c.ID, p.memberText(s.Department), Text{fmt.Sprintf("报送议题 %d 项", n), fmt.Sprintf("submitted %d agenda item(s)", n)}, func(c Cycle) bool {
			return c.Phase != domain.PhaseAgendaCall || submission(c, s.Department).State != domain.SubmissionPending
		})
		return nil
	})
	if err != nil {
		return c, err
	}
	if n := none.Load(); n > 0 {
		p.tellWhen(ctx, c.ID, Text{fmt.Sprintf("其余 %d 个成员单位", n), fmt.Sprintf("the other %d departments", n)},
			Text{"报送“本次无议题”", "declared no items this time"}, func(Cycle) bool { return true })
	}
	if len(plan.Silent) == 0 {
		c, err = p.await(ctx, c.ID, "close its agenda call", func(c Cycle) bool { return c.Phase != domain.PhaseAgendaCall })
		if err == nil {
			p.tell(systemText, Text{"全部成员单位已答复，议题征集自动截止", "every department answered, so the agenda call closed by itself"}, c)
		}
		return c, err
	}
	c, err = p.await(ctx, c.ID, "take every answer", func(c Cycle) bool { return len(c.WaitingOn) == len(plan.Silent) })
	if err != nil {
		return c, err
	}
	if err := p.office.Call(ctx, http.MethodPost, cyclePath(c.ID)+"/close-agenda-call", map[string]string{"note": "按期截止"}, &c); err != nil {
		return c, err
	}
	p.tell(p.officeText(), Text{fmt.Sprintf("截止议题征集；%d 个单位未报送，其任务撤回", len(plan.Silent)),
		fmt.Sprintf("closed the agenda call; the tasks of the %d department(s) that did not answer were withdrawn", len(plan.Silent))}, c)
	return c, nil
}

func submission(c Cycle, dept domain.Code) domain.Submission {
	for _, s := range c.Submissions {
		if s.Department == dept {
			return s
		}
	}
	return domain.Submission{}
}

// compile puts every proposed item on the agenda; with Returns the
// convener sends it back once and the office puts it in reverse order.
func (p *Player) compile(ctx context.Context, plan Plan, c Cycle) (Cycle, error) {
	var order []int
	for _, it := range c.Items {
		if it.Status == domain.ItemProposed {
			order = append(order, it.ID)
		}
	}
	path := cyclePath(c.ID)
	compile := func(order []int) error {
		if err := p.office.Call(ctx, http.MethodPost, path+"/compile", map[string]any{"order": order}, &c); err != nil {
			return err
		}
		n := strconv.Itoa(len(order))
		p.tell(p.officeText(), Text{"汇编议题 " + n + " 项，报召集人审定", "compiled " + n + " items into the agenda for the convener"}, c)
		return nil
	}
	if err := compile(order); err != nil || !plan.Returns {
		return c, err
	}
	if err := p.convener.Call(ctx, http.MethodPost, path+"/return", map[string]string{"comments": "请调整议题顺序"}, &c); err != nil {
		return c, err
	}
	p.tell(convenerText, Text{"退回议程：请调整议题顺序", "returned the agenda: change the order"}, c)
	slices.Reverse(order)
	return c, compile(order)
}

func (p *Player) approve(ctx context.Context, _ Plan, c Cycle) (Cycle, error) {
	if err := p.convener.Call(ctx, http.MethodPost, cyclePath(c.ID)+"/approve", map[string]string{"note": "同意"}, &c); err != nil {
		return c, err
	}
	p.tell(convenerText, Text{"审定议程", "approved the agenda"}, c)
	return c, nil
}

// attendees are who answer the notice in the script.
var attendees = []struct {
	dept   domain.Code
	values map[string]any
	did    Text
}{
	{"finance", map[string]any{"answer": "attend", "name": "李明", "post": "局长"}, Text{"回执：局长李明参会", "will attend: Li Ming, director"}},
	{"sci-tech", map[string]any{"answer": "leave", "delegate_name": "赵强", "delegate_post": "副局长"}, Text{"回执：请假，委托副局长赵强参会", "on leave; deputy director Zhao Qiang attends instead"}},
}

// notice sets the meeting ten days ahead; the script's attendees answer.
func (p *Player) notice(ctx context.Context, _ Plan, c Cycle) (Cycle, error) {
	at := time.Now().Add(10 * 24 * time.Hour).UTC().Truncate(time.Minute)
	if err := p.office.Call(ctx, http.MethodPost, cyclePath(c.ID)+"/notice", map[string]any{"starts_at": at, "place": "市政府第一会议室"}, &c); err != nil {
		return c, err
	}
	p.tell(p.officeText(), Text{"发出会议通知：" + at.Local().Format("2006-01-02 15:04") + "，市政府第一会议室",
		"sent the notice: " + at.Local().Format("2006-01-02 15:04") + ", City Hall meeting room 1"}, c)
	task := map[domain.Code]int64{}
	for _, a := range c.Attendance {
		task[a.Department] = a.TaskID
	}
	answered := 0
	for _, a := range attendees {
		if task[a.dept] == 0 {
			continue
		}
		if err := p.submitTask(ctx, a.dept, task[a.dept], a.values); err != nil {
			return c, err
		}
		answered++
		p.tellWhen(ctx, c.ID, p.memberText(a.dept), a.did, func(c Cycle) bool { return attendance(c, a.dept).Answer != domain.AttendancePending })
	}
	// The office records the meeting once the answers are in.
	return p.await(ctx, c.ID, "take the attendance answers", func(c Cycle) bool {
		n := 0
		for _, a := range c.Attendance {
			if a.Answer != domain.AttendancePending {
				n++
			}
		}
		return n == answered
	})
}

func attendance(c Cycle, dept domain.Code) domain.Attendance {
	for _, a := range c.Attendance {
		if a.Department == dept {
			return a
		}
	}
	return domain.Attendance{}
}

// decisions are what the meeting decides in the script; the first is on
// the agenda's first item.
var decisions = []struct {
	title, lead, doneWhen string
	co                    []domain.Code
}{
	{"印发科技金融改革试点方案", "finance", "方案印发", []domain.Code{"tax", "sci-tech"}},
	{"编制年度科技创新工作要点", "sci-tech", "要点印发", nil},
	{"建立科技成果转化统计制度", "statistics", "制度出台", nil},
}

// record records the meeting with the script's decisions (those whose lead
// department sits on the committee), due in sixty days.
func (p *Player) record(ctx context.Context, _ Plan, c Cycle) (Cycle, error) {
	agenda := c.Cycle.Agenda()
	if len(agenda) == 0 {
		return c, fmt.Errorf("cycle %s has no agenda to record", c.ID)
	}
	first, due := agenda[0].ID, time.Now().Add(60*24*time.Hour).UTC().Truncate(time.Minute)
	var ds []domain.DecisionInput
	for _, d := range decisions {
		if !p.member(d.lead) {
			continue
		}
		in := domain.DecisionInput{Title: d.title, Lead: d.lead, DueAt: due, DoneWhen: d.doneWhen, Co: []domain.Code{}}
		for _, co := range d.co {
			if p.member(co) {
				in.Co = append(in.Co, co)
			}
		}
		if len(ds) == 0 {
			in.Item = first
		}
		ds = append(ds, in)
	}
	rec := domain.MeetingRecord{Minutes: "会议研究了本期议题。", Items: []domain.ItemMinutes{{Item: first, Text: "原则同意"}},
		Attendance: []domain.AttendanceRecord{}, Decisions: ds}
	if err := p.office.Call(ctx, http.MethodPost, cyclePath(c.ID)+"/record", rec, &c); err != nil {
		return c, err
	}
	n := strconv.Itoa(len(ds))
	p.tell(p.officeText(), Text{"记录会议纪要，" + n + " 项议定事项转为督办任务", "recorded the minutes; " + n + " decisions became follow-up tasks"}, c)
	return c, nil
}

// followUp has the lead departments report their results and the office
// accept them (or carry the last decision over), until the cycle closes.
func (p *Player) followUp(ctx context.Context, plan Plan, c Cycle) (Cycle, error) {
	path := cyclePath(c.ID)
	for i, d := range c.Decisions {
		n := strconv.Itoa(d.ID)
		status := func(want string) func(Cycle) bool {
			return func(c Cycle) bool { return c.Decision(d.ID) != nil && c.Decision(d.ID).Status == want }
		}
		if plan.CarryOver && i == len(c.Decisions)-1 {
			if err := p.office.Call(ctx, http.MethodPost, path+"/decisions/"+n+"/carry-over", map[string]string{"reason": "需与省级部门对接后完成"}, nil); err != nil {
				return c, err
			}
			p.tellWhen(ctx, c.ID, p.officeText(), Text{"将议定事项 " + n + " 结转下期", "carried decision " + n + " over to the next cycle"}, status(domain.DecisionCarriedOver))
			continue
		}
		report := func(result string) error {
			if err := p.submitTask(ctx, d.Lead, d.TaskID, map[string]any{"result": result}); err != nil {
				return err
			}
			p.tellWhen(ctx, c.ID, p.memberText(d.Lead), Text{"报送议定事项 " + n + " 办理结果", "reported the result of decision " + n}, status(domain.DecisionSubmitted))
			return nil
		}
		if err := report("已按要求完成"); err != nil {
			return c, err
		}
		if plan.Returns && i == 0 {
			if err := p.office.Call(ctx, http.MethodPost, path+"/decisions/"+n+"/return", map[string]string{"reason": "请附印发文件"}, nil); err != nil {
				return c, err
			}
			p.tellWhen(ctx, c.ID, p.officeText(), Text{"退回议定事项 " + n + " 的办理结果：请附印发文件", "returned the result of decision " + n + ": attach the issued document"}, status(domain.DecisionOpen))
			if err := report("已按要求完成（附印发文件）"); err != nil {
				return c, err
			}
		}
		if err := p.office.Call(ctx, http.MethodPost, path+"/decisions/"+n+"/accept", map[string]string{"reason": "同意办结"}, nil); err != nil {
			return c, err
		}
		p.tellWhen(ctx, c.ID, p.officeText(), Text{"验收议定事项 " + n, "accepted decision " + n}, status(domain.DecisionAccepted))
	}
	c, err := p.await(ctx, c.ID, "close", func(c Cycle) bool { return c.Phase == domain.PhaseClosed })
	if err == nil {
		p.tell(systemText, Text{"议定事项全部办结或结转，会议周期结束", "every decision is done or carried over: the cycle closed"}, c)
	}
	return c, err
}

// await reads a cycle until ok says it is as expected.
func (p *Player) await(ctx context.Context, id, what string, ok func(Cycle) bool) (Cycle, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Wait)
	defer cancel()
	for {
		var c Cycle
		err := p.office.Call(ctx, http.MethodGet, cyclePath(id), nil, &c)
		if err == nil && ok(c) {
			return c, nil
		}
		select {
		case <-ctx.Done():
			return c, fmt.Errorf("cycle %s did not %s (phase %s, waiting for %s %v): %w", id, what, c.Phase, c.WaitingFor, c.WaitingOn, errors.Join(err, ctx.Err()))
		case <-time.After(p.cfg.Poll):
		}
	}
}

var (
	systemText   = Text{"系统", "Lianxi"}
	convenerText = Text{"召集人", "convener"}
)

func (p *Player) officeText() Text {
	if h := p.committee.Office.Host; h != nil {
		return Text{"联席会议办公室（" + h.NameZH + "）", "office, at the " + h.NameEN}
	}
	return Text{"联席会议办公室", "office"}
}

func (p *Player) member(code domain.Code) bool {
	return slices.ContainsFunc(p.committee.Members, func(m orgJSON) bool { return m.Code == code })
}

func (p *Player) memberText(code domain.Code) Text {
	for _, m := range p.committee.Members {
		if m.Code == code {
			return Text{m.NameZH, m.NameEN}
		}
	}
	return Text{code, code}
}

// tell narrates a step with the cycle as the action answered it.
func (p *Player) tell(actor, did Text, c Cycle) {
	if p.cfg.Narrate == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cfg.Narrate(Step{Actor: actor, Did: did, Phase: PhaseText(c.Phase), Waiting: p.waitingText(c), Cycle: c})
}

// tellWhen narrates a step whose action answered with a task, not the
// cycle: it reads the cycle until it shows the step. Nothing is read when
// no one listens.
func (p *Player) tellWhen(ctx context.Context, id string, actor, did Text, shows func(Cycle) bool) {
	if p.cfg.Narrate == nil {
		return
	}
	c, _ := p.await(ctx, id, "show the step", shows)
	p.tell(actor, did, c)
}

var phaseTexts = map[domain.Phase]Text{
	domain.PhaseAgendaCall:  {"议题征集", "agenda call"},
	domain.PhaseCompilation: {"议题汇编", "compiling the agenda"},
	domain.PhaseApproval:    {"召集人审定", "approval by the convener"},
	domain.PhaseNotice:      {"会议通知已发", "noticed, meeting ahead"},
	domain.PhaseFollowUp:    {"督办落实", "follow-up"},
	domain.PhaseClosed:      {"已结束", "closed"},
	domain.PhaseCancelled:   {"已取消", "cancelled"},
}

// PhaseText names a phase.
func PhaseText(ph domain.Phase) Text {
	if t, ok := phaseTexts[ph]; ok {
		return t
	}
	return Text{string(ph), string(ph)}
}

// waitingText says who a cycle waits on: the office, the convener, or
// departments by name (the first three, and how many more).
func (p *Player) waitingText(c Cycle) Text {
	switch c.WaitingFor {
	case domain.WaitingOffice:
		return Text{"联席会议办公室", "the office"}
	case domain.WaitingConvener:
		return Text{"召集人", "the convener"}
	case domain.WaitingDepartments:
		var zh, en []string
		for _, d := range c.WaitingOn[:min(3, len(c.WaitingOn))] {
			t := p.memberText(d)
			zh, en = append(zh, t.ZH), append(en, t.EN)
		}
		if more := len(c.WaitingOn) - len(zh); more > 0 {
			return Text{fmt.Sprintf("%s等 %d 个成员单位", strings.Join(zh, "、"), len(c.WaitingOn)),
				fmt.Sprintf("%s and %d more departments", strings.Join(en, ", "), more)}
		}
		return Text{strings.Join(zh, "、"), strings.Join(en, ", ")}
	}
	return Text{"无", "no one"}
}
