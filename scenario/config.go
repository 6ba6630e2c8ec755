package scenario

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/locks"
)

// Config is everything a run depends on besides its seed. It is data: an
// artifact stores it whole, and the same Config and seed give the same run,
// byte for byte.
type Config struct {
	// Lock names the lock under test (locks.Names), or, for a custom lock,
	// the built-in lock whose place it takes.
	Lock string `json:"lock"`
	// CustomLock names a custom lock under test (Options.NewLock and
	// LockName); empty for a built-in lock. Only its constructor builds
	// it, so only Go code can replay its runs (CheckArtifact).
	CustomLock string `json:"custom_lock,omitempty"`
	// Scenario names the scenario this config came from, for people; the
	// run itself is fully described by the other fields.
	Scenario string `json:"scenario,omitempty"`
	// Clients is the number of client processes contending for the lock.
	Clients int `json:"clients"`
	// Nodes is the number of Redis nodes (redlock uses all, setnx, lua
	// and fenced use redis-1, mutex none).
	Nodes int `json:"nodes"`
	// TTL is the lock's expiry (redlock's expiry).
	TTL Duration `json:"ttl"`
	// Duration is the virtual time during which clients start new
	// critical sections; the run then goes on until the ones in progress
	// finish (Run's drain, a few TTLs at most), so Result.Elapsed is
	// usually longer.
	Duration Duration `json:"duration"`
	// Workload is the protected resource: counter or ledger.
	Workload Workload `json:"workload"`
	// WorkMin and WorkMax bound the virtual time a client works inside its
	// critical section between its read and its write.
	WorkMin Duration `json:"work_min"`
	WorkMax Duration `json:"work_max"`
	// Careful clients skip the write when their lease's validity has
	// passed on their own clock.
	Careful bool `json:"careful,omitempty"`
	// WorkToValidity makes careful clients work until Margin before their
	// validity ends instead of for WorkMin..WorkMax (locks without a
	// validity work WorkMax).
	WorkToValidity bool     `json:"work_to_validity,omitempty"`
	Margin         Duration `json:"margin,omitempty"`
	// ExtendEvery, when positive, makes clients work as go-redsync users
	// whose critical sections outlast the TTL: the work between read and
	// write goes in steps of at most ExtendEvery, and before every step
	// but the first the client extends its lease (locks.Extender),
	// recording an extend. A failed or indeterminate extend ends the
	// critical section before the write. It must be below the TTL, so that
	// each extend can come before the lease runs out; locks that cannot
	// extend (mutex, setnx) work on without.
	ExtendEvery Duration `json:"extend_every,omitempty"`
	// Stagger delays the start of every client but client-1, so that
	// client-1's first acquire meets a free lock.
	Stagger Duration `json:"stagger,omitempty"`
	// AcquireTimeout bounds each Lock call (its context).
	AcquireTimeout Duration `json:"acquire_timeout"`
	// Pace is the pause between a client's release and its next acquire.
	Pace Duration `json:"pace,omitempty"`
	// RetryDelay, when set, replaces the lock's random retry delay with a
	// fixed one.
	RetryDelay Duration `json:"retry_delay,omitempty"`
	// DriftFactor overrides redlock's drift factor.
	DriftFactor *float64 `json:"drift_factor,omitempty"`
	// Tries, when set, bounds the acquisition attempts of one Lock call
	// (locks.Options.Tries; redsync's WithTries); 0 keeps each lock's own
	// default (32 rounds for redlock and redsync, until the context is
	// done for the others).
	Tries int `json:"tries,omitempty"`
	// Faults is the fault schedule.
	Faults faults.Schedule `json:"faults"`
}

// Defaults for a Config's zero fields.
const (
	DefaultClients  = 5
	DefaultNodes    = 5
	DefaultTTL      = 8 * time.Second
	DefaultDuration = 60 * time.Second
)

// WithDefaults returns c with every zero field given its default.
func (c Config) WithDefaults() Config {
	if c.Clients == 0 {
		c.Clients = DefaultClients
	}
	if c.Nodes == 0 {
		c.Nodes = c.defaultNodes()
	}
	if c.TTL == 0 {
		c.TTL = Duration(DefaultTTL)
	}
	if c.Duration == 0 {
		c.Duration = Duration(DefaultDuration)
	}
	if c.Workload == "" {
		c.Workload = Counter
	}
	if c.WorkMin == 0 && c.WorkMax == 0 {
		c.WorkMin, c.WorkMax = c.TTL/80, c.TTL/8
	}
	if c.AcquireTimeout == 0 {
		c.AcquireTimeout = 4 * c.TTL
	}
	if c.Pace == 0 {
		c.Pace = c.TTL / 40
	}
	return c
}

