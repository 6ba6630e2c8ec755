package scenario

import (
	"fmt"
	"io"
)

// WriteJitterReport writes the retry-jitter table and what it says about
// the source's question.
func WriteJitterReport(w io.Writer, o JitterOptions, rows []JitterRow) {
	o = o.withDefaults()
	fmt.Fprintf(w, "retry-jitter: %d clients contend on %d redlock nodes, no faults, %d seeds x %s per strategy\n\n", o.Clients, o.Nodes, o.Seeds, o.Duration)
	fmt.Fprintln(w, "| retry delay | Lock calls | acquired | gave up | rounds | won | busy (0 grants) | partial (< quorum) | split votes | first acquire p50 | p99 | acquisitions/s |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d | %d | %d | %d | %s | %s | %.1f |\n",
			r.Strategy, r.LockCalls, r.Acquired, r.GaveUp, r.Rounds, r.Won, r.Busy, r.Partial, r.SplitVotes,
			roundDur(r.FirstP50), roundDur(r.FirstP99), r.PerSecond)
	}
	jitterAnswer(w, rows)
}

// jitterAnswer says, from rows, what the retry delay does to split votes:
// the source's question (sources/001) was why a random delay helps.
func jitterAnswer(w io.Writer, rows []JitterRow) {
	var fixed, random *JitterRow
	for i := range rows {
		if rows[i].Strategy != "" && rows[i].Strategy[0] == 'r' {
			random = &rows[i]
		} else if fixed == nil {
			fixed = &rows[i]
		}
	}
	fmt.Fprintln(w, `
How the table is measured: every SET NX a Redis node executes is observed
(redis.OnCommand, package sim/redis) and grouped into rounds by the Lock call's value
(a new round when a node sees the value again); a round is won with a
quorum of grants, busy with none (someone holds the lock), partial in
between. A split vote is a cluster of rounds overlapping in time in which at
least two clients got grants and nobody reached a quorum: the lock was free
and nobody won. Times come from the history (acquire invoke to ok).`)
	if fixed == nil || random == nil || fixed.Rounds == 0 || random.Rounds == 0 {
		return
	}
	per := func(r *JitterRow) float64 { return 1000 * float64(r.SplitVotes) / float64(r.Rounds) }
	fmt.Fprintf(w, `
Answer (sources/001, "why does the random retry delay avoid split brain?"):
with a fixed delay (%s) clients that collided once wait the same time
and tend to collide again: %d split votes (%.1f per 1000 rounds), %d Lock calls gave
up. With go-redsync's random delay the retries spread out: %d split votes
(%.1f per 1000 rounds), %d gave up. The delay is not there to spare Redis
(the number of rounds barely differs: %d vs %d); it desynchronizes the
contenders so that one of them reaches a majority first. Throughput is
bounded by the critical sections either way (%.1f vs %.1f acquisitions/s).
`, fixed.Strategy, fixed.SplitVotes, per(fixed), fixed.GaveUp, random.SplitVotes, per(random), random.GaveUp,
		fixed.Rounds, random.Rounds, fixed.PerSecond, random.PerSecond)
}
