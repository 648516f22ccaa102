package httpapi_test

// Benchmarks of the Lotus City contest's public endpoints under load: the
// vote, against a bare INSERT of the same row measured in the same run,
// and the vote page's data. They print figures and never assert timings;
// they do check that what they measured was right (every vote accepted,
// answered with the right count, and stored once). Run with
//
//	go run ./cmd/withpg -- go test -count=1 -run '^$' -bench 'Contest' -benchtime 3000x ./internal/httpapi/
//
// Each benchmark sets its contest up once (a fresh database, an embedded
// Temporal server, 200 ideas screened eligible, the vote open) and measures
// in sub-benchmarks, so the testing package's one-iteration probe does not
// pay for the setup twice. Besides the rates and latencies they log the CPU
// each call cost this process (the router and the clients, pgx, and the
// embedded Temporal server's background work) and PostgreSQL's processes:
// on a small shared machine the load saturates the CPUs, so the rates
// follow the CPU per call, which other work on the machine disturbs less.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"lianxi/internal/benchtab"
	"lianxi/internal/contests"
	"lianxi/internal/domain"
	"lianxi/internal/httpapi"
	"lianxi/internal/temporal/devtest"
)

const (
	contestBenchIdeas    = 200 // eligible ideas on the ballot
	contestBenchClients  = 64  // concurrent clients
	contestBenchPerVoter = 50  // votes_per_voter: the most the rules allow
)

// contestBench is a contest in its voting phase with contestBenchIdeas
// eligible ideas, served by the real router over real PostgreSQL and an
// embedded Temporal server, with the env's generous rate limits.
type contestBench struct {
	e     *env
	year  int
	ideas []int64
	http  *http.Client // keeps a connection per concurrent client alive
	runs  int          // sub-benchmark runs so far, to name their voters apart
}

