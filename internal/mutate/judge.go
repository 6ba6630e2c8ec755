package mutate

import (
	"fmt"
	"strconv"
)

// Outcome is the class of one run: simrun's four outcomes, and what can go
// wrong with a mutant's binary.
type Outcome string

// The outcome classes.
const (
	Safe      Outcome = "safe"
	Violation Outcome = "violation"
	Stuck     Outcome = "stuck"
	Unknown   Outcome = "unknown"
	// Nondeterminism: simrun exited 3.
	Nondeterminism Outcome = "nondeterminism"
	// Crash: the binary panicked or died without a JSON result.
	Crash Outcome = "crash"
	// Rejected: simrun exited 2 (bad input), e.g. a mutated constructor
	// that refuses the scenario's options.
	Rejected Outcome = "rejected"
	// Timeout: the run did not end within the run timeout (a mutant that
	// loops without yielding to the simulator).
	Timeout Outcome = "timeout"
)

// Case is one run of a lock: a named scenario, or random faults when
// Scenario is empty, with one seed.
type Case struct {
	Scenario string `json:"scenario,omitempty"`
	Seed     int64  `json:"seed"`
}

// Random reports whether the case runs random faults.
func (c Case) Random() bool { return c.Scenario == "" }

// String names the case for a table: "holder-crash seed 3".
func (c Case) String() string {
	name := c.Scenario
	if c.Random() {
		name = "random-faults"
	}
	return name + " seed " + strconv.FormatInt(c.Seed, 10)
}

// Args are simrun's arguments that run the case for lock.
func (c Case) Args(lock string) []string {
	a := []string{"run", "--lock", lock}
	if c.Random() {
		a = append(a, "--faults", "random")
	} else {
		a = append(a, "--scenario", c.Scenario)
	}
	return append(a, "--seed", strconv.FormatInt(c.Seed, 10))
}

// Command is the shell command that reproduces the case with the mutant's
// simrun.
func (c Case) Command(lock string) string {
	s := "simrun"
	for _, a := range c.Args(lock) {
		s += " " + a
	}
	return s
}

// Table holds the outcome of each case of one lock.
type Table map[Case]Outcome

// Kills is the bug-only rule: a case kills a mutant when the unmutated lock
// is safe on it and the mutant is shown to be broken there (a violation, a
// stuck lock, a crash, a rejection or a timeout). A case the original
// already fails says nothing about the mutant, whatever the mutant does
// there; and an unknown outcome shows nothing either: "could not decide"
// is not a failure.
func Kills(original, mutant Outcome) bool {
	return original == Safe && mutant != "" && mutant != Safe && mutant != Unknown
}

// Candidates are the cases of order on which the original is safe: the
// only ones that can kill a mutant, so the only ones worth running.
func Candidates(order []Case, original Table) []Case {
	var out []Case
	for _, c := range order {
		if original[c] == Safe {
			out = append(out, c)
		}
	}
	return out
}

// Kill is the case that killed a mutant.
type Kill struct {
	Case     Case    `json:"case"`
	Original Outcome `json:"original"`
	Mutant   Outcome `json:"mutant"`
	// Command reproduces it with the mutant's simrun.
	Command string `json:"command"`
}

func (k Kill) String() string {
	return fmt.Sprintf("%s: %s (original %s)", k.Case, k.Mutant, k.Original)
}

// Judge returns the first case of order that kills the mutant, by Kills.
func Judge(lock string, order []Case, original, mutant Table) (Kill, bool) {
	for _, c := range order {
		if Kills(original[c], mutant[c]) {
			return Kill{Case: c, Original: original[c], Mutant: mutant[c], Command: c.Command(lock)}, true
		}
	}
	return Kill{}, false
}
