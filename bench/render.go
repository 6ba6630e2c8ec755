package bench

import (
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// SourceRow is a row of the source material's benchmark table (AWS
// c6g.2xlarge).
type SourceRow struct {
	// Strategy is the source's name for it.
	Strategy string
	// OpsPerSec and P99 are the source's figures, P99 as the source
	// writes it.
	OpsPerSec float64
	P99       string
	// Locks are the locks of this package it is set beside; none for a
	// strategy locksim does not measure.
	Locks []string
}

// Source is the source's table, in its order. Its "Redlock+Lua" row is set
// beside both lua (the article's Lua script lock) and redlock, and its
// "Mutex (In-Memory)" beside both mutex and the SyncMutex reference, since
// the source does not say which it timed; its "Etcd v3" beside etcd and
// etcd-fenced.
var Source = []SourceRow{
	{Strategy: "Mutex (In-Memory)", OpsPerSec: 1_200_000, P99: "<0.1ms", Locks: []string{"mutex", SyncMutex}},
	{Strategy: "Redis (SETNX)", OpsPerSec: 15_000, P99: "4ms", Locks: []string{"setnx"}},
	{Strategy: "Redis (Redlock+Lua)", OpsPerSec: 12_500, P99: "6ms", Locks: []string{"lua", "redlock"}},
	{Strategy: "Etcd v3", OpsPerSec: 4_200, P99: "18ms", Locks: []string{"etcd", "etcd-fenced"}},
}

// SourceEnv is the machine the source measured on.
const SourceEnv = "AWS c6g.2xlarge"

// sourceOf returns the source row beside lock, if any.
func sourceOf(lock string) (SourceRow, bool) {
	for _, s := range Source {
		for _, l := range s.Locks {
			if l == lock {
				return s, true
			}
		}
	}
	return SourceRow{}, false
}

// Markdown writes rows as a Markdown table beside the source's figures.
// Ratios are to the setnx row (to the mutex row when there is no measured
// setnx row), measured and in the source. safety maps a lock's name (or its
// Label, e.g. "redlock/5", which takes precedence) to a one-line summary of
// what the simulator measured for it; a lock without one gets "–".
func Markdown(w io.Writer, rows []Row, safety map[string]string) error {
	var b strings.Builder
	base, srcBase := baseRow(rows)
	mode := "each client locks its own key (uncontended: the cost of the lock's round trips)"
	if len(rows) > 0 && rows[0].Contended {
		mode = "all clients of a row lock one key (contended: retry delays dominate)"
	}
	clients, rounds, dur := 0, 0, time.Duration(0)
	for _, r := range rows {
		if r.Skipped == "" {
			clients = max(clients, r.Clients)
			rounds = max(rounds, r.Rounds)
			dur = max(dur, r.Elapsed)
		}
	}
	fmt.Fprintf(&b, "Lock benchmark on real redis-server and etcd: acquire+release cycles, %d concurrent clients per row, about %s per row in %d rounds (the rows take turns); %s.\n\n",
		clients, dur.Round(100*time.Millisecond), rounds, mode)
	ratioHead := "–"
	if base != nil {
		ratioHead = "÷ " + base.Label()
	}
	fmt.Fprintf(&b, "| lock | nodes | clients | cycles | ops/s | ops/s per round (min–max of %d) | p50 | p99 | errors | ops/s %s | source (%s) | source ops/s | source p99 | source %s | safety (simulator) |\n",
		rounds, ratioHead, SourceEnv, srcRatioHead(srcBase))
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |\n")
	for _, r := range rows {
		nodes := "–"
		if r.Nodes > 0 {
			nodes = strconv.Itoa(r.Nodes)
		}
		src, hasSrc := sourceOf(r.Lock)
		srcCols := "– | – | – | –"
		if hasSrc {
			srcCols = fmt.Sprintf("%s | %s | %s | %s", src.Strategy, thousands(src.OpsPerSec), src.P99, ratio(src.OpsPerSec, srcBase))
		}
		if r.Skipped != "" {
			fmt.Fprintf(&b, "| %s | %s | %d | %s | – | – | – | – | – | – | %s | %s |\n",
				r.Lock, nodes, r.Clients, r.Skipped, srcCols, safetyOf(safety, r))
			continue
		}
		var baseOps float64
		if base != nil {
			baseOps = base.OpsPerSec
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s–%s | %s | %s | %d | %s | %s | %s |\n",
			r.Lock, nodes, r.Clients, thousands(float64(r.Cycles)), thousands(r.OpsPerSec),
			thousands(r.MinOpsPerSec), thousands(r.MaxOpsPerSec), latency(r.P50), latency(r.P99), r.Errors,
			ratio(r.OpsPerSec, baseOps), srcCols, safetyOf(safety, r))
	}
	for _, s := range Source {
		if !carried(rows, s) {
			fmt.Fprintf(&b, "| – | – | – | – | – | – | – | – | – | – | %s | %s | %s | %s | – |\n",
				s.Strategy, thousands(s.OpsPerSec), s.P99, ratio(s.OpsPerSec, srcBase))
		}
	}
	fmt.Fprintf(&b, "\nMeasured on %d CPU(s) (GOMAXPROCS %d, %s/%s), where this process (the load generator) and the servers share the cores; the source's machine has 8 vCPUs and does not say where its servers ran. ",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH)
	b.WriteString("Absolute figures are not comparable with the source's: compare the ratios between rows.\n")
	b.WriteString("ops/s: completed cycles per wall second over all clients; p50, p99: latency of one cycle (log-linear histogram, within 1%, never understated); errors: cycles whose Lock or Unlock failed.\n")
	b.WriteString("The source's Redlock+Lua row stands beside both lua and redlock, its Mutex row beside both mutex (locksim's, through the runtime seam) and a bare sync.Mutex (reference; its cycle is as short as the two clock reads that time it), since it does not say which it timed; its Etcd v3 row stands beside etcd (clientv3 concurrency.Mutex's algorithm through the real client: session lease, one Txn to enqueue, a guarded delete to release).\n")
	if e, l := measured(rows, "etcd"), measured(rows, "lua"); e != nil && l != nil {
		se, _ := sourceOf("etcd")
		sl, _ := sourceOf("lua")
		fmt.Fprintf(&b, "etcd ÷ lua: %s the ops/s, %s the p99; in the source, %s ÷ %s: %s the ops/s (p99 %s against %s).\n",
			ratio(e.OpsPerSec, l.OpsPerSec), ratio(float64(e.P99), float64(l.P99)),
			se.Strategy, sl.Strategy, ratio(se.OpsPerSec, sl.OpsPerSec), se.P99, sl.P99)
	}
	for _, r := range rows {
		if r.FirstError != "" {
			fmt.Fprintf(&b, "First error of %s: %s\n", r.Label(), oneLine(r.FirstError))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// carried reports whether some row stands beside source row s.
func carried(rows []Row, s SourceRow) bool {
	for _, r := range rows {
		for _, l := range s.Locks {
			if r.Lock == l {
				return true
			}
		}
	}
	return false
}

// measured returns the measured row of lock, if any.
func measured(rows []Row, lock string) *Row {
	for i := range rows {
		if rows[i].Lock == lock && rows[i].Skipped == "" && rows[i].OpsPerSec > 0 {
			return &rows[i]
		}
	}
	return nil
}

// baseRow is the row the ratios are taken to, and the source's figure for
// it.
func baseRow(rows []Row) (*Row, float64) {
	for _, name := range []string{"setnx", "mutex"} {
		for i := range rows {
			if rows[i].Lock == name && rows[i].Skipped == "" && rows[i].OpsPerSec > 0 {
				s, _ := sourceOf(name)
				return &rows[i], s.OpsPerSec
			}
		}
	}
	return nil, 0
}

func srcRatioHead(srcBase float64) string {
	for _, s := range Source {
		if srcBase > 0 && s.OpsPerSec == srcBase {
			return "÷ " + s.Strategy
		}
	}
	return "ratio"
}

func safetyOf(safety map[string]string, r Row) string {
	if s, ok := safety[r.Label()]; ok && s != "" {
		return oneLine(s)
	}
	if s, ok := safety[r.Lock]; ok && s != "" {
		return oneLine(s)
	}
	return "–"
}

// ratio formats a/b as a factor ("0.83×"), "–" when b is not positive.
func ratio(a, b float64) string {
	if b <= 0 {
		return "–"
	}
	q := a / b
	switch {
	case q >= 100:
		return fmt.Sprintf("%.0f×", q)
	case q >= 10:
		return fmt.Sprintf("%.1f×", q)
	}
	return fmt.Sprintf("%.2f×", q)
}

// thousands formats an ops/s figure with thousands separators, rounded to
// an integer.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(v+0.5), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// latency formats a duration to three significant digits.
func latency(d time.Duration) string {
	unit := time.Duration(1)
	for d/unit >= 1000 {
		unit *= 10
	}
	return d.Round(unit).String()
}

// oneLine keeps a table cell on one line and free of column separators.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", "/")
}
