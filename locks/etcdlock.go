package locks

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// EtcdOptions configure an EtcdLock.
type EtcdOptions struct {
	// Key is the lock's prefix: each client puts Key + "/" + its session's
	// lease ID in hex. Required.
	Key string
	// TTL is the session lease's TTL, a whole number of seconds, at least
	// 1s (etcd counts leases in seconds); default 60s, concurrency's
	// default session TTL. The server may grant more (see Etcd.Grant); the
	// lock then uses what it granted.
	TTL time.Duration
}

// DefaultEtcdTTL is the default session TTL, clientv3 concurrency's.
const DefaultEtcdTTL = 60 * time.Second

// ErrSessionExpired: the etcd lock's session lease expired (or the client
// could no longer believe it alive) before the lock was acquired.
var ErrSessionExpired = errors.New("locks: etcd session expired")

// EtcdLock is go.etcd.io/etcd/client/v3/concurrency's Mutex on a Session,
// through the Etcd seam:
//
//   - Session: the first Lock (and the first after the session died) grants
//     a lease of TTL and starts a keep-alive loop in a Runtime Group, which
//     renews it every TTL/3 (the granted TTL, as clientv3's keep-alive).
//     The session dies when a keep-alive answers that the lease is gone, or
//     when keep-alives have failed until the client's belief in the lease
//     (the send time of its last successful grant or keep-alive + the
//     granted TTL, on the local clock) has run out. A dead session's loop
//     stops, a Lock waiting on it gives up (see below), and the next Lock
//     grants a new one. Close stops the loop and revokes the lease.
//   - Lock: in one Txn, if the create revision of Key/<lease hex> is 0, put
//     it with the lease, else get it; and get the prefix's oldest key (by
//     create revision). The key's create revision is this client's place in
//     line. Unless it is the oldest, wait for the deletion of every key of
//     the prefix created before it: get the newest such key, watch it from
//     the Get's revision until it is deleted, repeat. Then, as
//     concurrency's Mutex, get the key again: if it is gone, the session
//     expired while waiting.
//   - Unlock deletes the key, in a Txn guarded by its create revision.
//   - Extend is one keep-alive of the session lease.
//
// The lease's Validity is the session's: the send time of its last
// successful grant or keep-alive + the granted TTL, read when Lock returns
// (and by Extend). Lock refuses a holding whose Validity has already
// passed. Value is the lease ID in hex and the key's create revision,
// "<hex>:<revision>"; for etcd-fenced (NewEtcdFenced) Token is the create
// revision, which increases with every new key of the prefix.
//
// Deviations from concurrency.Mutex, each to keep the Locker contract or
// the holder's belief honest:
//   - A waiter whose session dies stops waiting at once (its keep-alive
//     loop cancels the wait) and Lock fails with ErrSessionExpired;
//     concurrency's Lock keeps waiting for the keys before it
//     (etcd-io/etcd#19597) and only then finds its key gone.
//   - Unlock deletes only the key with the lease's create revision, and
//     returns ErrNotOwner otherwise; concurrency's Unlock deletes the key
//     whatever it holds, so a stale retry can delete a newer holding of the
//     same session (etcd-io/etcd#22082).
//   - One EtcdLock is one client: a Lock while its previous holding is not
//     unlocked (and its session alive) fails with ErrNotAcquired instead of
//     sharing the key, as two Mutexes on one Session would.
//
// What the algorithm does not do, and what locksim looks for: the server
// frees the lock when the lease expires on its clock, whatever the holder
// believes; a holder paused past its lease works on (Jepsen, etcd 3.4.3).
// Only storage that checks the fencing token (etcd-fenced) stays safe.
//
// A failed Txn is indeterminate: the key may have been put. It then stays
// in line until the session ends or the next Lock of the same session
// finds it again (the Txn's else branch).
//
// Lock waits as long as ctx allows; every call takes its deadline from ctx.
// An EtcdLock is safe for concurrent use, one holding at a time.
type EtcdLock struct {
	rt     Runtime
	cli    Etcd
	name   string // etcd or etcd-fenced
	key    string // the lock's Key
	pfx    string // Key + "/"
	ttl    int64  // seconds asked of Grant
	fenced bool

	mu   Mutex // guards the fields below and those of every session
	sess *etcdSession
	busy bool   // a Lock is running, or its holding is not unlocked
	held string // the Value of the current holding, "" if none
}

