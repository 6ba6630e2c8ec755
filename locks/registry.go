package locks

import (
	"fmt"
	"strings"
	"time"
)

// Env is what a lock is built from, besides its options.
type Env struct {
	// Runtime is the runtime of the client (production: Real()).
	Runtime Runtime
	// Conns holds one Conn per Redis node: exactly one for setnx, lua and
	// fenced, one or more for redlock (the number of nodes is len(Conns)),
	// none for mutex.
	Conns []Conn
	// Etcd is the etcd client of etcd and etcd-fenced (production:
	// EtcdClient), which take no Conns.
	Etcd Etcd
	// Process is the shared state of the client's process, required by
	// mutex: the clients of one process must share one *Process.
	Process *Process
	// Options are the options the built-in lock in this place is given
	// (its key, TTL, retry delays, ...), so that a custom constructor
	// builds its lock from the same parameters. New ignores them: it
	// takes its options as an argument.
	Options Options
	// TTL is the lease length the caller asks for, set even when the
	// built-in lock in this place takes none (setnx, mutex), for a custom
	// lock that needs one.
	TTL time.Duration
}

// Options are the options of every lock in one struct, for callers that
// name locks (CLI, scenarios). A zero field takes the lock's default. A
// non-zero field the named lock does not use is an error, so that a
// configuration cannot silently mean less than it says.
type Options struct {
	// Key: every lock. Required.
	Key string
	// TTL: lua and fenced (TTL), redlock (Expiry), etcd and etcd-fenced
	// (the session lease's TTL, whole seconds).
	TTL time.Duration
	// Tries: setnx, lua, fenced (0: until ctx is done), redlock (0: 32).
	Tries int
	// RetryDelay (fixed), MinRetryDelay, MaxRetryDelay: setnx, lua,
	// fenced, redlock; see each lock's options for the meaning of the range.
	RetryDelay, MinRetryDelay, MaxRetryDelay time.Duration
	// AttemptTimeout: setnx, lua, fenced.
	AttemptTimeout time.Duration
	// DriftFactor (nil: 0.01), TimeoutFactor, Quorum: redlock.
	DriftFactor   *float64
	TimeoutFactor float64
	Quorum        int
	// TokenKey: fenced.
	TokenKey string
}

type entry struct {
	name  string
	uses  string // the Options fields the lock uses, space-separated
	build func(env Env, o Options) (Locker, error)
	etcd  bool // an etcd lock: listed by EtcdNames, not Names
}

// registry lists the locks in name order; lookups are linear, and nothing
// here depends on map order.
var registry = []entry{
	{"etcd", "Key TTL", func(env Env, o Options) (Locker, error) {
		if err := etcdEnv("etcd", env); err != nil {
			return nil, err
		}
		return locker(NewEtcd(env.Runtime, env.Etcd, EtcdOptions{Key: o.Key, TTL: o.TTL}))
	}, true},
	{"etcd-fenced", "Key TTL", func(env Env, o Options) (Locker, error) {
		if err := etcdEnv("etcd-fenced", env); err != nil {
			return nil, err
		}
		return locker(NewEtcdFenced(env.Runtime, env.Etcd, EtcdOptions{Key: o.Key, TTL: o.TTL}))
	}, true},
	{"fenced", "Key TTL Tries RetryDelay MinRetryDelay MaxRetryDelay AttemptTimeout TokenKey", func(env Env, o Options) (Locker, error) {
		c, err := oneConn("fenced", env)
		if err != nil {
			return nil, err
		}
		return locker(NewFenced(env.Runtime, c, FencedOptions{LuaOptions: luaOpts(o), TokenKey: o.TokenKey}))
	}, false},
	{"lua", "Key TTL Tries RetryDelay MinRetryDelay MaxRetryDelay AttemptTimeout", func(env Env, o Options) (Locker, error) {
		c, err := oneConn("lua", env)
		if err != nil {
			return nil, err
		}
		return locker(NewLua(env.Runtime, c, luaOpts(o)))
	}, false},
	{"mutex", "Key", func(env Env, o Options) (Locker, error) {
		if len(env.Conns) != 0 {
			return nil, invalid("mutex", "Conns", "has %d, want none (mutex uses no Redis)", len(env.Conns))
		}
		return locker(NewMutexLock(env.Runtime, env.Process, MutexOptions{Key: o.Key}))
	}, false},
	{"redlock", "Key TTL Tries RetryDelay MinRetryDelay MaxRetryDelay DriftFactor TimeoutFactor Quorum", func(env Env, o Options) (Locker, error) {
		return locker(NewRedlock(env.Runtime, env.Conns, RedlockOptions{
			Key: o.Key, Expiry: o.TTL, Tries: o.Tries, DriftFactor: o.DriftFactor,
			TimeoutFactor: o.TimeoutFactor, Quorum: o.Quorum, RetryDelay: o.RetryDelay,
			MinRetryDelay: o.MinRetryDelay, MaxRetryDelay: o.MaxRetryDelay,
		}))
	}, false},
	{"setnx", "Key Tries RetryDelay MinRetryDelay MaxRetryDelay AttemptTimeout", func(env Env, o Options) (Locker, error) {
		c, err := oneConn("setnx", env)
		if err != nil {
			return nil, err
		}
		return locker(NewSetnx(env.Runtime, c, SetnxOptions{
			Key: o.Key, Tries: o.Tries, RetryDelay: o.RetryDelay,
			MinRetryDelay: o.MinRetryDelay, MaxRetryDelay: o.MaxRetryDelay, AttemptTimeout: o.AttemptTimeout,
		}))
	}, false},
}