func (c Config) defaultNodes() int {
	switch like(c.Lock) {
	case "etcd", "etcd-fenced":
		return 1
	case "redlock":
		return DefaultNodes
	case "mutex":
		return 0
	}
	return 1
}

// ErrBadConfig is wrapped by every error of Validate.
var ErrBadConfig = errors.New("bad config")

// Ranges a run can honour. A TTL below MinTTL (MinRedlockTTL for redlock)
// is shorter than a round trip to Redis, so that every lease is born expired
// and clients spin; the longest TTL and spans keep every derived duration
// (acquire timeout, drain, liveness bound) far from overflow and the run's
// simulated horizon within MaxHorizon.
const (
	MinTTL        = time.Millisecond
	MinRedlockTTL = 10 * time.Millisecond // above its drift allowance (2ms + 1%) plus a round trip
	MaxTTL        = 24 * time.Hour
	MaxDuration   = 24 * time.Hour
	MaxSpan       = 100 * time.Hour // any other duration field
	MaxTries      = 100000          // tries: more rounds than any acquire timeout allows
	MaxHorizon    = 1000 * time.Hour
	MinRetryDelay = time.Millisecond
	MaxClients    = 64
	MaxNodes      = 15
)

// MinEtcdTTL is the shortest TTL of the etcd locks: etcd counts lease
// TTLs in whole seconds (and raises one below its minimum, 2s by default).
const MinEtcdTTL = time.Second

// MaxEtcdMembers bounds an etcd cluster: a raft cluster of more members
// adds nothing a lock scenario needs.
const MaxEtcdMembers = 7

// minTTL is the shortest TTL lock can run with.
func minTTL(lock string) time.Duration {
	switch {
	case lock == "redlock":
		return MinRedlockTTL
	case locks.IsEtcd(lock):
		return MinEtcdTTL
	}
	return MinTTL
}

// Validate reports the first field of c that cannot be run, naming it, in
// one sentence with the range it must be in. It checks ranges before
// anything derived from them, so that an overflow is reported at the field
// that caused it.
func (c Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrBadConfig, field, fmt.Sprintf(format, args...))
	}
	known := slices.Contains(LockNames(), c.Lock)
	lock := like(c.Lock)
	span := func(field string, d Duration) error {
		if d < 0 || d.D() > MaxSpan {
			return bad(field, "%s is out of range [0, %s]", d, MaxSpan)
		}
		return nil
	}
	switch {
	case !known:
		return bad("lock", "unknown lock %q (want one of %v)", c.Lock, LockNames())
	case c.Clients < 1 || c.Clients > MaxClients:
		return bad("clients", "%d is out of range 1..%d", c.Clients, MaxClients)
	case lock == "mutex" && c.Nodes != 0:
		return bad("nodes", "mutex uses no Redis node, got %d", c.Nodes)
	case lock != "mutex" && (c.Nodes < 1 || c.Nodes > MaxNodes):
		return bad("nodes", "%d is out of range 1..%d", c.Nodes, MaxNodes)
	case locks.IsEtcd(lock) && (c.Nodes > MaxEtcdMembers || c.Nodes%2 == 0):
		return bad("nodes", "%s runs on an etcd cluster of an odd number of members up to %d (1: one member; 3: raft), got %d", c.Lock, MaxEtcdMembers, c.Nodes)
	case lock != "redlock" && lock != "mutex" && !locks.IsEtcd(lock) && c.Nodes != 1:
		return bad("nodes", "%s runs on one Redis node, got %d", c.Lock, c.Nodes)
	case c.TTL.D() < minTTL(lock) || c.TTL.D() > MaxTTL:
		return bad("ttl", "%s is out of range [%s, %s] for %s", c.TTL, minTTL(lock), MaxTTL, c.Lock)
	case locks.IsEtcd(lock) && c.TTL.D()%time.Second != 0:
		return bad("ttl", "%s is not a whole number of seconds, as etcd lease TTLs are", c.TTL)
	case locks.IsEtcd(lock) && c.RetryDelay != 0:
		return bad("retry_delay", "%s waits on a watch, not on a retry delay; leave retry_delay 0", c.Lock)
	case locks.IsEtcd(lock) && c.Tries != 0:
		return bad("tries", "%s waits its turn in one try; leave tries 0", c.Lock)
	case c.Duration <= 0 || c.Duration.D() > MaxDuration:
		return bad("duration", "%s is out of range (0, %s]", c.Duration, MaxDuration)
	case c.Workload != Counter && c.Workload != Ledger:
		return bad("workload", "unknown workload %q (want counter or ledger)", c.Workload)
	case c.WorkMin < 0 || c.WorkMax < c.WorkMin:
		return bad("work_max", "want 0 <= work_min <= work_max, got %s..%s", c.WorkMin, c.WorkMax)
	case c.AcquireTimeout <= 0 || c.AcquireTimeout.D() > MaxSpan:
		return bad("acquire_timeout", "%s is out of range (0, %s]", c.AcquireTimeout, MaxSpan)
	case c.RetryDelay != 0 && c.RetryDelay.D() < MinRetryDelay:
		return bad("retry_delay", "%s is out of range [%s, %s] (or 0: the lock's own delay)", c.RetryDelay, MinRetryDelay, MaxSpan)
	case c.ExtendEvery < 0 || c.ExtendEvery != 0 && (c.ExtendEvery.D() < MinTTL || c.ExtendEvery >= c.TTL):
		return bad("extend_every", "%s is out of range [%s, ttl %s) (or 0: no extends)", c.ExtendEvery, MinTTL, c.TTL)
	case c.DriftFactor != nil && !(*c.DriftFactor >= 0 && *c.DriftFactor < 1):
		return bad("drift_factor", "%v is out of range [0, 1)", *c.DriftFactor)
	case c.Tries < 0 || c.Tries > MaxTries:
		return bad("tries", "%d is out of range 1..%d (or 0: the lock's own default)", c.Tries, MaxTries)
	}
	for _, f := range []struct {
		name string
		d    Duration
	}{{"work_min", c.WorkMin}, {"work_max", c.WorkMax}, {"stagger", c.Stagger}, {"pace", c.Pace}, {"margin", c.Margin}, {"retry_delay", c.RetryDelay}} {
		if err := span(f.name, f.d); err != nil {
			return err
		}
	}
	if h, ok := c.horizon(); !ok || h > MaxHorizon {
		return bad("duration", "the run plus its drain (%s plus a few acquire timeouts and TTLs) is longer than %s", c.Duration, MaxHorizon)
	}
	if err := faults.Validate(c.Faults, c.Topology()); err != nil {
		return fmt.Errorf("%w: %w", ErrBadConfig, err)
	}
	if err := faults.ValidateHorizon(c.Faults, c.Duration.D()); err != nil {
		return fmt.Errorf("%w: %w", ErrBadConfig, err)
	}
	if e, ok := External(c.Lock); ok {
		if err := e.Backend.Refuse(c); err != nil {
			return fmt.Errorf("%w: %w", ErrBadConfig, err)
		}
	}
	return nil
}

