# locksim: the commands a newcomer needs. See README.md.

GO            ?= go
STATICCHECK   := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHTIME     ?= 1s

.PHONY: run test lint bench vet mutants mutate

# The main job, fully in-process: the lock x fault safety matrix.
run:
	$(GO) run ./cmd/simrun matrix

# Lint, then the whole suite; against a real redis-server and a real etcd
# on loopback when they are on the PATH (scripts/with-redis and
# scripts/with-etcd start and stop them).
test: lint
	./scripts/with-redis ./scripts/with-etcd $(GO) test -count=1 -timeout 15m ./...

vet:
	$(GO) vet ./...

lint: vet
	$(GO) run $(STATICCHECK) ./...

# Issue 6's figures. First every Go benchmark in benchstat-compatible form
# (among them: simlock's LuaLockWorkload and RedlockWorkload in cmds/s, again on
# one core with -cpu 1; model's Linearizable10k/100k with peak-heap-MB;
# scenario's GCPauseTimeCompression in virt-s/s, again with -cpu 1 as
# simrun runs one world per P, TimeToBug in s-to-bug, ExploreScaling in
# seeds/s and speedup). Then the same end to end with the
# simrun binary (scripts/bench-summary): explore with 1 vs 2 jobs, median time
# to the first violation, gc-pause time compression, and the machine's load.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...
	$(GO) test -run '^$$' -bench 'Workload' -benchmem -benchtime $(BENCHTIME) -cpu 1 ./sim ./simlock
	$(GO) test -run '^$$' -bench 'GCPauseTimeCompression' -benchmem -benchtime $(BENCHTIME) -cpu 1 ./scenario
	GO=$(GO) ./scripts/bench-summary

# The source's lock benchmark on five real redis-servers and one etcd on
# loopback (started and stopped by scripts/bench-real), beside the simulator's
# safety matrix. Flags for simrun bench: make bench-real BENCH_FLAGS='--clients 16'.
.PHONY: bench-real
bench-real:
	GO=$(GO) ./scripts/bench-real $(BENCH_FLAGS)

# Every mutant of scripts/mutants.d (a deliberate bug in an oracle that
# judges the simulator) applied in a temporary copy: each must be killed by
# an ordinary go test. A measurement, not part of make test (minutes).
mutants:
	GO=$(GO) ./scripts/mutants

# Issue 11's mutation score of the built-in locks: mutate locks/ one AST
# change at a time in temporary copies, run each mutant's simrun through
# the lock's named scenarios and random faults, and print per lock which
# mutants survive and the score. A measurement, not part of make test (tens
# of minutes); MUTATE_FLAGS='--lock lua --max 30' for a quick one.
mutate:
	$(GO) run ./internal/mutate/cmd/mutate $(MUTATE_FLAGS)