// Names returns the names of every lock, sorted: etcd, etcd-fenced,
// fenced, lua, mutex, redlock, setnx. The etcd locks need Env.Etcd, the
// others Env.Conns or Env.Process.
func Names() []string {
	out := make([]string, len(registry))
	for i, e := range registry {
		out[i] = e.name
	}
	return out
}

// EtcdNames returns the names of the etcd locks, sorted: etcd,
// etcd-fenced. They need Env.Etcd.
func EtcdNames() []string {
	var out []string
	for _, e := range registry {
		if e.etcd {
			out = append(out, e.name)
		}
	}
	return out
}

// IsEtcd reports whether name is an etcd lock.
func IsEtcd(name string) bool {
	for _, e := range registry {
		if e.name == name {
			return e.etcd
		}
	}
	return false
}

// New builds the lock called name (one of Names or EtcdNames) from env and
// opts. It
// returns an error wrapping ErrUnknownLock for an unknown name, and one
// wrapping ErrInvalidOptions, naming the field, for options the lock
// rejects or does not use. Every lock New returns also implements
// Extender except mutex and setnx.
func New(name string, env Env, opts Options) (Locker, error) {
	for _, e := range registry {
		if e.name != name {
			continue
		}
		if err := unused(e, opts); err != nil {
			return nil, err
		}
		return e.build(env, opts)
	}
	return nil, fmt.Errorf("%w: %q, want one of %s", ErrUnknownLock, name, strings.Join(append(Names(), EtcdNames()...), ", "))
}

func unused(e entry, o Options) error {
	set := []struct {
		field string
		isSet bool
	}{
		{"TTL", o.TTL != 0},
		{"Tries", o.Tries != 0},
		{"RetryDelay", o.RetryDelay != 0},
		{"MinRetryDelay", o.MinRetryDelay != 0},
		{"MaxRetryDelay", o.MaxRetryDelay != 0},
		{"AttemptTimeout", o.AttemptTimeout != 0},
		{"DriftFactor", o.DriftFactor != nil},
		{"TimeoutFactor", o.TimeoutFactor != 0},
		{"Quorum", o.Quorum != 0},
		{"TokenKey", o.TokenKey != ""},
	}
	uses := strings.Fields(e.uses)
	for _, s := range set {
		if !s.isSet {
			continue
		}
		found := false
		for _, u := range uses {
			found = found || u == s.field
		}
		if !found {
			return invalid(e.name, s.field, "is set, but %s does not use it", e.name)
		}
	}
	return nil
}

func oneConn(name string, env Env) (Conn, error) {
	if len(env.Conns) != 1 {
		return nil, invalid(name, "Conns", "has %d, want exactly 1", len(env.Conns))
	}
	return env.Conns[0], nil
}

// etcdEnv checks the Env of an etcd lock: an Etcd, and no Redis.
func etcdEnv(name string, env Env) error {
	if env.Etcd == nil {
		return invalid(name, "Etcd", "is nil, want an etcd client (EtcdClient)")
	}
	if len(env.Conns) != 0 {
		return invalid(name, "Conns", "has %d, want none (%s uses etcd, not Redis)", len(env.Conns), name)
	}
	return nil
}

func luaOpts(o Options) LuaOptions {
	return LuaOptions{
		Key: o.Key, TTL: o.TTL, Tries: o.Tries, RetryDelay: o.RetryDelay,
		MinRetryDelay: o.MinRetryDelay, MaxRetryDelay: o.MaxRetryDelay, AttemptTimeout: o.AttemptTimeout,
	}
}

// locker converts a constructor's result, so that an error never comes with
// a non-nil Locker holding a nil pointer.
func locker[L Locker](l L, err error) (Locker, error) {
	if err != nil {
		return nil, err
	}
	return l, nil
}
