// Package mutate measures how many small bugs in locksim's own locks the
// named scenarios and random faults notice: a mutation score per lock
// (issue 11, "Find the bugs nobody planted").
//
// Operators (operators.go) change one AST node of a lock's source at a time:
// negate an if condition, drop a statement of an Unlock/Release/Extend
// function, flip a comparison, move an integer constant by one, read a
// clock value captured earlier instead of a fresh Now(), and turn == into
// ~= in a Lua script. Each mutant is checked for compilation in memory
// (go/types, compile.go) and then built for real in a copy of the tree.
//
// The runner (runner.go) drives the simrun binary built from each copy, not
// the scenario package's Go API, so that it keeps working while scenario's
// internals change. A mutant is killed when some (scenario or random faults,
// seed) on which the unmutated lock is safe gives another outcome with the
// mutant (judge.go): a seed where the original already fails proves nothing
// about the mutant.
package mutate
