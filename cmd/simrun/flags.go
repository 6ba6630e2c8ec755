package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// newFlags returns a flag set that prints nothing: simrun reports flag
// errors itself, in one line.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// errHelp reports that a subcommand printed its help: run exits 0.
var errHelp = errors.New("help")

// parse parses args with fs, allowing positional arguments between flags,
// and returns the positional ones. Errors name the flag. Asked for help, it
// prints the subcommand's usage (usage is what follows its name) and flags
// to stdout and returns errHelp.
func parse(fs *flag.FlagSet, args []string, stdout io.Writer, usage string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				printHelp(stdout, fs.Name(), usage, fs)
				return nil, errHelp
			}
			return nil, badInput("%s", flagError(err))
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// flagError rewrites the flag package's errors as one sentence naming the
// flag with two dashes.
func flagError(err error) string {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return fmt.Sprintf("unknown flag --%s", strings.TrimPrefix(rest, "-"))
	}
	if rest, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return fmt.Sprintf("flag --%s needs a value", strings.TrimPrefix(rest, "-"))
	}
	if strings.HasPrefix(msg, "invalid value ") {
		// invalid value "x" for flag -seed: parse error
		if i := strings.Index(msg, " for flag -"); i >= 0 {
			name, reason, _ := strings.Cut(msg[i+len(" for flag -"):], ": ")
			return fmt.Sprintf("--%s: invalid value %s (%s)", name, msg[len("invalid value "):i], reason)
		}
	}
	return msg
}

// printHelp prints the flags of fs for a subcommand.
func printHelp(w io.Writer, name, args string, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: simrun %s %s\n", name, args)
	fs.VisitAll(func(f *flag.Flag) {
		def := ""
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			def = " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "  --%-12s %s%s\n", f.Name, f.Usage, def)
	})
}

// durationFlag parses a duration flag value, naming the flag on error.
func durationFlag(name, v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, badInput("--%s: %q is not a duration (want e.g. 8s or 500ms)", name, v)
	}
	if d <= 0 {
		return 0, badInput("--%s: %s must be positive", name, v)
	}
	return d, nil
}

// listFlag splits a comma-separated list, dropping empty items.
func listFlag(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// set reports which flags of fs were given.
func set(fs *flag.FlagSet) map[string]bool {
	m := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { m[f.Name] = true })
	return m
}

func itoa(n int) string { return strconv.Itoa(n) }

// trimBad drops the "bad config: " prefix of a scenario error.
func trimBad(err error) string {
	return strings.TrimPrefix(err.Error(), "bad config: ")
}
