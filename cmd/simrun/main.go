// Command simrun is locksim's command line, thin over package scenario: it
// runs one simulation, explores many seeds, measures the expected-outcome
// matrix, replays and shrinks failure artifacts, and runs experiments.
//
// Exit codes: 0 nothing found, 1 a violation found (a safety violation or
// a stuck lock; for matrix, a cell that differs from its expectation), 2
// bad input (one line on stderr naming the flag, value or file), 3
// nondeterminism detected. A run no check could decide is not a violation:
// it exits 0, and the report says UNKNOWN and why.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/locksim/locksim/backend/unmodified"
)

// Exit codes.
const (
	exitOK             = 0
	exitViolation      = 1
	exitBadInput       = 2
	exitNondeterminism = 3
)

// main runs simrun under unmodified.Main, which gives the binary the
// synctest bubbles that the published libraries' rows (redsync, redislock)
// run in, without a Go toolchain (see unmodified.Main for how and the risk).
func main() {
	unmodified.Main(func() int { return run(os.Args[1:], os.Stdout, os.Stderr) })
}

// command is one subcommand. run returns the exit code, or an error:
// errHelp once it printed its help, else what run reports (exit code 2).
type command struct {
	name, args, summary string
	run                 func(args []string, stdout, stderr io.Writer) (int, error)
}

func commands() []command {
	return []command{
		{"scenarios", "", "list the named scenarios, one line each", cmdScenarios},
		{"run", "--lock NAME [--scenario NAME | --faults FILE|random] [--seed N] ...", "run one simulation", cmdRun},
		{"explore", "--lock NAME [--scenario NAME | --faults random] --seeds N [--from N] [--jobs N] ...", "run many seeds, save failures", cmdExplore},
		{"matrix", "[--seeds N] [--locks a,b] [--scenarios x,y] [--jobs N] [--json]", "measure the expected-outcome table", cmdMatrix},
		{"replay", "ARTIFACT [--out DIR]", "re-run an artifact and check its trace hash", cmdReplay},
		{"shrink", "ARTIFACT [--out FILE]", "make a failing artifact minimal", cmdShrink},
		{"report", "DIR [--out FILE]", "write one HTML page of an explore directory's failures", cmdReport},
		{"experiment", "retry-jitter [--seeds N] [--jobs N] [--json]", "answer a question of the sources with data", cmdExperiment},
		{"live", "--lock NAME --scenario NAME [--seed N] ...", "run one config against real redis-servers with real faults", cmdLive},
		{"crosscheck", "[--locks a,b] [--scenarios x,y] [--runs N] [--jobs N]", "run named cells in the simulator and live, and compare", cmdCrosscheck},
		{"bench", "--redis ADDR[,ADDR...] [--clients N] [--duration D] [--locks a,b] [--safety FILE]", "measure the locks on real redis-servers", cmdBench},
	}
}

// run is simrun with args (without the program name); it returns the exit
// code.
func run(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			// a bug, not bad input; still one line, without the task's
			// stack that a simulator panic carries.
			msg, _, _ := strings.Cut(fmt.Sprint(r), "\n")
			fmt.Fprintf(stderr, "simrun: internal error (a bug, please report it): %s\n", msg)
			code = exitBadInput
		}
	}()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		usage(stdout)
		if len(args) == 0 {
			fmt.Fprintln(stderr, "simrun: missing subcommand (want one of "+strings.Join(names(), ", ")+")")
			return exitBadInput
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		code, err := c.run(args[1:], stdout, stderr)
		if errors.Is(err, errHelp) {
			return exitOK
		}
		if err != nil {
			var ie *inputError
			if !errors.As(err, &ie) {
				fmt.Fprintf(stderr, "simrun %s: %v\n", c.name, err)
				return exitBadInput
			}
			fmt.Fprintf(stderr, "simrun %s: %s\n", c.name, oneLine(ie.Error()))
			return exitBadInput
		}
		return code
	}
	fmt.Fprintf(stderr, "simrun: unknown subcommand %q (want one of %s)\n", args[0], strings.Join(names(), ", "))
	return exitBadInput
}

func names() []string {
	var out []string
	for _, c := range commands() {
		out = append(out, c.name)
	}
	return out
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: simrun SUBCOMMAND [flags]   (simrun SUBCOMMAND -h for its flags)")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
		if c.args != "" {
			fmt.Fprintf(w, "             simrun %s %s\n", c.name, c.args)
		}
	}
	fmt.Fprintln(w, "exit codes: 0 nothing found (UNKNOWN if undecided), 1 violation or stuck, 2 bad input, 3 nondeterminism")
}

// inputError is bad input: printed as one line, exit code 2.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

func badInput(format string, args ...any) error {
	return &inputError{fmt.Sprintf(format, args...)}
}

// oneLine joins the lines of s, so that bad input is one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}