// etcdSession is a lease kept alive by a loop.
type etcdSession struct {
	id    EtcdLeaseID
	stop  context.CancelFunc // stops the keep-alive loop
	group Group              // runs the loop
	// guarded by EtcdLock.mu:
	ttl      time.Duration      // as last granted or renewed
	validity time.Time          // send time of the last grant/keep-alive + ttl
	dead     bool               // the lease is gone, or no longer believed alive
	waiter   context.CancelFunc // cancels the wait of the running Lock, if any
}

var (
	_ Locker   = (*EtcdLock)(nil)
	_ Extender = (*EtcdLock)(nil)
)

// NewEtcd returns an EtcdLock on cli, or an error wrapping
// ErrInvalidOptions naming the field.
func NewEtcd(rt Runtime, cli Etcd, opts EtcdOptions) (*EtcdLock, error) {
	return newEtcd("etcd", rt, cli, opts, false)
}

// NewEtcdFenced returns the EtcdLock whose leases carry the key's create
// revision as their fencing token (Lease.Fenced is true).
func NewEtcdFenced(rt Runtime, cli Etcd, opts EtcdOptions) (*EtcdLock, error) {
	return newEtcd("etcd-fenced", rt, cli, opts, true)
}

func newEtcd(name string, rt Runtime, cli Etcd, opts EtcdOptions, fenced bool) (*EtcdLock, error) {
	if rt == nil {
		return nil, invalid(name, "Runtime", "is nil")
	}
	if cli == nil {
		return nil, invalid(name, "Etcd", "is nil, want an etcd client (EtcdClient)")
	}
	if opts.Key == "" {
		return nil, invalid(name, "Key", "is empty")
	}
	ttl := opts.TTL
	if ttl == 0 {
		ttl = DefaultEtcdTTL
	}
	if ttl < time.Second || ttl%time.Second != 0 {
		return nil, invalid(name, "TTL", "is %v, want a whole number of seconds, at least 1s (etcd leases count in seconds)", ttl)
	}
	return &EtcdLock{
		rt: rt, cli: cli, name: name, key: opts.Key, pfx: opts.Key + "/",
		ttl: int64(ttl / time.Second), fenced: fenced, mu: rt.NewMutex(),
	}, nil
}

// Lock acquires the lock as the type's documentation says. It fails with
// an error wrapping ErrNotAcquired and the cause (ctx's error, the
// server's, or ErrSessionExpired).
func (l *EtcdLock) Lock(ctx context.Context) (Lease, error) {
	s, err := l.begin(ctx)
	if err == nil {
		var lease Lease
		if lease, err = l.acquire(ctx, s); err == nil {
			return lease, nil
		}
		l.end("")
	}
	return Lease{}, fmt.Errorf("%s %q: %w", l.name, l.key, err)
}

// begin marks the lock busy and returns its live session, granting a new
// one when there is none.
func (l *EtcdLock) begin(ctx context.Context) (*etcdSession, error) {
	if err := l.mu.Lock(context.WithoutCancel(ctx)); err != nil {
		return nil, notAcquired(err, "taking the lock's state")
	}
	// Busy with no session yet is a Lock granting one; busy with a dead
	// session is a holding that died, which the new Lock replaces.
	if l.busy && (l.sess == nil || !l.sess.dead) {
		l.mu.Unlock()
		return nil, notAcquired(nil, "this lock already holds or is acquiring the key: Unlock first (one EtcdLock per client)")
	}
	l.busy, l.held = true, ""
	s := l.sess
	if s != nil && s.dead {
		s, l.sess = nil, nil
	}
	l.mu.Unlock()
	if s != nil {
		return s, nil
	}
	start := l.rt.Now()
	g, err := l.cli.Grant(ctx, l.ttl)
	if err != nil {
		l.end("")
		return nil, notAcquired(err, "granting the session lease")
	}
	ttl := time.Duration(g.TTL) * time.Second
	s = &etcdSession{id: g.ID, ttl: ttl, validity: start.Add(ttl), group: l.rt.Group()}
	kctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stop = stop
	if err := l.mu.Lock(context.WithoutCancel(ctx)); err != nil {
		stop()
		l.end("")
		return nil, notAcquired(err, "taking the lock's state")
	}
	l.sess = s
	l.mu.Unlock()
	s.group.Go(func() { l.keepAlive(kctx, s) })
	return s, nil
}

