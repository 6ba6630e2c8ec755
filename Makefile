# locksim: the commands a newcomer needs. See README.md.

GO            ?= go
STATICCHECK   := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHTIME     ?= 1s

.PHONY: run test lint bench vet

# The main job, fully in-process: the lock x fault safety matrix.
run:
	$(GO) run ./cmd/simrun matrix

# Lint, then the whole suite; against a real redis-server on loopback when
# one is on the PATH (scripts/with-redis starts and stops it).
test: lint
	./scripts/with-redis $(GO) test -count=1 -timeout 15m ./...

vet:
	$(GO) vet ./...

lint: vet
	$(GO) run $(STATICCHECK) ./...

# Go benchmarks in benchstat-compatible form.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

# The source's lock benchmark on five real redis-servers on loopback
# (started and stopped by scripts/bench-real), beside the simulator's
# safety matrix. Flags for simrun bench: make bench-real BENCH_FLAGS='--clients 16'.
.PHONY: bench-real
bench-real:
	GO=$(GO) ./scripts/bench-real $(BENCH_FLAGS)
