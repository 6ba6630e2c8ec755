package locks

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// fakeRuntime is a single-threaded deterministic Runtime for unit tests:
// its clock moves only when Sleep is called or a test moves it, Group runs
// each function at once, and Rand is seeded from a counter.
type fakeRuntime struct {
	now      time.Time
	slept    []time.Duration
	timeouts []time.Duration
	seed     uint64
}

func newFakeRuntime() *fakeRuntime {
	return &fakeRuntime{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (f *fakeRuntime) Now() time.Time { return f.now }

func (f *fakeRuntime) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.slept = append(f.slept, d)
	f.now = f.now.Add(d)
	return nil
}

func (f *fakeRuntime) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	f.timeouts = append(f.timeouts, d)
	return context.WithCancel(ctx)
}

func (f *fakeRuntime) Group() Group            { return seqGroup{} }
func (f *fakeRuntime) NewMutex() Mutex         { return Real().NewMutex() }
func (f *fakeRuntime) Rand() *rand.Rand        { f.seed++; return rand.New(rand.NewPCG(f.seed, 0)) }
func (f *fakeRuntime) advance(d time.Duration) { f.now = f.now.Add(d) }

type seqGroup struct{}

func (seqGroup) Go(fn func()) { fn() }
func (seqGroup) Wait()        {}

// fakeConn answers with reply and records every command.
type fakeConn struct {
	name  string
	log   *[]string
	reply func(args []any) (any, error)
}

func (c fakeConn) Do(ctx context.Context, args ...any) (any, error) {
	if c.log != nil {
		*c.log = append(*c.log, fmt.Sprint(c.name, args))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.reply(args)
}

// cmd returns the command name of a logged call ("SET", "EVAL", ...).
func cmdOf(args []any) string { s, _ := args[0].(string); return s }