// horizon is the simulated time a run of c may last: its duration, the
// stagger and the drain, added with overflow checks.
func (c Config) horizon() (time.Duration, bool) {
	return addAll(c.Duration.D(), c.Stagger.D(), c.drainParts())
}

// addAll adds durations, reporting false on overflow or a negative part.
func addAll(first time.Duration, rest ...any) (time.Duration, bool) {
	sum := first
	if sum < 0 {
		return 0, false
	}
	var add func(v any) bool
	add = func(v any) bool {
		switch v := v.(type) {
		case time.Duration:
			if v < 0 || sum > math.MaxInt64-v {
				return false
			}
			sum += v
		case []time.Duration:
			for _, d := range v {
				if !add(d) {
					return false
				}
			}
		}
		return true
	}
	for _, v := range rest {
		if !add(v) {
			return 0, false
		}
	}
	return sum, true
}

// drainParts are the terms of drain (result.go), for overflow-checked sums.
func (c Config) drainParts() []time.Duration {
	a, s := c.AcquireTimeout.D(), c.storageTimeout()
	return []time.Duration{a, a, s, s, c.WorkMax.D(), c.TTL.D()}
}

// Topology is the set of node names the run has, for fault schedules.
func (c Config) Topology() faults.Topology {
	return faults.Topology{Clients: c.Clients, Redis: c.Nodes, Etcd: locks.IsEtcd(like(c.Lock))}
}

// lockOptions are the locks.Options of the run's lock.
func (c Config) lockOptions() locks.Options {
	o := locks.Options{Key: lockKey}
	switch like(c.Lock) {
	case "mutex":
		return o
	case "setnx":
	case "redlock":
		o.TTL = c.TTL.D()
		o.DriftFactor = c.DriftFactor
	case "etcd", "etcd-fenced":
		o.TTL = c.TTL.D()
		return o
	default:
		o.TTL = c.TTL.D()
	}
	if c.RetryDelay > 0 {
		o.RetryDelay = c.RetryDelay.D()
	}
	o.Tries = c.Tries
	return o
}

// lockKey is the key every client locks.
const lockKey = "lock"