// end clears the busy mark (and the holding) when value is "" or the
// current holding.
func (l *EtcdLock) end(value string) {
	if err := l.mu.Lock(context.Background()); err != nil {
		return
	}
	if value == "" || l.held == value {
		l.busy, l.held = false, ""
	}
	l.mu.Unlock()
}

// die marks s dead, stops its loop and cancels the wait of a running Lock.
// l.mu must be held.
func (l *EtcdLock) die(s *etcdSession) {
	if s.dead {
		return
	}
	s.dead = true
	s.stop()
	if s.waiter != nil {
		s.waiter()
	}
}

// kill is die taking l.mu.
func (l *EtcdLock) kill(s *etcdSession) {
	if err := l.mu.Lock(context.Background()); err != nil {
		return
	}
	l.die(s)
	l.mu.Unlock()
}

// keepAliveRetry bounds the wait before retrying a failed keep-alive, as
// clientv3 retries its keep-alive stream.
const keepAliveRetry = 500 * time.Millisecond

// keepAlive renews s every ttl/3 until ctx is done or s dies.
func (l *EtcdLock) keepAlive(ctx context.Context, s *etcdSession) {
	failed := false
	for {
		if err := l.mu.Lock(ctx); err != nil {
			return
		}
		interval := max(s.ttl/3, time.Millisecond)
		l.mu.Unlock()
		wait := interval
		if failed {
			wait = min(interval, keepAliveRetry)
		}
		if err := l.rt.Sleep(ctx, wait); err != nil {
			return
		}
		start := l.rt.Now()
		kctx, cancel := l.rt.WithTimeout(ctx, interval)
		ttl, err := l.cli.KeepAliveOnce(kctx, s.id)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if lerr := l.mu.Lock(ctx); lerr != nil {
			return
		}
		failed = err != nil
		switch {
		case err == nil && ttl > 0:
			s.ttl = time.Duration(ttl) * time.Second
			s.validity = start.Add(s.ttl)
		case err == nil || errors.Is(err, ErrEtcdLeaseNotFound):
			l.die(s)
		case !l.rt.Now().Before(s.validity):
			// Keep-alives failed until the lease must be presumed gone.
			l.die(s)
		}
		dead := s.dead
		l.mu.Unlock()
		if dead {
			return
		}
	}
}

