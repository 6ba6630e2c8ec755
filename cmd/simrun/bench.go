package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/locksim/locksim/bench"
	"github.com/locksim/locksim/scenario"
)

// benchFlags maps the fields of bench.Config to the flags that set them.
var benchFlags = map[string]string{
	"Addrs":    "--redis",
	"Etcd":     "--etcd",
	"Locks":    "--locks",
	"Clients":  "--clients",
	"Duration": "--duration",
	"Rounds":   "--rounds",
	"TTL":      "--ttl",
}

// cmdBench is `simrun bench --redis ADDR[,ADDR...] [--etcd ENDPOINT]`: the
// source's benchmark table, measured on running redis-servers (and an etcd
// cluster for the etcd row, skipped without --etcd), beside the safety the
// simulator measured (--safety, the output of `simrun matrix --json`).
func cmdBench(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("bench")
	addrs := fs.String("redis", "", "comma-separated redis-server addresses (host:port); redlock uses the first 3 and the first 5")
	etcdEPs := fs.String("etcd", "", "comma-separated client endpoints (host:port) of one etcd cluster, for the etcd row (skipped without)")
	clients := fs.Int("clients", bench.DefaultClients, "concurrent clients per row")
	dur := fs.String("duration", bench.DefaultDuration.String(), "how long each row runs, over all its rounds")
	rounds := fs.Int("rounds", bench.DefaultRounds, "rounds in which the rows take turns")
	lockList := fs.String("locks", "", "comma-separated locks (default "+strings.Join(bench.DefaultLocks, ",")+")")
	ttl := fs.String("ttl", "", "TTL of lua and fenced, expiry of redlock (default the lock's, 8s), session TTL of etcd (whole seconds; default 60s)")
	contended := fs.Bool("contended", false, "all clients of a row lock one key (default: one key each)")
	safetyFile := fs.String("safety", "", "the JSON of `simrun matrix --json`, for the safety column")
	asJSON := fs.Bool("json", false, "print the rows as JSON")
	pos, err := parse(fs, args, stdout, "--redis ADDR[,ADDR...] [--etcd ENDPOINT[,...]] [flags]")
	if err != nil {
		return 0, err
	}
	if len(pos) > 0 {
		return 0, badInput("unexpected argument %q (bench takes only flags)", pos[0])
	}
	cfg := bench.Config{Addrs: listFlag(*addrs), Etcd: listFlag(*etcdEPs), Locks: listFlag(*lockList), Clients: *clients, Rounds: *rounds, Contended: *contended}
	if cfg.Clients == 0 {
		return 0, badInput("--clients: 0, want at least 1")
	}
	if cfg.Rounds == 0 {
		return 0, badInput("--rounds: 0, want at least 1")
	}
	if cfg.Duration, err = durationFlag("duration", *dur); err != nil {
		return 0, err
	}
	if *ttl != "" {
		if cfg.TTL, err = durationFlag("ttl", *ttl); err != nil {
			return 0, err
		}
	}
	var safety map[string]string
	if *safetyFile != "" {
		if safety, err = readSafety(*safetyFile); err != nil {
			return 0, err
		}
	}
	rows, err := bench.Run(context.Background(), cfg)
	var ce *bench.ConfigError
	var se *bench.ServerError
	switch {
	case errors.As(err, &ce):
		if ce.Field == "Addrs" && *addrs == "" {
			return 0, badInput("--redis: missing; want ADDR[,ADDR...] of running redis-servers (only --locks mutex and the etcd locks run without)")
		}
		return 0, badInput("%s: %s", benchFlags[ce.Field], ce.Msg)
	case errors.As(err, &se) && se.Kind == "etcd":
		return 0, badInput("--etcd: etcd %s does not answer (%v)", se.Addr, se.Err)
	case errors.As(err, &se):
		return 0, badInput("--redis: redis-server %s does not answer (%v)", se.Addr, se.Err)
	case err != nil:
		return 0, err
	}
	if *asJSON {
		return exitOK, writeJSON(stdout, rows)
	}
	return exitOK, bench.Markdown(stdout, rows, safety)
}

// readSafety reads a matrix written by `simrun matrix --json` and
// summarises it per lock.
func readSafety(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, badInput("--safety: %v", err)
	}
	var m scenario.Matrix
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, badInput("--safety: %s is not the JSON of `simrun matrix --json` (%v)", path, err)
	}
	if len(m.Rows) == 0 {
		return nil, badInput("--safety: %s holds no matrix rows (want the JSON of `simrun matrix --json`)", path)
	}
	return safetySummary(&m), nil
}

// safetySummary is, per lock, the scenarios of m in which the simulator
// found a safety violation, those in which the lock got stuck, and how many
// cells differ from the literature's expectation: "violations in 6/11
// scenarios, stuck in 1 (20 seeds each, as expected)".
func safetySummary(m *scenario.Matrix) map[string]string {
	type count struct{ runs, unsafe, stuck, differ int }
	counts := map[string]*count{}
	for _, r := range m.Rows {
		for _, c := range r.Cells {
			if !c.Meaningful {
				continue
			}
			n := counts[c.Lock]
			if n == nil {
				n = &count{}
				counts[c.Lock] = n
			}
			n.runs++
			switch {
			case c.Unsafe > 0:
				n.unsafe++
			case c.Stuck > 0:
				n.stuck++
			}
			if !c.Match {
				n.differ++
			}
		}
	}
	seeds := "1 seed each"
	if m.Seeds != 1 {
		seeds = fmt.Sprintf("%d seeds each", m.Seeds)
	}
	out := map[string]string{}
	for lock, n := range counts {
		s := fmt.Sprintf("violations in %d/%d scenarios", n.unsafe, n.runs)
		if n.stuck > 0 {
			s += fmt.Sprintf(", stuck in %d", n.stuck)
		}
		expected := "as expected"
		if n.differ > 0 {
			expected = fmt.Sprintf("%d differ from the literature", n.differ)
		}
		out[lock] = s + " (" + seeds + ", " + expected + ")"
	}
	return out
}