func newContestBench(b *testing.B) *contestBench {
	b.Helper()
	began := time.Now()
	e := newEnvWith(b, devtest.Start(b), generous)
	year := time.Now().Year()
	office, public := e.client("casesoffice"), e.client("")
	e.json(office, "POST", "/api/v1/contests", fmt.Sprintf(`{"year":%d,"theme":"莲城创意·基准","rules":{"votes_per_voter":%d,"shortlist":0,
		"prizes":[{"code":"first","name_zh":"一等奖","name_en":"First","count":1}]}}`, year, contestBenchPerVoter), http.StatusCreated, nil)

	submitter := e.voterToken(public, year, "submitter@bench.example.cn")
	cats := []string{"economy", "reform", "livelihood", "governance", "culture", "ecology"}
	topics := []struct{ title, problem, idea string }{
		{"老旧小区加装电梯", "老旧小区多为六层无电梯住宅，老人上下楼困难，居民意见难统一，加装资金分摊和低层住户补偿缺少可操作的办法", "由街道牵头协调业主，财政按户补贴，引入社会资本代建代管，按使用次数收费，低层住户给予一次性补偿"},
		{"夜间经济街区", "城区夜间消费场所少，外地游客晚上无处可去，商圈九点后冷清，公共交通收班早，夜间出行不便", "在窑湾和步步高片区打造夜市，延长公交运营到午夜，放宽外摆管理，统一规划停车和环卫保洁"},
		{"社区养老食堂", "独居老人吃饭难，社区缺少助餐点，送餐服务覆盖不足，现有食堂价格偏高，老人不愿去", "利用闲置社区用房开办长者食堂，政府补贴运营，志愿者送餐上门，按年龄和收入分档优惠"},
		{"河道生态修复", "城区支流河道淤积，雨季黑臭，沿岸缺少亲水空间，排污口底数不清，整治后容易反弹", "实施清淤截污，建设生态护岸和滨水步道，推行河长巡河积分，排污口编号公示接受监督"},
		{"中小企业融资", "小微企业贷款门槛高、抵押物不足，续贷周期长，过桥资金成本高，企业融资信息分散", "设立政府性融资担保基金，推广知识产权质押和应收账款融资，建设全市融资信用服务平台"},
	}
	ids := make([]int64, contestBenchIdeas)
	ideasPath := fmt.Sprintf("/api/v1/public/contests/%d/ideas", year)
	if err := contestBenchParallel(contestBenchIdeas, 8, func(i int) error {
		t := topics[i%len(topics)]
		body := fmt.Sprintf(`{"name":"市民%d","category":%q,"title":%q,"problem":%q,"idea":%q,"effect":"预计惠及群众约%d人，群众满意度明显提升"}`,
			i, cats[i%len(cats)], fmt.Sprintf("%s（第%d号）", t.title, i), fmt.Sprintf("%s。约%d户受影响。", t.problem, i*3+17),
			fmt.Sprintf("%s。先在%d个点位试点，一年后评估推广。", t.idea, i%9+2), 1000+i*37)
		code, out, err := e.publicDo(public, "POST", ideasPath, body, submitter)
		if err != nil || code != http.StatusCreated {
			return fmt.Errorf("idea %d: %d %s %v", i, code, out, err)
		}
		var idea domain.Idea
		if err := json.Unmarshal(out, &idea); err != nil {
			return err
		}
		ids[i] = idea.ID
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	e.json(office, "POST", fmt.Sprintf("/api/v1/contests/%d/close-submissions", year), `{}`, http.StatusOK, nil)
	if err := contestBenchParallel(len(ids), 8, func(i int) error {
		code, out, err := e.publicDo(office, "POST", fmt.Sprintf("/api/v1/contests/%d/ideas/%d/screening", year, ids[i]), `{"decision":"eligible"}`, "")
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("screen %d: %d %s %v", i, code, out, err)
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	e.json(office, "POST", fmt.Sprintf("/api/v1/contests/%d/open-voting", year), `{}`, http.StatusOK, nil)
	// A vote is cast against the recorded phase: wait for it.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		c, err := e.store.GetContest(context.Background(), year)
		if err != nil {
			b.Fatal(err)
		}
		if c.Phase == domain.ContestVoting {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("the vote never opened: phase %s", c.Phase)
		}
	}
	tr := &http.Transport{MaxIdleConns: 4 * contestBenchClients, MaxIdleConnsPerHost: 4 * contestBenchClients, IdleConnTimeout: time.Minute}
	b.Cleanup(tr.CloseIdleConnections)
	b.Logf("setup: contest %d voting with %d eligible ideas in %v; application pool of %d connections", year, len(ids),
		time.Since(began).Round(time.Millisecond), e.store.Pool().Config().MaxConns)
	return &contestBench{e: e, year: year, ideas: ids, http: &http.Client{Transport: tr}}
}

// contestBenchParallel runs n jobs on a few workers and returns the first
// error.
func contestBenchParallel(n, workers int, job func(i int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := job(i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

// contestLoadRun is what bursts of concurrent calls measured (their wall
// time, every call's latency) and the CPU this process and PostgreSQL's
// processes spent meanwhile.
type contestLoadRun struct {
	benchtab.Result
	goCPU, pgCPU time.Duration
}

func (l *contestLoadRun) add(o contestLoadRun) {
	l.Result.Add(o.Result)
	l.goCPU += o.goCPU
	l.pgCPU += o.pgCPU
}

// cpu is the CPU per call, in µs, of this process and of PostgreSQL.
func (l contestLoadRun) cpu() (goUS, pgUS float64) {
	if l.Ops == 0 {
		return 0, 0
	}
	return float64(l.goCPU.Microseconds()) / float64(l.Ops), float64(l.pgCPU.Microseconds()) / float64(l.Ops)
}

// contestLoad runs counts[c] calls of op from client c, the clients at
// once (benchtab.LoadEach), and reads the CPU spent meanwhile;
// PostgreSQL's through pool.
func contestLoad(pool *pgxpool.Pool, counts []int, op func(c, i int) error) (contestLoadRun, error) {
	goCPU, pgCPU := processCPU(), postgresCPU(pool)
	r, err := benchtab.LoadEach(counts, op)
	return contestLoadRun{Result: r, goCPU: processCPU() - goCPU, pgCPU: postgresCPU(pool) - pgCPU}, err
}

// processCPU is the CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// postgresCPU is the CPU time the server's processes running now have
// used, read from /proc (0 where there is none). The test cluster serves
// this test binary only.
func postgresCPU(pool *pgxpool.Pool) time.Duration {
	rows, err := pool.Query(context.Background(), "SELECT pid FROM pg_stat_activity")
	if err != nil {
		return 0
	}
	defer rows.Close()
	var total time.Duration
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// utime and stime, in clock ticks of 10 ms, are the 12th and 13th
		// fields after the command's closing parenthesis.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) < 13 {
			continue
		}
		for _, x := range f[11:13] {
			t, _ := strconv.ParseInt(x, 10, 64)
			total += time.Duration(t) * 10 * time.Millisecond
		}
	}
	return total
}

// benchBallot is one vote a client casts: its voter (a token for the
// endpoint, an id for a statement), the idea, and the votes_cast the vote
// must answer.
type benchBallot struct {
	token string
	voter int64
	idea  int64
	cast  int
}

// contestSplit shares n calls among the clients, the first ones taking
// one more.
func contestSplit(n, clients int) []int {
	out := make([]int, clients)
	for c := range out {
		out[c] = n / clients
		if c < n%clients {
			out[c]++
		}
	}
	return out
}

func contestVotersNeeded(votes int) int {
	return (votes + contestBenchPerVoter - 1) / contestBenchPerVoter
}

// voterLayout gives each client its own voters: first[c] is the index of
// client c's first voter among all n.
func voterLayout(counts []int) (first []int, n int) {
	first = make([]int, len(counts))
	for c, k := range counts {
		first[c] = n
		n += contestVotersNeeded(k)
	}
	return first, n
}

// ballots lays out each client's votes: the client's own voters, one after
// another, each voting for contestBenchPerVoter different ideas (the
// clients starting at different ideas), so every vote is a new voter×idea
// pair under the voter's limit. voter(c, k) returns the k-th voter of
// client c.
func (cb *contestBench) ballots(counts []int, voter func(c, k int) benchBallot) [][]benchBallot {
	out := make([][]benchBallot, len(counts))
	for c, n := range counts {
		for j := range n {
			k, m := j/contestBenchPerVoter, j%contestBenchPerVoter
			v := voter(c, k)
			v.idea = cb.ideas[(c*37+k*11+m)%len(cb.ideas)]
			v.cast = m + 1
			out[c] = append(out[c], v)
		}
	}
	return out
}

// verifyVoters verifies n contacts through the public API (a code, then
// its check) and returns their tokens.
func (cb *contestBench) verifyVoters(prefix string, n int) ([]string, error) {
	tokens := make([]string, n)
	base := fmt.Sprintf("/api/v1/public/contests/%d/", cb.year)
	err := contestBenchParallel(n, 16, func(i int) error {
		contact := fmt.Sprintf("%s-%d@bench.example.cn", prefix, i)
		if code, out, err := cb.e.publicDo(cb.http, "POST", base+"codes", `{"contact":"`+contact+`"}`, ""); err != nil || code != http.StatusAccepted {
			return fmt.Errorf("code for %s: %d %s %v", contact, code, out, err)
		}
		code, out, err := cb.e.publicDo(cb.http, "POST", base+"verify", `{"contact":"`+contact+`","code":"`+cb.e.codes.code(contact)+`"}`, "")
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("verify %s: %d %s %v", contact, code, out, err)
		}
		var v contests.Verified
		if err := json.Unmarshal(out, &v); err != nil {
			return err
		}
		tokens[i] = v.Token
		return nil
	})
	return tokens, err
}

// storeVoters stores n voters straight in the table, contacts
// PREFIX-1@… to PREFIX-n@… and token hashes sha256("PREFIX-i"), and
// returns their ids in that order: voters for the statements measured
// without the endpoint.
func (cb *contestBench) storeVoters(ctx context.Context, pool *pgxpool.Pool, prefix string, n int) ([]int64, error) {
	rows, err := pool.Query(ctx, `INSERT INTO contest_voters (year, contact, token_hash, expires_at, verified_at)
		SELECT $1, $2 || '-' || g || '@bench.example.cn', sha256(convert_to($2 || '-' || g, 'UTF8')), now() + interval '1 day', now()
		FROM generate_series(1, $3::int) g ORDER BY g RETURNING id`, cb.year, prefix, n)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	slices.Sort(ids) // in insertion order, as the serial numbered them
	return ids, rows.Err()
}

// contestBareInsert is the floor the vote is compared with: the vote's row
// inserted by itself, with no check and no count.
const contestBareInsert = "INSERT INTO contest_votes (voter_id, idea_id, year, address) VALUES ($1, $2, $3, $4)"

// castVote posts a ballot to the vote endpoint and checks the answer: 201
// with the voter's new count.
func (cb *contestBench) castVote(url string, v benchBallot) error {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"idea":`+strconv.FormatInt(v.idea, 10)+`}`))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(httpapi.VoterHeader, v.token)
	resp, err := cb.http.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("vote for idea %d (votes_cast %d): %d %s", v.idea, v.cast-1, resp.StatusCode, body)
	}
	var res contests.VoteResult
	if err := json.Unmarshal(body, &res); err != nil {
		return err
	}
	if res.Idea != v.idea || res.VotesCast != v.cast || res.VotesLeft != contestBenchPerVoter-v.cast {
		return fmt.Errorf("vote for idea %d answered %+v, want votes_cast %d", v.idea, res, v.cast)
	}
	return nil
}

// BenchmarkContestVote measures POST /api/v1/public/contests/{year}/votes
// under contestBenchClients concurrent clients, each casting its own
// voters' votes one after another (every vote a new voter×idea pair under
// the limit of 50; 200 eligible ideas), through an httptest server of the
// real router, on PostgreSQL with the embedded Temporal server running.
// In the same run it measures the floor: the same kind of row inserted by
// a bare INSERT through a pgx pool on the same database with the
// application pool's configuration, from as many goroutines, for voters of
// its own. The two alternate (endpoint, bare, bare, endpoint: half of b.N
// each time) so both see the same machine. It reports votes/s,
// bare-inserts/s, their ratio (target ≥ 0.5), and p50/p99 of both; ns/op
// is the endpoint's wall time per vote. Afterwards it checks that every
// vote was answered 201 with the right count and that the rows stored are
// exactly the votes accepted.
func BenchmarkContestVote(b *testing.B) {
	cb := newContestBench(b)
	b.Run(fmt.Sprintf("clients-%d", contestBenchClients), cb.benchVote)
}

func (cb *contestBench) benchVote(b *testing.B) {
	ctx := context.Background()
	cb.runs++
	run := cb.runs
	counts := contestSplit(b.N, contestBenchClients)
	first, nVoters := voterLayout(counts)

	// The endpoint's voters, verified through the API; the bare inserts'
	// voters, stored directly. Each client has its own.
	prefix, barePrefix := fmt.Sprintf("vote%d", run), fmt.Sprintf("bare%d", run)
	tokens, err := cb.verifyVoters(prefix, nVoters)
	if err != nil {
		b.Fatal(err)
	}
	poolCfg := cb.e.store.Pool().Config()
	bare, err := pgxpool.NewWithConfig(ctx, poolCfg)
	if err != nil {
		b.Fatal(err)
	}
	defer bare.Close()
	bareIDs, err := cb.storeVoters(ctx, bare, barePrefix, nVoters)
	if err != nil {
		b.Fatal(err)
	}
	endpoint := cb.ballots(counts, func(c, k int) benchBallot { return benchBallot{token: tokens[first[c]+k]} })
	baseline := cb.ballots(counts, func(c, k int) benchBallot { return benchBallot{voter: bareIDs[first[c]+k]} })

	url := fmt.Sprintf("%s/api/v1/public/contests/%d/votes", cb.e.srv.URL, cb.year)
	var accepted atomic.Int64
	vote := func(v benchBallot) error {
		err := cb.castVote(url, v)
		if err == nil {
			accepted.Add(1)
		}
		return err
	}
	addr := netip.MustParseAddr("127.0.0.1")
	insert := func(v benchBallot) error {
		_, err := bare.Exec(ctx, contestBareInsert, v.voter, v.idea, cb.year, addr)
		return err
	}

	// Warm up outside the timer, as a running server would be: each
	// client's connection opened (reading its first voter's votes), the
	// bare pool's connections opened and the INSERT prepared on each
	// (rolled back).
	ones := slices.Repeat([]int{1}, contestBenchClients)
	if _, err := contestLoad(bare, ones, func(c, _ int) error {
		if len(endpoint[c]) == 0 {
			return nil
		}
		code, out, err := cb.e.publicDo(cb.http, "GET", fmt.Sprintf("/api/v1/public/contests/%d/votes", cb.year), "", endpoint[c][0].token)
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("warm-up: %d %s %v", code, out, err)
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	if _, err := contestLoad(bare, ones, func(c, _ int) error {
		tx, err := bare.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		_, err = tx.Exec(ctx, contestBareInsert, bareIDs[0], cb.ideas[c%len(cb.ideas)], cb.year, addr)
		return err
	}); err != nil {
		b.Fatal(err)
	}

	// Two rounds: the first half of every client's votes, then the second.
	half := func(bs [][]benchBallot, second bool) [][]benchBallot {
		out := make([][]benchBallot, len(bs))
		for c, x := range bs {
			if second {
				out[c] = x[len(x)/2:]
			} else {
				out[c] = x[:len(x)/2]
			}
		}
		return out
	}
	var ep, bs contestLoadRun
	phase := func(name string, into *contestLoadRun, bb [][]benchBallot, do func(benchBallot) error) {
		lens := make([]int, len(bb))
		for c, x := range bb {
			lens[c] = len(x)
		}
		r, err := contestLoad(bare, lens, func(c, i int) error { return do(bb[c][i]) })
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		into.add(r)
	}
	b.ResetTimer()
	phase("endpoint", &ep, half(endpoint, false), vote)
	b.StopTimer()
	phase("bare insert", &bs, half(baseline, false), insert)
	phase("bare insert", &bs, half(baseline, true), insert)
	b.StartTimer()
	phase("endpoint", &ep, half(endpoint, true), vote)
	b.StopTimer()

	// What was accepted is what is stored, once.
	var rows, cast, bareRows int
	if err := bare.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM contest_votes v JOIN contest_voters c ON c.id = v.voter_id WHERE c.contact LIKE $1),
			(SELECT coalesce(sum(votes_cast), 0) FROM contest_voters WHERE contact LIKE $1),
			(SELECT count(*) FROM contest_votes v JOIN contest_voters c ON c.id = v.voter_id WHERE c.contact LIKE $2)`,
		prefix+"-%", barePrefix+"-%").Scan(&rows, &cast, &bareRows); err != nil {
		b.Fatal(err)
	}
	if n := accepted.Load(); n != int64(b.N) || ep.Ops != b.N || int64(rows) != n || int64(cast) != n {
		b.Fatalf("%d votes sent, %d accepted; %d rows stored, votes_cast totals %d", b.N, n, rows, cast)
	}
	if bareRows != bs.Ops {
		b.Fatalf("%d bare inserts, %d rows stored", bs.Ops, bareRows)
	}

	ratio := 0.0
	if bs.Rate() > 0 {
		ratio = ep.Rate() / bs.Rate()
	}
	b.ReportMetric(ep.Rate(), "votes/s")
	b.ReportMetric(bs.Rate(), "bare-inserts/s")
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(ep.P(50), "p50-ms")
	b.ReportMetric(ep.P(99), "p99-ms")
	b.ReportMetric(bs.P(50), "bare-p50-ms")
	b.ReportMetric(bs.P(99), "bare-p99-ms")
	if b.N >= contestBenchClients { // not the one-vote probe
		benchtab.Emit(benchtab.Row{Section: benchtab.SectionVote, Name: fmt.Sprintf("votes, %d clients", contestBenchClients), Value: ep.Rate(), Unit: "/s",
			Note: fmt.Sprintf("p50 %.1f ms, p99 %.1f ms; %d votes", ep.P(50), ep.P(99), b.N)}.
			Against("bare INSERT through pgx", bs.Rate(), "").RatioAtLeast(0.5))
		epGo, epPG := ep.cpu()
		bsGo, bsPG := bs.cpu()
		b.Logf("%d votes by %d clients (%d voters): %.0f votes/s, p50 %.2f ms, p99 %.2f ms; bare INSERT (pool of %d): %.0f rows/s, p50 %.2f ms, p99 %.2f ms; ratio %.2f (target ≥ 0.5); CPU per vote %.0f µs here + %.0f µs PostgreSQL, per bare INSERT %.0f + %.0f µs",
			b.N, contestBenchClients, nVoters, ep.Rate(), ep.P(50), ep.P(99), poolCfg.MaxConns, bs.Rate(), bs.P(50), bs.P(99), ratio, epGo, epPG, bsGo, bsPG)
	}
}

// BenchmarkContestVotePage measures the vote page's data, GET
// /api/v1/public/contests/{year}/ideas (the 200 eligible ideas, with
// 10,000 votes cast among them), with contestBenchClients concurrent
// readers, b.N requests in all; and the page /contests/{year}/ideas the
// same way when the env's router serves it. It reports p50 and p99 in ms
// and requests/s; ns/op is the wall time over requests.
func BenchmarkContestVotePage(b *testing.B) {
	const voters, perVoter = 1000, 10
	ctx := context.Background()
	cb := newContestBench(b)
	// Votes straight in the tables: the list counts each idea's votes
	// whether or not it shows them.
	if _, err := cb.e.store.Pool().Exec(ctx, `WITH v AS (
			INSERT INTO contest_voters (year, contact, token_hash, expires_at, verified_at, votes_cast)
			SELECT $1, 'seed-' || g || '@bench.example.cn', sha256(convert_to('seed-' || g, 'UTF8')), now() + interval '1 day', now(), $3
			FROM generate_series(1, $2::int) g RETURNING id)
		INSERT INTO contest_votes (voter_id, idea_id, year, address)
		SELECT v.id, ($4::bigint[])[1 + (v.id * 7 + k * 13) % cardinality($4::bigint[])], $1, '127.0.0.1'
		FROM v, generate_series(0, $3::int - 1) k`, cb.year, voters, perVoter, cb.ideas); err != nil {
		b.Fatal(err)
	}

	api := fmt.Sprintf("/api/v1/public/contests/%d/ideas", cb.year)
	var page struct {
		Ideas []domain.Idea `json:"ideas"`
	}
	code, out, err := cb.e.publicDo(cb.http, "GET", api, "", "")
	if err != nil || code != http.StatusOK {
		b.Fatalf("GET %s: %d %s %v", api, code, out, err)
	}
	if err := json.Unmarshal(out, &page); err != nil {
		b.Fatal(err)
	}
	if len(page.Ideas) != contestBenchIdeas || page.Ideas[0].Votes != nil || page.Ideas[0].Contact != "" {
		b.Fatalf("vote page data: %d ideas, first %+v", len(page.Ideas), page.Ideas[0])
	}
	b.Run("api", func(b *testing.B) { cb.benchRead(b, api, len(out)) })

	html := fmt.Sprintf("/contests/%d/ideas", cb.year)
	if code, out, err := cb.e.publicDo(cb.http, "GET", html, "", ""); err != nil || code != http.StatusOK {
		fmt.Printf("%s: GET %s answers %d here (%v): only the API measured\n", b.Name(), html, code, err)
	} else {
		b.Run("page", func(b *testing.B) { cb.benchRead(b, html, len(out)) })
	}
}

// benchRead GETs path b.N times from contestBenchClients readers at once
// and checks every answer is 200 (and, for JSON, as long as the first).
func (cb *contestBench) benchRead(b *testing.B, path string, size int) {
	url := cb.e.srv.URL + path
	jsonBody := strings.HasPrefix(path, "/api/")
	get := func(int, int) error {
		resp, err := cb.http.Get(url)
		if err != nil {
			return err
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET %s: %d", path, resp.StatusCode)
		}
		if err == nil && jsonBody && int(n) != size {
			err = fmt.Errorf("GET %s: %d bytes, want %d", path, n, size)
		}
		return err
	}
	pool := cb.e.store.Pool()
	if _, err := contestLoad(pool, slices.Repeat([]int{1}, contestBenchClients), get); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	r, err := contestLoad(pool, contestSplit(b.N, contestBenchClients), get)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(r.P(50), "p50-ms")
	b.ReportMetric(r.P(99), "p99-ms")
	b.ReportMetric(r.Rate(), "req/s")
	if b.N >= contestBenchClients {
		goUS, pgUS := r.cpu()
		b.Logf("GET %s, %d ideas, %.0f KiB: %d requests from %d concurrent readers: %.0f req/s, p50 %.2f ms, p99 %.2f ms; CPU per request %.0f µs here + %.0f µs PostgreSQL",
			path, contestBenchIdeas, float64(size)/1024, b.N, contestBenchClients, r.Rate(), r.P(50), r.P(99), goUS, pgUS)
	}
}
