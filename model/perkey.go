package model

import (
	"fmt"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/locksim/locksim/histories"
)

// perKeySearch is a porcupine check that searches each key's operations
// separately: CheckLockLinearizable and CheckResourceLinearizable.
type perKeySearch struct {
	check string // the check's name, e.g. NameLockLinearizable
	// keyPrefix goes before the quoted key where an unknown names it
	// ("lock " gives `the search on lock "L" ...`).
	keyPrefix string
	// one and many name an operation in a count ("operation",
	// "operations").
	one, many string
	// visualizeFile is the visualization's file name in opts.VisualizeDir.
	visualizeFile string
	// model is the model the key's operations are checked against.
	model func(key string, ops []porcupine.Operation) porcupine.Model
	// explain tells why key's operations are not linearizable, and the
	// stretch of time it is about (zero if none).
	explain func(key string, ops []porcupine.Operation, lc linCheck) (string, time.Duration, time.Duration)
}

// run checks keys in order, all on one budget of opts.searchBudget()
// model steps. It returns the first key's violation (with its
// visualization when opts.VisualizeDir is set), else Unknown naming each
// key whose search ran out of steps or was not reached; ok is true only
// when every key is linearizable, and total is the number of operations.
// Nothing here reads a clock: the verdict is the same on any machine.
func (s perKeySearch) run(h histories.History, opts Options, byKey map[string][]porcupine.Operation, keys []string) (r Result, total int, ok bool) {
	budget := newStepBudget(opts)
	var unknowns []string
	for _, key := range keys {
		ops := byKey[key]
		total += len(ops)
		if budget.left <= 0 {
			unknowns = append(unknowns, fmt.Sprintf("%s%q (%s) not checked: the search budget of %d model steps is spent",
				s.keyPrefix, key, plural(len(ops), s.one, s.many), opts.searchBudget()))
			continue
		}
		limit := memorySteps(len(ops))
		if limit < int64(len(ops)) {
			unknowns = append(unknowns, fmt.Sprintf("%s%q (%s) not checked: a search of so many would need more than %d MiB to remember the states it has seen",
				s.keyPrefix, key, plural(len(ops), s.one, s.many), searchCacheBytes>>20))
			continue
		}
		m := s.model(key, ops)
		left := budget.left
		budget.left = min(left, limit)
		allowed := budget.left
		lc := runPorcupine(m, ops, budget)
		budget.left = left - (allowed - budget.left)
		switch lc.result {
		case porcupine.Ok:
			continue
		case porcupine.Unknown:
			why := fmt.Sprintf("the budget of %d model steps (Options.SearchBudget)", opts.searchBudget())
			if allowed == limit && limit < left {
				why = fmt.Sprintf("%d model steps, the most a search of %s may take within %d MiB", limit, plural(len(ops), s.one, s.many), searchCacheBytes>>20)
			}
			unknowns = append(unknowns, fmt.Sprintf("the search on %s%q (%s) gave up after %s",
				s.keyPrefix, key, plural(len(ops), s.one, s.many), why))
			continue
		}
		text, from, to := s.explain(key, ops, lc)
		r := violationResult(s.check, "%s", text)
		r.From, r.To = from, to
		if opts.VisualizeDir != "" && lc.info != nil {
			path, err := visualize(m, lc.info, h, opts.VisualizeDir, s.visualizeFile)
			if err != nil {
				r.Notes = append(r.Notes, err.Error())
			} else {
				r.Visualization = path
			}
		}
		return r, total, false
	}
	if len(unknowns) > 0 {
		return unknownResult(s.check, "%s", strings.Join(unknowns, "; ")), total, false
	}
	return Result{}, total, true
}
