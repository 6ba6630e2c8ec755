package locks

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// Lease is what a successful Lock returns: the proof of ownership that
// Unlock and Extend take back.
type Lease struct {
	// Key is the lock's key (for mutex, the name the lock was made with).
	Key string
	// Value is the random owner value written under Key: 32 hex digits (128
	// bits) drawn from the Runtime's Rand, one per Lock call. For the etcd
	// locks it names the holding instead: the session's lease ID in hex and
	// the key's create revision, "<hex>:<revision>".
	Value string
	// Validity is the local wall-clock time (Runtime.Now of the node that
	// called Lock) until which the holder may consider itself the owner. The
	// zero time means the lock has no expiry (mutex, setnx). It is a
	// promise computed on the client's clock only: a pause, a slow reply or
	// a clock fault can make it false, which is what locksim looks for.
	Validity time.Time
	// Token is the fencing token when Fenced is true: a number that
	// increases with every acquisition of the key, for the protected storage
	// to check. It is zero when Fenced is false.
	Token int64
	// Fenced reports whether Token is meaningful.
	Fenced bool
}

// Expires reports whether the lease has a validity at all.
func (l Lease) Expires() bool { return !l.Validity.IsZero() }

// ValidAt reports whether the holder may still consider itself the owner
// at local time now: always for a lease without expiry, else now before
// Validity. It says what the client believes, not what Redis holds.
func (l Lease) ValidAt(now time.Time) bool { return !l.Expires() || now.Before(l.Validity) }

// Locker is what every lock of this package offers.
type Locker interface {
	// Lock acquires the lock, retrying as the lock's options say while ctx
	// allows. On failure it returns an error wrapping ErrNotAcquired (and
	// the cause, e.g. ctx.Err() or the last node error).
	Lock(ctx context.Context) (Lease, error)
	// Unlock releases the lock held under lease. It returns an error
	// wrapping ErrNotOwner when the lock was not (or no longer) held under
	// it, or the transport error, in which case whether the release took
	// effect is unknown.
	Unlock(ctx context.Context, lease Lease) error
}

// Extender is implemented by locks whose lease can be extended (lua, fenced,
// redlock, etcd, etcd-fenced). Extend returns a lease with a new Validity, or an error wrapping
// ErrNotOwner (or, for redlock, ErrNoQuorum or ErrExpired).
type Extender interface {
	Extend(ctx context.Context, lease Lease) (Lease, error)
}

// Errors returned by the locks; they are wrapped with %w, test with
// errors.Is.
var (
	// ErrNotAcquired: Lock gave up: its tries ran out, its context was done,
	// or (redlock, as go-redsync) no node granted the lock and at least one
	// failed with an error.
	ErrNotAcquired = errors.New("locks: lock not acquired")
	// ErrNotOwner: the lock is not held under the lease given to Unlock or
	// Extend (it expired, was released, or is held by someone else).
	ErrNotOwner = errors.New("locks: lock not held under this lease")
	// ErrNoQuorum: a redlock Unlock or Extend succeeded on fewer nodes than
	// the quorum.
	ErrNoQuorum = errors.New("locks: operation succeeded on fewer nodes than the quorum")
	// ErrExpired: a redlock Extend reached a quorum but took so long that the
	// recomputed validity had already passed.
	ErrExpired = errors.New("locks: lease validity already passed")
	// ErrInvalidOptions: a constructor or New was given options it cannot
	// use; the message names the field.
	ErrInvalidOptions = errors.New("locks: invalid options")
	// ErrUnknownLock: New was given a name Names does not list.
	ErrUnknownLock = errors.New("locks: unknown lock")
	// ErrUnexpectedReply: Redis answered with a reply of a shape the lock
	// does not expect (e.g. a misconfigured proxy); the message quotes it.
	ErrUnexpectedReply = errors.New("locks: unexpected redis reply")
)

// Float returns a pointer to v, for the options whose zero value is
// meaningful (RedlockOptions.DriftFactor).
func Float(v float64) *float64 { return &v }

// Scripts. They run with plain EVAL (not EVALSHA with an EVAL fallback):
// one round trip either way, no script cache state to reason about, and the
// same command on real Redis and on the simulator's miniredis.
const (
	// luaAcquireScript is the article's acquire, verbatim.
	luaAcquireScript = `if redis.call("exists", KEYS[1]) == 0 then return redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2]) end return nil`
	// fencedAcquireScript is luaAcquireScript that also increments the
	// per-lock counter KEYS[2] and returns it as the fencing token.
	fencedAcquireScript = `if redis.call("exists", KEYS[1]) == 0 then redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2]) return redis.call("incr", KEYS[2]) end return nil`
	// releaseScript deletes KEYS[1] only if it holds ARGV[1]; 1 if deleted.
	releaseScript = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`
	// extendScript sets the TTL of KEYS[1] to ARGV[2] ms only if it holds
	// ARGV[1]; 1 if extended.
	extendScript = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`
)

// newValue draws a 128-bit owner value, as 32 hex digits: the two draws'
// 16 zero-padded lower-case digits each, as fmt's %016x%016x writes them.
func newValue(r *rand.Rand) string {
	var b [32]byte
	putHex16(b[:16], r.Uint64())
	putHex16(b[16:], r.Uint64())
	return string(b[:])
}

// putHex16 writes v as 16 lower-case hex digits into b.
func putHex16(b []byte, v uint64) {
	const digits = "0123456789abcdef"
	for i := 15; i >= 0; i-- {
		b[i] = digits[v&0xf]
		v >>= 4
	}
}

// millis renders d as whole milliseconds for PX/PEXPIRE. Every argument is
// sent as a string, so any Conn sees the bytes real Redis would.
func millis(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }

