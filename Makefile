# Lianxi: the two commands a person needs are `make dev` and `make test`.
GO ?= go

.PHONY: dev test build vet sqlc bench bench-all fuzz drills

## dev: run everything in one process (embedded Temporal, private PostgreSQL)
dev:
	$(GO) run ./cmd/lianxi dev

## test: start a throwaway PostgreSQL from the machine's binaries and run every test
test:
	LIANXI_SCREENSHOTS=$(CURDIR)/screenshots $(GO) run ./cmd/withpg -- $(GO) test -count=1 -timeout 30m ./...

## bench: the performance table: every figure next to its baseline measured in the same run (engine
## floor, task submit at 1 and 16 at once, a science cycle, the reminder sweep, inbox and ledger pages,
## public votes, pgbench, memory and start-up, and the embedded server's tuning); about 13 minutes,
## BENCHFLAGS=-short for a quick look. Written to stdout and bench-results.txt (the raw output to
## bench-results.log)
BENCHFLAGS ?=
bench:
	$(GO) run ./cmd/withpg -- $(GO) run ./cmd/benchtable $(BENCHFLAGS)

## bench-all: every Go benchmark of every package, each printing its own figures
bench-all:
	$(GO) run ./cmd/withpg -- $(GO) test -count=1 -run '^$$' -bench . -timeout 60m ./...

## fuzz: run every fuzz target (parsers and validators of user input) for FUZZTIME each; `make test`
## runs their seed corpora only
FUZZTIME ?= 10s
fuzz:
	@set -e; for f in $$(grep -rl --include='*_test.go' '^func Fuzz' .); do \
	  pkg=$$(dirname $$f); \
	  for t in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$f | cut -d' ' -f2); do \
	    echo "== $$pkg $$t"; $(GO) test $$pkg -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME); \
	  done; \
	done

## drills: every fuzz target (make fuzz, FUZZTIME each), then the resilience drills on loopback, each
## ending with one line `drill NAME: sent=N acknowledged=N found=N duplicates=N lost=N` (non-zero exit
## when anything acknowledged is lost or doubled): crash (SIGKILL of lianxi dev mid-way through 29
## submissions), postgres-restart, replicas (two serve and two worker on one PostgreSQL and one
## Temporal) and restore (a backup taken mid-cycle, restored into a new data directory)
drills: fuzz
	@log=$$(mktemp); $(GO) run ./cmd/withpg -- $(GO) test -tags drills -count=1 -timeout 20m -run '^(TestDrill|TestBackupRestore)' -v ./cmd/lianxi >$$log 2>&1; \
	  status=$$?; grep -E '^(drill |--- |FAIL|ok|PASS)|_test.go:' $$log; rm -f $$log; exit $$status

build:
	$(GO) build -o lianxi ./cmd/lianxi

vet:
	$(GO) vet ./...

## sqlc: regenerate internal/postgres/sqlcgen from the queries and migrations
sqlc:
	$(GO) run github.com/sqlc-dev/sqlc/cmd/sqlc@v1.31.1 generate
