package model

import (
	"fmt"

	"github.com/locksim/locksim/histories"
)

// grant is one successful acquire with its token.
type grant struct {
	e      histories.Event // the acquire's ok
	invoke histories.Event
}

func (g grant) String() string {
	return fmt.Sprintf("client %d's acquire (op %d, invoked %s, granted %s, token %d)",
		g.e.Process, g.e.OpID, secs(g.invoke.Time), secs(g.e.Time), g.e.Token)
}

// CheckFencingOrder checks, per lock key, that fencing tokens rise in the
// order in which the lock was granted, as the history shows it: when an
// acquire completed ok before another acquire was invoked, the first was
// granted first, and the later grant's token must be greater. The storage
// alone cannot see this: it rejects tokens below the highest it has seen,
// so the accesses it accepts stay ordered even when tokens do not follow
// the grants (a token from a wall clock instead of a counter only locks the
// rightful holder out).
//
// Grants whose order is not determined are not compared: two acquires that
// overlap in time (either may have been granted first), and indeterminate
// (info) acquires, whose token no one saw. A grant without a token, once
// tokens are in use, is noted and not compared. Without any token in the
// history's grants the verdict is Unknown (the lock hands out none).
func CheckFencingOrder(h histories.History, opts Options) Result {
	invokes := make(map[int]histories.Event) // acquire OpID -> invoke
	// before[OpID] is the highest-token grant completed before the
	// acquire's invoke, per key: the grants it must outrank.
	type best struct {
		g  grant
		ok bool
	}
	high := make(map[string]best) // key -> highest-token grant completed so far
	before := make(map[int]best)
	tokens, compared, tokenless, indeterminate := 0, 0, 0, 0
	for _, e := range h {
		if e.Op != histories.OpAcquire {
			continue
		}
		switch e.Type {
		case histories.Invoke:
			invokes[e.OpID] = e
			before[e.OpID] = high[e.Key]
		case histories.Info:
			indeterminate++
		case histories.OK:
			if e.Token == 0 {
				tokenless++
				continue
			}
			tokens++
			g := grant{e: e, invoke: invokes[e.OpID]}
			if prev := before[e.OpID]; prev.ok {
				compared++
				if e.Token <= prev.g.e.Token {
					what, why := "a lower token", "a storage that rejects tokens below the highest it has seen locks the later, rightful holder out"
					if e.Token == prev.g.e.Token {
						what, why = "the same token", "a storage cannot tell the two holders apart"
					}
					r := violationResult(NameFencingOrder,
						"fencing tokens do not rise in the order the lock %q was granted: %s was granted after %s had completed, with %s: %s",
						e.Key, g, prev.g, what, why)
					r.From, r.To = prev.g.e.Time, e.Time
					return r
				}
			}
			if cur := high[e.Key]; !cur.ok || e.Token > cur.g.e.Token {
				high[e.Key] = best{g: g, ok: true}
			}
		}
	}
	if tokens == 0 {
		return unknownResult(NameFencingOrder, "no acquire returned a fencing token: the lock hands out none")
	}
	r := okResult(NameFencingOrder, "%s: every grant that followed another has a greater token",
		plural(compared, "grant compared with the grants before it", "grants compared with the grants before them"))
	if n := tokens - compared; n > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%s with no earlier grant completed before its acquire began: order not determined, not compared", plural(n, "grant", "grants")))
	}
	if tokenless > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%s without a token: not compared", plural(tokenless, "grant", "grants")))
	}
	if indeterminate > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%s indeterminate: token unknown, not compared", plural(indeterminate, "acquire", "acquires")))
	}
	return r
}
