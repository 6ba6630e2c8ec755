package unmodified

import (
	"flag"
	"io"
	"os"
	"reflect"
	"testing"
	"testing/synctest"
	"time"
)

// Main runs main, a program's real main, where it can run unmodified
// libraries in synctest bubbles, and exits with main's exit code.
//
// Why: a synctest bubble needs a *testing.T (Go 1.26 has synctest.Test
// only; synctest.Run is gone), and a command built with go build has none.
// Main gets one the way a test binary does: testing.MainStart, the
// function go test's generated main calls, with a testDeps of its own,
// running one test whose body serves bubbles, one at a time, for as long
// as the program runs. main runs on the calling goroutine; Main exits
// with os.Exit before the test ends, so the testing package prints
// nothing (no PASS or FAIL line), and it marks the flag package's command
// line parsed first, so no testing flag is ever read from the program's
// arguments.
//
// Risk: testing.MainStart is documented as internal ("not subject to the
// Go 1 compatibility document"); its testDeps parameter is an unexported
// interface, satisfied here method by method. A Go release that changes
// either breaks this file at compile time, not at run time; the fix is
// to follow the new method set. Runs of unmodified libraries are
// serialized through the one test.
func Main(main func() int) {
	if !flag.Parsed() {
		_ = flag.CommandLine.Parse(nil) // testing flags stay at their defaults
	}
	type job struct {
		f    func()
		done chan struct{}
	}
	jobs := make(chan job)
	serving := make(chan struct{})
	serve := func(t *testing.T) {
		close(serving)
		for j := range jobs {
			synctest.Test(t, func(*testing.T) { j.f() })
			close(j.done)
		}
	}
	m := testing.MainStart(deps{}, []testing.InternalTest{{Name: "LocksimBubbles", F: serve}}, nil, nil, nil)
	runnerMu.Lock()
	runner = func(f func()) {
		j := job{f: f, done: make(chan struct{})}
		jobs <- j
		<-j.done
	}
	runnerMu.Unlock()
	go m.Run() // the test serves bubbles until the program exits
	// main starts once the testing package's set-up is over: in a test
	// binary whose TestMain calls Main, the outer M.Run then sets up after
	// the inner one, never at the same time.
	<-serving
	os.Exit(main())
}

// deps is the testDeps of Main's testing.MainStart: no profiling, no
// coverage, no fuzzing. Every pattern matches, so that the one test runs
// whatever -test.run a test binary whose TestMain calls Main was given
// (its -test.skip, matching too, would skip it: do not combine them).
type deps struct{}

func (deps) ImportPath() string                          { return "" }
func (deps) ModulePath() string                          { return "" }
func (deps) MatchString(string, string) (bool, error)    { return true, nil }
func (deps) SetPanicOnExit0(bool)                        {}
func (deps) StartCPUProfile(io.Writer) error             { return nil }
func (deps) StopCPUProfile()                             {}
func (deps) StartTestLog(io.Writer)                      {}
func (deps) StopTestLog() error                          { return nil }
func (deps) WriteProfileTo(string, io.Writer, int) error { return nil }
func (deps) CoordinateFuzzing(time.Duration, int64, time.Duration, int64, int, []corpusEntry, []reflect.Type, string, string) error {
	return nil
}
func (deps) RunFuzzWorker(func(corpusEntry) error) error              { return nil }
func (deps) ReadCorpus(string, []reflect.Type) ([]corpusEntry, error) { return nil, nil }
func (deps) CheckCorpus([]any, []reflect.Type) error                  { return nil }
func (deps) ResetCoverage()                                           {}
func (deps) SnapshotCoverage()                                        {}
func (deps) InitRuntimeCoverage() (string, func(string, string) (string, error), func() float64) {
	return "", nil, nil
}

// corpusEntry is the testing package's corpusEntry, an alias of this
// struct type.
type corpusEntry = struct {
	Parent     string
	Path       string
	Data       []byte
	Values     []any
	Generation int
	IsSeed     bool
}