// acquire is Lock's Txn, wait and check on session s.
func (l *EtcdLock) acquire(ctx context.Context, s *etcdSession) (Lease, error) {
	myKey := l.pfx + strconv.FormatInt(int64(s.id), 16)
	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	if err := l.mu.Lock(context.WithoutCancel(ctx)); err != nil {
		return Lease{}, notAcquired(err, "taking the lock's state")
	}
	dead := s.dead
	s.waiter = wcancel
	l.mu.Unlock()
	defer l.setWaiter(s, nil)
	if dead {
		return Lease{}, notAcquired(ErrSessionExpired, "before enqueueing")
	}

	owner := EtcdOpGet(EtcdGet{Key: l.pfx, Prefix: true, Sort: EtcdOldestFirst, Limit: 1})
	enqueue := EtcdTxn{
		If:   []EtcdCmp{{Key: myKey, CreateRevision: 0}},
		Then: []EtcdOp{EtcdOpPut(myKey, s.id), owner},
		Else: []EtcdOp{EtcdOpGet(EtcdGet{Key: myKey}), owner},
	}
	r, err := l.cli.Txn(wctx, enqueue)
	if err == nil && !r.Succeeded && l.fenced && len(r.Responses) == 2 && len(r.Responses[0].KVs) == 1 {
		// The session's key is still there from an earlier hold whose
		// release did not take effect (it timed out). concurrency.Mutex,
		// and the etcd lock, re-enter it: its create revision is the
		// earlier hold's. As a fencing token that would let a late write
		// of the earlier hold through during this one, so the fenced lock
		// deletes the stale key (guarded by its revision) and enqueues
		// afresh, with a new revision.
		if _, err = l.cli.Txn(wctx, guardedDelete(myKey, r.Responses[0].KVs[0].CreateRevision)); err == nil {
			r, err = l.cli.Txn(wctx, enqueue)
		}
	}
	if err != nil {
		if errors.Is(err, ErrEtcdLeaseNotFound) {
			l.kill(s)
		}
		return Lease{}, notAcquired(l.cause(s, err), "enqueueing %q", myKey)
	}
	if len(r.Responses) != 2 || (!r.Succeeded && len(r.Responses[0].KVs) != 1) {
		return Lease{}, notAcquired(fmt.Errorf("%w: txn answered %d responses (succeeded %v)", ErrUnexpectedReply, len(r.Responses), r.Succeeded), "enqueueing %q", myKey)
	}
	myRev := r.Revision
	if !r.Succeeded {
		myRev = r.Responses[0].KVs[0].CreateRevision
	}
	if first := r.Responses[1].KVs; len(first) != 0 && first[0].CreateRevision != myRev {
		if err := l.waitDeletes(wctx, myRev-1); err != nil {
			l.release(ctx, myKey, myRev)
			return Lease{}, notAcquired(l.cause(s, err), "waiting for the keys created before revision %d", myRev)
		}
		g, err := l.cli.Get(wctx, EtcdGet{Key: myKey})
		if err != nil {
			l.release(ctx, myKey, myRev)
			return Lease{}, notAcquired(l.cause(s, err), "checking %q after the wait", myKey)
		}
		if len(g.KVs) == 0 || g.KVs[0].CreateRevision != myRev {
			l.kill(s)
			return Lease{}, notAcquired(ErrSessionExpired, "%q is gone after the wait", myKey)
		}
	}
	if err := l.mu.Lock(context.WithoutCancel(ctx)); err != nil {
		l.release(ctx, myKey, myRev)
		return Lease{}, notAcquired(err, "taking the lock's state")
	}
	validity, dead := s.validity, s.dead
	l.mu.Unlock()
	if dead || !l.rt.Now().Before(validity) {
		l.release(ctx, myKey, myRev)
		return Lease{}, notAcquired(ErrSessionExpired, "the session's validity passed while acquiring")
	}
	lease := Lease{Key: l.key, Value: strconv.FormatInt(int64(s.id), 16) + ":" + strconv.FormatInt(myRev, 10), Validity: validity}
	if l.fenced {
		lease.Token, lease.Fenced = myRev, true
	}
	if err := l.mu.Lock(context.WithoutCancel(ctx)); err == nil {
		l.held = lease.Value
		l.mu.Unlock()
	}
	return lease, nil
}

func (l *EtcdLock) setWaiter(s *etcdSession, f context.CancelFunc) {
	if err := l.mu.Lock(context.Background()); err != nil {
		return
	}
	s.waiter = f
	l.mu.Unlock()
}

// cause is err, or ErrSessionExpired with it when s died meanwhile (which
// cancels the wait).
func (l *EtcdLock) cause(s *etcdSession, err error) error {
	if lerr := l.mu.Lock(context.Background()); lerr != nil {
		return err
	}
	dead := s.dead
	l.mu.Unlock()
	if dead {
		return errors.Join(ErrSessionExpired, err)
	}
	return err
}

// waitDeletes is concurrency's waitDeletes: until no key of the prefix has
// a create revision at most maxRev, watch the newest of them for its
// deletion.
func (l *EtcdLock) waitDeletes(ctx context.Context, maxRev int64) error {
	for {
		r, err := l.cli.Get(ctx, EtcdGet{Key: l.pfx, Prefix: true, Sort: EtcdNewestFirst, Limit: 1, MaxCreateRevision: maxRev})
		if err != nil {
			return err
		}
		if len(r.KVs) == 0 {
			return nil
		}
		if err := l.cli.WaitDelete(ctx, r.KVs[0].Key, r.Revision); err != nil {
			return err
		}
	}
}

// release deletes key if its create revision is rev, under a timeout of
// the TTL and whatever ctx's cancellation (as concurrency's Lock unlocks
// with the client's context after a failed wait). Its failure is not
// reported: the key then leaves with the session's lease.
func (l *EtcdLock) release(ctx context.Context, key string, rev int64) {
	rctx, cancel := l.rt.WithTimeout(context.WithoutCancel(ctx), time.Duration(l.ttl)*time.Second)
	defer cancel()
	_, _ = l.cli.Txn(rctx, guardedDelete(key, rev))
}