// numKeysArgs are EVAL's small numkeys arguments.
var numKeysArgs = [...]string{"0", "1", "2", "3"}

// eval runs script with one or more keys and arguments.
func eval(ctx context.Context, c Conn, script string, keys []string, args ...string) (any, error) {
	cmd := make([]string, 0, 3+len(keys)+len(args))
	var numKeys string
	if n := len(keys); n < len(numKeysArgs) {
		numKeys = numKeysArgs[n]
	} else {
		numKeys = strconv.Itoa(n)
	}
	cmd = append(cmd, "EVAL", script, numKeys)
	cmd = append(cmd, keys...)
	cmd = append(cmd, args...)
	return do(ctx, c, cmd...)
}

// intReply interprets an integer reply.
func intReply(reply any, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	n, ok := reply.(int64)
	if !ok {
		return 0, fmt.Errorf("%w: %T %v, want an integer", ErrUnexpectedReply, reply, reply)
	}
	return n, nil
}

// okReply interprets the reply of SET NX (or of a script returning it):
// true for OK, false for a nil reply.
func okReply(reply any, err error) (bool, error) {
	if IsNil(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if s, ok := reply.(string); ok && s == "OK" {
		return true, nil
	}
	return false, fmt.Errorf("%w: %T %v, want OK or nil", ErrUnexpectedReply, reply, reply)
}

// withTimeout applies d to ctx through rt when d > 0.
func withTimeout(rt Runtime, ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d > 0 {
		return rt.WithTimeout(ctx, d)
	}
	return ctx, func() {}
}

// notAcquired wraps ErrNotAcquired with a description and an optional cause.
func notAcquired(cause error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if cause == nil {
		return fmt.Errorf("%w: %s", ErrNotAcquired, msg)
	}
	return fmt.Errorf("%w: %s: %w", ErrNotAcquired, msg, cause)
}

// checkKey refuses a lease made for another key.
func checkKey(lease Lease, key string) error {
	if lease.Key != key {
		return fmt.Errorf("%w: lease is for key %q, lock is %q", ErrNotOwner, lease.Key, key)
	}
	return nil
}

// invalid builds an ErrInvalidOptions error naming the field.
func invalid(lock, field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s %s", ErrInvalidOptions, lock, field, fmt.Sprintf(format, args...))
}

// retry is the retry policy of the single-node locks (setnx, lua, fenced).
type retry struct {
	tries    int           // 0: no limit (until ctx is done)
	fixed    time.Duration // > 0: this delay before every retry
	min, max time.Duration // else: exponential backoff with jitter
}

// Defaults of the single-node retry policy.
const (
	DefaultMinRetryDelay = 10 * time.Millisecond
	DefaultMaxRetryDelay = 200 * time.Millisecond
)

func newRetry(lock string, tries int, fixed, min, max time.Duration) (retry, error) {
	if tries < 0 {
		return retry{}, invalid(lock, "Tries", "is %d, want >= 0 (0: retry until the context is done)", tries)
	}
	if fixed < 0 {
		return retry{}, invalid(lock, "RetryDelay", "is %v, want >= 0", fixed)
	}
	if min == 0 {
		min = DefaultMinRetryDelay
	}
	if max == 0 {
		max = DefaultMaxRetryDelay
	}
	if min < 0 {
		return retry{}, invalid(lock, "MinRetryDelay", "is %v, want > 0", min)
	}
	if max < min {
		return retry{}, invalid(lock, "MaxRetryDelay", "is %v, want >= MinRetryDelay (%v)", max, min)
	}
	return retry{tries: tries, fixed: fixed, min: min, max: max}, nil
}

// delay is the wait before attempt try (1 for the first retry): the fixed
// delay if set, else uniform in [min, c] where c = min·2^try capped at max.
func (p retry) delay(try int, r *rand.Rand) time.Duration {
	if p.fixed > 0 {
		return p.fixed
	}
	c := p.min
	for i := 0; i < try && c < p.max; i++ {
		c *= 2
	}
	c = min(c, p.max)
	if c <= p.min {
		return p.min
	}
	return p.min + time.Duration(r.Int64N(int64(c-p.min)+1))
}

// attempt is one acquisition try of a single-node lock: ok reports that the
// lock was taken, token is the fencing token where there is one.
type attempt func(ctx context.Context, value string) (ok bool, token int64, err error)

// acquireLoop runs the retry loop shared by setnx, lua and fenced: one owner
// value for the whole call; before every try but the first, wait p.delay or
// until ctx is done; each try under attemptTimeout; an error of a try is
// remembered and retried (the try may have taken effect: its value may now
// hold the key until it expires). It returns the value, the local time at
// which the successful try was sent, and the token.
func acquireLoop(ctx context.Context, rt Runtime, p retry, attemptTimeout time.Duration, try attempt) (string, time.Time, int64, error) {
	r := rt.Rand()
	value := newValue(r)
	var last error
	for i := 0; p.tries == 0 || i < p.tries; i++ {
		if i > 0 {
			if err := rt.Sleep(ctx, p.delay(i, r)); err != nil {
				return "", time.Time{}, 0, notAcquired(errors.Join(err, last), "gave up after %d tries", i)
			}
		}
		if err := ctx.Err(); err != nil {
			return "", time.Time{}, 0, notAcquired(errors.Join(err, last), "gave up after %d tries", i)
		}
		start := rt.Now()
		actx, cancel := withTimeout(rt, ctx, attemptTimeout)
		ok, token, err := try(actx, value)
		cancel()
		if err != nil {
			last = err
			continue
		}
		if ok {
			return value, start, token, nil
		}
		last = nil
	}
	return "", time.Time{}, 0, notAcquired(last, "gave up after %d tries", p.tries)
}
