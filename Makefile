# Lianxi: the two commands a person needs are `make dev` and `make test`.
GO ?= go

.PHONY: dev test build vet sqlc bench

## dev: run everything in one process (embedded Temporal, private PostgreSQL)
dev:
	$(GO) run ./cmd/lianxi dev

## test: start a throwaway PostgreSQL from the machine's binaries and run every test
test:
	LIANXI_SCREENSHOTS=$(CURDIR)/screenshots $(GO) run ./cmd/withpg -- $(GO) test -count=1 -timeout 30m ./...

## bench: every benchmark, against a throwaway PostgreSQL; each prints its figures (a science cycle's
## wall time; the agenda submit call's p50/p99 against a bare Temporal Update's, and their ratio)
bench:
	$(GO) run ./cmd/withpg -- $(GO) test -count=1 -run '^$$' -bench . -timeout 60m ./...

build:
	$(GO) build -o lianxi ./cmd/lianxi

vet:
	$(GO) vet ./...

## sqlc: regenerate internal/postgres/sqlcgen from the queries and migrations
sqlc:
	$(GO) run github.com/sqlc-dev/sqlc/cmd/sqlc@v1.31.1 generate
