package scenario

import (
	"errors"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/locksim/locksim/histories"
	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/model"
)

// CheckArtifact replays the artifact at path from a test, with newLock
// building the lock (nil: the built-in lock the artifact records), and
// reports on t: an error if the replay does not reproduce the recorded
// trace (nondeterminism: the lock escapes its Env's Runtime, or newLock is
// not the constructor of the recorded run), and an error with the checks'
// findings if the replayed run is not safe. It returns the replayed
// result (nil if there is none), to inspect its History. It is the line a
// failing Spec prints as its replay; a custom lock's artifact can only be
// replayed this way (or with ReplayFile), since simrun cannot build it.
func CheckArtifact(t testing.TB, path string, newLock func(env locks.Env) (locks.Locker, error)) *Result {
	t.Helper()
	a, err := histories.LoadArtifact(path)
	if err != nil {
		t.Fatalf("locksim: %v", err)
		return nil
	}
	res, err := Replay(a, Options{NewLock: newLock})
	var nd *NondeterminismError
	switch {
	case errors.As(err, &nd):
		t.Errorf("locksim: replay of %s: %v: the lock under test must take time, randomness and concurrency only from its Env's Runtime, and be built by the same constructor as the recorded run", path, err)
	case err != nil:
		t.Fatalf("locksim: replay of %s: %v", path, err)
		return nil
	}
	var b strings.Builder
	for _, c := range res.Checks {
		if c.Verdict != model.OK {
			b.WriteString("\n  " + c.String())
		}
	}
	if o := res.Outcome(); o != Safe {
		t.Errorf("locksim: replay of %s (seed %d): %s%s", path, res.Seed, o, b.String())
	} else {
		t.Logf("locksim: replay of %s (seed %d): safe", path, res.Seed)
	}
	return res
}

// goIdent is a top-level Go function's name, as a test can write it: not
// a closure ("F.func1") or a method value ("(*T).M-fm").
var goIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// funcName is how code in package caller (an import path) names f, or
// "yourConstructor" when f has no name a test can write (a closure).
func funcName(f any, caller string) string {
	fn := runtime.FuncForPC(reflect.ValueOf(f).Pointer())
	if fn == nil {
		return "yourConstructor"
	}
	pkg, name := splitFuncName(fn.Name())
	if !goIdent.MatchString(name) {
		return "yourConstructor"
	}
	if pkg != caller {
		name = pkg[strings.LastIndex(pkg, "/")+1:] + "." + name
	}
	return name
}

// splitFuncName splits a runtime function name ("example.com/a/b.F",
// "example.com/a/b.(*T).M") into its package path and the rest.
func splitFuncName(full string) (pkg, name string) {
	slash := strings.LastIndex(full, "/")
	dot := strings.Index(full[slash+1:], ".")
	if dot < 0 {
		return "", full
	}
	return full[:slash+1+dot], full[slash+1+dot+1:]
}

// callerPackage is the package of the code that called Verify (directly
// or through Check): the user's test, whose own functions need no
// qualifier.
func callerPackage() string {
	self, _ := splitFuncName(runtime.FuncForPC(reflect.ValueOf(Verify).Pointer()).Name())
	pcs := make([]uintptr, 32)
	n := runtime.Callers(1, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	seen := false
	for {
		fr, more := frames.Next()
		switch {
		case fr.Function == self+".Verify":
			seen = true
		case seen && fr.Function != self+".Check":
			pkg, _ := splitFuncName(fr.Function)
			return pkg
		}
		if !more {
			return ""
		}
	}
}