func guardedDelete(key string, rev int64) EtcdTxn {
	return EtcdTxn{If: []EtcdCmp{{Key: key, CreateRevision: rev}}, Then: []EtcdOp{EtcdOpDelete(key)}}
}

// parseEtcdValue splits a lease's Value into the lease ID and the key's
// create revision.
func parseEtcdValue(v string) (EtcdLeaseID, int64, bool) {
	h, r, ok := strings.Cut(v, ":")
	if !ok {
		return 0, 0, false
	}
	id, err1 := strconv.ParseInt(h, 16, 64)
	rev, err2 := strconv.ParseInt(r, 10, 64)
	if err1 != nil || err2 != nil || id == 0 || rev <= 0 {
		return 0, 0, false
	}
	return EtcdLeaseID(id), rev, true
}

// Unlock deletes the holding's key if it still has the holding's create
// revision, and returns an error wrapping ErrNotOwner otherwise, or the
// server's error (the delete may then have happened).
func (l *EtcdLock) Unlock(ctx context.Context, lease Lease) error {
	if err := checkKey(lease, l.key); err != nil {
		return err
	}
	id, rev, ok := parseEtcdValue(lease.Value)
	if !ok {
		return fmt.Errorf("%s %q: unlock: %w: value %q is not <lease hex>:<revision>", l.name, l.key, ErrNotOwner, lease.Value)
	}
	r, err := l.cli.Txn(ctx, guardedDelete(l.pfx+strconv.FormatInt(int64(id), 16), rev))
	l.end(lease.Value)
	if err != nil {
		return fmt.Errorf("%s %q: unlock: %w", l.name, l.key, err)
	}
	if !r.Succeeded {
		return fmt.Errorf("%s %q: unlock: %w", l.name, l.key, ErrNotOwner)
	}
	return nil
}

// Extend renews the session lease once and returns lease with Validity =
// send time + the renewed TTL. It returns an error wrapping ErrNotOwner
// when lease is not this lock's current holding or the lease is gone.
func (l *EtcdLock) Extend(ctx context.Context, lease Lease) (Lease, error) {
	if err := checkKey(lease, l.key); err != nil {
		return Lease{}, err
	}
	id, _, ok := parseEtcdValue(lease.Value)
	if err := l.mu.Lock(context.WithoutCancel(ctx)); err != nil {
		return Lease{}, fmt.Errorf("%s %q: extend: %w", l.name, l.key, err)
	}
	s := l.sess
	ok = ok && s != nil && s.id == id && !s.dead && l.held == lease.Value
	l.mu.Unlock()
	if !ok {
		return Lease{}, fmt.Errorf("%s %q: extend: %w", l.name, l.key, ErrNotOwner)
	}
	start := l.rt.Now()
	ttl, err := l.cli.KeepAliveOnce(ctx, id)
	if err == nil && ttl <= 0 {
		err = ErrEtcdLeaseNotFound
	}
	if errors.Is(err, ErrEtcdLeaseNotFound) {
		l.kill(s)
		return Lease{}, fmt.Errorf("%s %q: extend: %w: %w", l.name, l.key, ErrNotOwner, err)
	}
	if err != nil {
		return Lease{}, fmt.Errorf("%s %q: extend: %w", l.name, l.key, err)
	}
	d := time.Duration(ttl) * time.Second
	lease.Validity = start.Add(d)
	if err := l.mu.Lock(context.WithoutCancel(ctx)); err == nil {
		if !s.dead && lease.Validity.After(s.validity) {
			s.ttl, s.validity = d, lease.Validity
		}
		l.mu.Unlock()
	}
	return lease, nil
}

// Close ends the session: it stops the keep-alive loop, waits for it, and
// revokes the lease, which deletes the key of a holding. The lock stays
// usable: the next Lock starts a new session. Without Close, the loop runs
// as long as the process, as a clientv3 Session's does.
func (l *EtcdLock) Close(ctx context.Context) error {
	if err := l.mu.Lock(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	s := l.sess
	l.sess, l.busy, l.held = nil, false, ""
	if s != nil {
		l.die(s)
	}
	l.mu.Unlock()
	if s == nil {
		return nil
	}
	s.group.Wait()
	if err := l.cli.Revoke(ctx, s.id); err != nil && !errors.Is(err, ErrEtcdLeaseNotFound) {
		return fmt.Errorf("%s %q: close: %w", l.name, l.key, err)
	}
	return nil
}
