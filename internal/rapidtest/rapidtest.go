// Package rapidtest lets a test assert that a rapid property fails and see
// what rapid shrank the failure to, instead of failing itself: the tool for
// proving that a property test can find a bug.
package rapidtest

import (
	"flag"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"pgregory.net/rapid"
)

// RecordingTB is a rapid.TB that records a failure instead of failing the
// test.
type RecordingTB struct {
	mu     sync.Mutex
	failed bool
	logs   []string
}

var _ rapid.TB = (*RecordingTB)(nil)

func (r *RecordingTB) Helper()              {}
func (r *RecordingTB) Name() string         { return "recording" }
func (r *RecordingTB) Log(args ...any)      { r.Logf("%s", fmt.Sprint(args...)) }
func (r *RecordingTB) Skip(args ...any)     { r.SkipNow() }
func (r *RecordingTB) Skipf(string, ...any) { r.SkipNow() }
func (r *RecordingTB) SkipNow()             { runtime.Goexit() }
func (r *RecordingTB) Error(args ...any)    { r.Log(args...); r.Fail() }
func (r *RecordingTB) Errorf(format string, args ...any) {
	r.Logf(format, args...)
	r.Fail()
}
func (r *RecordingTB) Fatal(args ...any) { r.Error(args...); r.FailNow() }
func (r *RecordingTB) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.FailNow()
}
func (r *RecordingTB) FailNow() { r.Fail(); runtime.Goexit() }
func (r *RecordingTB) Fail()    { r.mu.Lock(); r.failed = true; r.mu.Unlock() }

// Failed reports whether the property failed.
func (r *RecordingTB) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

// Logf records a line.
func (r *RecordingTB) Logf(format string, args ...any) {
	r.mu.Lock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

// Logs returns what rapid logged, its report of the minimal failure
// included.
func (r *RecordingTB) Logs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.logs...)
}

// Shrunk runs a property that draws a value from gen and fails when bad
// holds for it, with rapid's seed fixed to seed, checks checks and no fail
// file written. It returns whether rapid reported a failure, the last
// failing value it saw (the minimal one: rapid replays it last) and rapid's
// log.
//
// The seed is fixed because rapid's shrinker can stop at a local minimum
// for some seeds, which would make exact assertions on the result flaky.
func Shrunk[V any](t *testing.T, gen *rapid.Generator[V], bad func(V) bool, seed uint64, checks int) (bool, V, []string) {
	t.Helper()
	for _, kv := range [][2]string{{"rapid.nofailfile", "true"}, {"rapid.seed", strconv.FormatUint(seed, 10)}, {"rapid.checks", strconv.Itoa(checks)}} {
		fl := flag.Lookup(kv[0])
		if fl == nil {
			t.Fatalf("rapid flag %s is not registered", kv[0])
		}
		old := fl.Value.String()
		if err := fl.Value.Set(kv[1]); err != nil {
			t.Fatalf("set %s: %v", kv[0], err)
		}
		defer func() { _ = fl.Value.Set(old) }()
	}
	var last V
	rec := &RecordingTB{}
	done := make(chan struct{})
	go func() { // rapid ends a failed check with runtime.Goexit
		defer close(done)
		rapid.Check(rec, func(t *rapid.T) {
			v := gen.Draw(t, "value")
			if bad(v) {
				last = v
				t.Fatalf("bad value")
			}
		})
	}()
	<-done
	return rec.Failed(), last, rec.Logs()
}
