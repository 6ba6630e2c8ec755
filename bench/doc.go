// Package bench measures the locks of package locks on real redis-server
// processes, the way the source material's benchmark table does: for each
// lock, C concurrent clients run acquire+release cycles for a fixed time,
// and the package reports cycles per second, the p50 and p99 latency of one
// cycle and the number of failed cycles.
//
// The rows are mutex (in-process, no Redis), setnx, lua and fenced on one
// server (Config.Addrs[0]), and redlock over 3 and over 5 servers (the first
// 3 or 5 addresses; a row is skipped, with the reason, when fewer are
// given), plus a reference row after mutex: a bare sync.Mutex, what the
// source's in-memory mutex most likely was. Every row uses its own keys,
// under a prefix unique to the Run, and
// deletes them from every server it used before and after it runs. Run
// never flushes a database, so it can share a server with other work.
//
// The rows take turns: each runs Config.Rounds times (default 3) for its
// share of Config.Duration, so that a change in the machine's load spreads
// over all the rows rather than skewing the ratios between them; the
// slowest and fastest round of each row show how noisy the machine was.
//
// By default every client locks its own key: the rows then measure what a
// lock costs (round trips, scripts, fan-out), not how its retry policy
// behaves under contention. With Config.Contended all the clients of a row
// compete for one key, and the retry delays of the locks dominate.
//
// The figures depend on the machine: the load generator (this process) and
// the servers share its cores. Markdown prints, beside each row, the source's
// figure for the same strategy, and the ratio of each row to the setnx row,
// measured and in the source; compare the ratios, not the absolute numbers.
// It also prints, per lock, the safety summary the simulator measured
// (simrun matrix), which the caller passes in.
//
// # Usage
//
//	rows, err := bench.Run(ctx, bench.Config{
//		Addrs:    []string{"127.0.0.1:6401", "127.0.0.1:6402", "127.0.0.1:6403", "127.0.0.1:6404", "127.0.0.1:6405"},
//		Clients:  8,
//		Duration: 2 * time.Second,
//	})
//	if err != nil { ... }
//	err = bench.Markdown(os.Stdout, rows, map[string]string{
//		"lua": "violations in 6/11 scenarios",
//	})
//
// From the command line: `simrun bench --redis ADDR[,ADDR...]`, or
// `make bench-real`, which starts five servers on loopback and stops them.
package bench
