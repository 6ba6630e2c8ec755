package scenario

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/locks"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// luaFromEnv builds the built-in lua lock from the Env's options alone:
// with the same parameters it is the built-in lock, trace for trace.
func luaFromEnv(env locks.Env) (locks.Locker, error) {
	return locks.New("lua", env, env.Options)
}

// envSeen records the Envs a constructor was given.
type envSeen struct {
	like string // the built-in lock it builds
	mu   sync.Mutex
	envs []locks.Env
}

func (e *envSeen) build(env locks.Env) (locks.Locker, error) {
	e.mu.Lock()
	e.envs = append(e.envs, env)
	e.mu.Unlock()
	return locks.New(e.like, env, env.Options)
}

func TestEnvCarriesTheRunsOptions(t *testing.T) {
	tests := []struct {
		like    string
		ttl     time.Duration
		wantOpt locks.Options
	}{
		{"lua", 3 * time.Second, locks.Options{Key: LockKey, TTL: 3 * time.Second, RetryDelay: 5 * time.Millisecond}},
		{"setnx", 2 * time.Second, locks.Options{Key: LockKey, RetryDelay: 5 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.like, func(t *testing.T) {
			seen := &envSeen{like: tt.like}
			cfg := Config{Lock: tt.like, Clients: 2, TTL: Duration(tt.ttl), Duration: Duration(time.Second), RetryDelay: Duration(5 * time.Millisecond)}
			_, err := Run(cfg, 1, Options{NewLock: seen.build})
			require.NoError(t, err)
			require.Len(t, seen.envs, 2)
			for _, env := range seen.envs {
				assert.Equal(t, tt.wantOpt, env.Options)
				assert.Equal(t, tt.ttl, env.TTL, "the TTL is there even when the built-in lock takes none")
			}
		})
	}
}

func TestCustomLockFromEnvIsTheBuiltIn(t *testing.T) {
	cfg := namedConfig(t, "gc-pause", "lua")
	cfg.TTL = Duration(5 * time.Second) // not the default: nothing hard-coded
	built, err := Run(cfg, 3, Options{})
	require.NoError(t, err)
	custom, err := Run(cfg, 3, Options{NewLock: luaFromEnv, LockName: "mine"})
	require.NoError(t, err)
	assert.Equal(t, built.TraceHash, custom.TraceHash)
	assert.Equal(t, "", built.Config.CustomLock)
	assert.Equal(t, "mine", custom.Config.CustomLock)
}

func TestCustomLockArtifacts(t *testing.T) {
	dir := t.TempDir()
	cfg := namedConfig(t, "gc-pause", "lua")
	built, err := Run(cfg, 1, Options{})
	require.NoError(t, err)
	builtPath, err := SaveArtifact(built, dir)
	require.NoError(t, err)

	names := map[string]string{"": "custom-lua-gc-pause-seed1.json", "mine": "custom-mine-gc-pause-seed1.json", "custom_v2": "custom_v2-gc-pause-seed1.json"}
	for name, file := range names {
		res, err := Run(cfg, 1, Options{NewLock: luaFromEnv, LockName: name})
		require.NoError(t, err)
		path, err := SaveArtifact(res, dir)
		require.NoError(t, err)
		assert.Equal(t, file, filepath.Base(path))
		assert.NotEqual(t, builtPath, path)

		// Without its constructor the run cannot be replayed: an error
		// that says so, never a nondeterminism.
		_, err = ReplayFile(path, Options{})
		require.ErrorIs(t, err, ErrCustomLock)
		var nd *NondeterminismError
		require.False(t, errors.As(err, &nd))
		// With it, the replay reproduces the run.
		again, err := ReplayFile(path, Options{NewLock: luaFromEnv})
		require.NoError(t, err)
		assert.Equal(t, res.TraceHash, again.TraceHash)
		// Shrinking needs it too.
		_, err = Shrink(context.Background(), res.Config, 1, ShrinkOptions{MaxRuns: 1})
		require.ErrorIs(t, err, ErrCustomLock)
		sr, err := Shrink(context.Background(), res.Config, 1, ShrinkOptions{MaxRuns: 3, Options: Options{NewLock: luaFromEnv}})
		require.NoError(t, err)
		assert.Equal(t, res.Config.CustomLock, sr.Result.Config.CustomLock)
	}
}

func TestLockNames(t *testing.T) {
	cfg := shortConfig("lua")
	for _, bad := range []string{"lua", "Fenced", "my lock", "-x", "a/b", string(make([]byte, 65))} {
		_, err := Run(cfg, 1, Options{NewLock: luaFromEnv, LockName: bad})
		require.ErrorIs(t, err, ErrBadConfig, bad)
	}
	_, err := Run(cfg, 1, Options{LockName: "mine"})
	require.ErrorIs(t, err, ErrBadConfig, "a name without a constructor")
	_, err = Verify(Spec{Like: "lua", New: luaFromEnv, Name: "redlock", Scenario: "gc-pause", Seeds: 1, Out: t.TempDir()})
	require.ErrorContains(t, err, "spec: name")
}

// recordingTB is a testing.TB that records what a check reports.
type recordingTB struct {
	testing.TB
	errors, fatals, logs []string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Errorf(f string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(f, args...))
}
func (r *recordingTB) Fatalf(f string, args ...any) {
	r.fatals = append(r.fatals, fmt.Sprintf(f, args...))
}
func (r *recordingTB) Logf(f string, args ...any) { r.logs = append(r.logs, fmt.Sprintf(f, args...)) }

func TestSpecReplayLineReplays(t *testing.T) {
	rep, err := Verify(Spec{Like: "lua", New: luaFromEnv, Name: "mine", Scenario: "gc-pause", Seeds: 1, Out: t.TempDir()})
	require.NoError(t, err)
	require.Len(t, rep.Failures, 1)
	f := rep.Failures[0]
	require.Equal(t, fmt.Sprintf("scenario.CheckArtifact(t, %q, luaFromEnv)", f.Artifact), f.Replay)
	require.Contains(t, rep.String(), "replay: "+f.Replay)

	tb := &recordingTB{}
	res := CheckArtifact(tb, f.Artifact, luaFromEnv)
	require.NotNil(t, res)
	require.Empty(t, tb.fatals)
	require.Len(t, tb.errors, 1)
	assert.Contains(t, tb.errors[0], "(seed 1): violation")
	assert.Contains(t, tb.errors[0], "mutual-exclusion: violation")

	tb = &recordingTB{}
	require.Nil(t, CheckArtifact(tb, f.Artifact, nil))
	require.Len(t, tb.fatals, 1)
	assert.Contains(t, tb.fatals[0], "custom lock")

	// A safe replay reports nothing.
	ok, err := Run(shortConfig("lua"), 1, Options{NewLock: luaFromEnv})
	require.NoError(t, err)
	require.Equal(t, Safe, ok.Outcome())
	path, err := SaveArtifact(ok, t.TempDir())
	require.NoError(t, err)
	tb = &recordingTB{}
	CheckArtifact(tb, path, luaFromEnv)
	require.Empty(t, tb.errors)
	require.Empty(t, tb.fatals)
}

func TestFuncName(t *testing.T) {
	self := "github.com/locksim/locksim/scenario"
	closure := func(locks.Env) (locks.Locker, error) { return nil, nil }
	assert.Equal(t, "luaFromEnv", funcName(luaFromEnv, self))
	assert.Equal(t, "scenario.luaFromEnv", funcName(luaFromEnv, "example.com/mine"))
	assert.Equal(t, "yourConstructor", funcName(closure, self))
	assert.Equal(t, "yourConstructor", funcName((&envSeen{}).build, self))
}

func TestSpecReach(t *testing.T) {
	// A schedule of one's own: none, so gc-pause's pause is gone.
	rep, err := Verify(Spec{Like: "lua", New: luaFromEnv, Scenario: "gc-pause", Faults: &faults.Schedule{}, Seeds: 2, Out: t.TempDir()})
	require.NoError(t, err)
	require.True(t, rep.OK(), rep.String())

	// A config override reaches every run.
	seen := &envSeen{like: "setnx"}
	rep, err = Verify(Spec{Like: "setnx", New: seen.build, Seeds: 1, Out: t.TempDir(),
		Configure: func(c *Config) { c.Clients, c.TTL, c.Duration = 3, Duration(2*time.Second), Duration(time.Second) }})
	require.NoError(t, err)
	require.Equal(t, 1, rep.Runs)
	require.Len(t, seen.envs, 3)
	assert.Equal(t, 2*time.Second, seen.envs[0].TTL)

	// Random faults: each seed its own schedule, as simrun --faults
	// random. Expecting Stuck makes every seed a failure with an artifact.
	dir := t.TempDir()
	rep, err = Verify(Spec{Like: "lua", RandomFaults: true, Seeds: 3, Expect: Stuck, Out: dir})
	require.NoError(t, err)
	require.Len(t, rep.Failures, 3)
	var schedules []string
	for _, f := range rep.Failures {
		res, err := ReplayFile(f.Artifact, Options{})
		require.NoError(t, err)
		want := RandomSchedule(Config{Lock: "lua"}, f.Seed)
		require.Positive(t, want.Len())
		assert.Equal(t, want.String(), res.Config.Faults.String())
		schedules = append(schedules, want.String())
	}
	assert.NotEqual(t, schedules[0], schedules[1])

	bad := []Spec{
		{Like: "lua", Faults: &faults.Schedule{}, RandomFaults: true},
		{Like: "lua", Configure: func(c *Config) { c.Lock = "fenced" }},
		{Like: "lua", Configure: func(c *Config) { c.Clients = -1 }},
	}
	for _, s := range bad {
		_, err := Verify(s)
		require.ErrorIs(t, err, ErrBadConfig)
	}
}

// clockTokenLock is a fenced lock whose token is the client's wall clock
// (ms) instead of INCR: a bug the storage alone cannot see.
type clockTokenLock struct {
	locks.Locker
	rt locks.Runtime
}

func (l clockTokenLock) Lock(ctx context.Context) (locks.Lease, error) {
	lease, err := l.Locker.Lock(ctx)
	if err == nil {
		lease.Token, lease.Fenced = l.rt.Now().UnixMilli(), true
	}
	return lease, err
}

// TestFencingOrderCatchesClockTokens: with client-1's clock 32 s ahead,
// its tokens outrank everyone's; the storage rejects the others and what
// it accepts stays ordered, so only the grant order shows the bug.
func TestFencingOrderCatchesClockTokens(t *testing.T) {
	newLock := func(env locks.Env) (locks.Locker, error) {
		l, err := locks.New("lua", env, locks.Options{Key: env.Options.Key, TTL: env.Options.TTL, RetryDelay: env.Options.RetryDelay})
		return clockTokenLock{l, env.Runtime}, err
	}
	sched := faults.Schedule{Faults: []faults.Fault{{Kind: faults.ClockStep, At: 0, Node: "client-1", Step: 32 * time.Second}}}
	rep, err := Verify(Spec{Like: "fenced", New: newLock, Name: "clock-tokens", Faults: &sched, Seeds: 2, Out: t.TempDir(),
		Configure: func(c *Config) { c.Clients, c.Duration = 3, Duration(20*time.Second) }})
	require.NoError(t, err)
	require.Len(t, rep.Failures, 2, rep.String())
	for _, f := range rep.Failures {
		verdicts := map[string]string{}
		for _, c := range f.Checks {
			verdicts[c.Check] = c.Verdict.String()
		}
		assert.Equal(t, "ok", verdicts["fencing"], "the storage sees nothing wrong")
		assert.Equal(t, "violation", verdicts["fencing-order"])
	}
}

// sameValueRuntime hands every Lock call the same random stream, so every
// client locks with the same owner value: a real bug class (an owner value
// from a constant, a host name, a shared seed).
type sameValueRuntime struct{ locks.Runtime }

func (sameValueRuntime) Rand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

// TestLockLinearizabilitySeesSharedValues: clients that share one value
// can release each other's locks; the lock-level check tells holders apart
// by acquisition, so it sees the release of a lock one does not hold.
func TestLockLinearizabilitySeesSharedValues(t *testing.T) {
	newLock := func(env locks.Env) (locks.Locker, error) {
		env.Runtime = sameValueRuntime{env.Runtime}
		return locks.New("lua", env, env.Options)
	}
	rep, err := Verify(Spec{Like: "lua", New: newLock, Name: "same-value", Scenario: "gc-pause", Seeds: 2, Out: t.TempDir()})
	require.NoError(t, err)
	require.Len(t, rep.Failures, 2, rep.String())
	for _, f := range rep.Failures {
		var lock string
		for _, c := range f.Checks {
			if c.Check == "lock-linearizability" {
				lock = c.String()
			}
		}
		assert.Contains(t, lock, "lock-linearizability: violation", f.Seed)
	}
}
