package scenario

import (
	"context"
	"errors"
	"syscall"
	"time"

	"github.com/locksim/locksim/histories"
	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/sim"
)

// client is one process of the workload: it loops acquire, critical section
// (read, work, write), release, recording every step.
type client struct {
	id   int
	node *sim.Node
	r    *run
	lock locks.Locker
}

// local is the client's wall clock on the history's time axis.
func (c *client) local() time.Duration { return sinceEpoch(c.node.WallNow()) }

// trueAt translates a reading of the client's wall clock into true time,
// assuming its current drift holds until then.
func (c *client) trueAt(local time.Time) time.Duration {
	ahead := local.Sub(c.node.WallNow())
	return c.r.w.Elapsed() + time.Duration(float64(ahead)/(1+c.node.Drift()))
}

// main is the client's program, started with its node and again after every
// restart of it.
func (c *client) main(rt *sim.Runtime) {
	ctx := context.Background()
	cfg := &c.r.cfg
	if c.id != 1 && cfg.Stagger > 0 {
		_ = rt.Sleep(ctx, cfg.Stagger.D())
	}
	for !c.r.stopping {
		c.once(ctx, rt)
		_ = rt.Sleep(ctx, jitter(rt, cfg.Pace.D()))
	}
}

// jitter is a uniform duration in [d/2, 3d/2).
func jitter(rt *sim.Runtime, d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d/2 + time.Duration(rt.Rand().Int64N(int64(d)))
}

// once runs one acquire, critical section, release.
func (c *client) once(ctx context.Context, rt *sim.Runtime) {
	cfg := &c.r.cfg
	rec := c.r.rec

	actx, cancel := rt.WithTimeout(ctx, cfg.AcquireTimeout.D())
	id := rec.invoke(c, histories.Event{Op: histories.OpAcquire, Key: lockKey})
	lease, err := c.lock.Lock(actx)
	cancel()
	if err != nil {
		rec.complete(c, id, acquireOutcome(err), histories.Event{Op: histories.OpAcquire, Key: lockKey, Error: err.Error()})
		return
	}
	done := histories.Event{Op: histories.OpAcquire, Key: lockKey, Value: lease.Value, Token: lease.Token}
	if lease.Expires() {
		done.ValidUntil = sinceEpoch(lease.Validity)
		done.ValidUntilTrue = c.trueAt(lease.Validity)
	}
	rec.complete(c, id, histories.OK, done)

	c.critical(ctx, rt, id, &lease)

	rid := rec.invoke(c, histories.Event{Op: histories.OpRelease, Key: lockKey, Value: lease.Value, CS: id})
	rctx, cancel := rt.WithTimeout(ctx, cfg.AcquireTimeout.D())
	err = c.lock.Unlock(rctx, lease)
	cancel()
	switch {
	case err == nil:
		rec.complete(c, rid, histories.OK, histories.Event{Op: histories.OpRelease, Key: lockKey, Value: lease.Value, CS: id})
	default:
		rec.complete(c, rid, releaseOutcome(err), histories.Event{Op: histories.OpRelease, Key: lockKey, Value: lease.Value, CS: id, Error: err.Error()})
	}
}

// acquireOutcome: a Lock that gave up because its context ran out may have
// left its value on a node (the reply was lost, not the request), so it is
// indeterminate; any other failure definitely took nothing.
func acquireOutcome(err error) histories.Type {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return histories.Info
	}
	return histories.Fail
}

// releaseOutcome: ErrNotOwner is a definite no (no node held the value),
// and so is a refused connection (the node was down: the command did not
// run);
// a transport error, or a redlock release that deleted the value on fewer
// nodes than the quorum (ErrNoQuorum), took effect in part or perhaps, so
// the release is indeterminate.
func releaseOutcome(err error) histories.Type {
	if (errors.Is(err, locks.ErrNotOwner) || errors.Is(err, syscall.ECONNREFUSED)) && !errors.Is(err, locks.ErrNoQuorum) {
		return histories.Fail
	}
	return histories.Info
}

// critical is the critical section: read the resource, work, write it back.
// Extends along the way update *lease, which the release then uses.
func (c *client) critical(ctx context.Context, rt *sim.Runtime, cs int, lease *locks.Lease) {
	cfg := &c.r.cfg
	read, ok := c.access(ctx, rt, storageRequest{Op: histories.OpRead, CS: cs, Token: lease.Token})
	if !ok {
		return
	}
	if !c.work(ctx, rt, cs, lease) {
		return // the lease could not be extended: the client no longer holds it
	}
	if cfg.Careful && lease.Expires() && !rt.Now().Before(lease.Validity) {
		return // a careful client does not write on a lease it no longer trusts
	}
	req := storageRequest{Op: histories.OpWrite, CS: cs, Token: lease.Token}
	switch cfg.Workload {
	case Counter:
		req.Counter = read.Counter + 1
	case Ledger:
		req.Op = histories.OpTransfer
		rnd := rt.Rand()
		from := rnd.IntN(len(ledgerAccounts))
		to := (from + 1 + rnd.IntN(len(ledgerAccounts)-1)) % len(ledgerAccounts)
		req.From, req.To = ledgerAccounts[from], ledgerAccounts[to]
		req.Amount = 1 + rnd.Int64N(ledgerOpening/4)
		if read.Balances[req.From] < req.Amount {
			return // nothing to move: a careful wallet never overdraws
		}
		req.Balances = map[string]int64{
			req.From: read.Balances[req.From] - req.Amount,
			req.To:   read.Balances[req.To] + req.Amount,
		}
	}
	c.access(ctx, rt, req)
}

// work is the client's work between its read and its write. With
// ExtendEvery it works in steps, extending its lease before each step but
// the first, and reports false when an extend fails: a client that cannot
// extend must stop, for it no longer knows that it holds the lock.
func (c *client) work(ctx context.Context, rt *sim.Runtime, cs int, lease *locks.Lease) bool {
	total := c.workTime(rt, *lease)
	every := c.r.cfg.ExtendEvery.D()
	ext, ok := c.lock.(locks.Extender)
	if every <= 0 || !ok || !lease.Expires() {
		_ = rt.Sleep(ctx, total)
		return true
	}
	for total > 0 {
		step := min(total, every)
		_ = rt.Sleep(ctx, step)
		if total -= step; total <= 0 {
			break
		}
		if !c.extend(ctx, rt, ext, cs, lease) {
			return false
		}
	}
	return true
}

// extend extends *lease, recording the extend, and reports whether it
// succeeded. Its outcome is read as a release's: ErrNotOwner is a definite
// no, anything else may have extended the lease on some node.
func (c *client) extend(ctx context.Context, rt *sim.Runtime, ext locks.Extender, cs int, lease *locks.Lease) bool {
	rec := c.r.rec
	ev := histories.Event{Op: histories.OpExtend, Key: lockKey, Value: lease.Value, CS: cs}
	id := rec.invoke(c, ev)
	ectx, cancel := rt.WithTimeout(ctx, c.r.cfg.AcquireTimeout.D())
	next, err := ext.Extend(ectx, *lease)
	cancel()
	if err != nil {
		ev.Error = err.Error()
		rec.complete(c, id, releaseOutcome(err), ev)
		return false
	}
	*lease = next
	ev.Token = next.Token
	if next.Expires() {
		ev.ValidUntil = sinceEpoch(next.Validity)
		ev.ValidUntilTrue = c.trueAt(next.Validity)
	}
	rec.complete(c, id, histories.OK, ev)
	return true
}

// workTime is how long the client works between its read and its write.
func (c *client) workTime(rt *sim.Runtime, lease locks.Lease) time.Duration {
	cfg := &c.r.cfg
	if cfg.WorkToValidity && lease.Expires() {
		return lease.Validity.Add(-cfg.Margin.D()).Sub(rt.Now())
	}
	lo, hi := cfg.WorkMin.D(), cfg.WorkMax.D()
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(rt.Rand().Int64N(int64(hi-lo)))
}

// access sends one request to the storage node, recording it as a client
// operation. It reports false when the access was rejected or its outcome
// is unknown, in which case the critical section ends.
func (c *client) access(ctx context.Context, rt *sim.Runtime, req storageRequest) (storageReply, bool) {
	rec := c.r.rec
	req.Process = c.id
	ev := histories.Event{Op: req.Op, Key: resourceKey, CS: req.CS, Token: req.Token}
	switch req.Op {
	case histories.OpWrite:
		ev.Counter = histories.Int64(req.Counter)
	case histories.OpTransfer:
		ev.From, ev.To, ev.Amount, ev.Balances = req.From, req.To, req.Amount, copyBalances(req.Balances)
	}
	req.OpID = rec.invoke(c, ev)
	sctx, cancel := rt.WithTimeout(ctx, c.r.cfg.storageTimeout())
	v, err := rt.Call(sctx, c.r.storageNode, req)
	cancel()
	ev.Counter, ev.Balances = nil, nil
	if err != nil {
		ev.Error = err.Error()
		rec.complete(c, req.OpID, histories.Info, ev)
		return storageReply{}, false
	}
	reply := v.(storageReply)
	ev.Outcome = reply.Outcome
	if reply.Outcome == histories.Rejected {
		ev.Error = "stale token rejected by the storage"
		rec.complete(c, req.OpID, histories.Fail, ev)
		return reply, false
	}
	switch req.Op {
	case histories.OpRead:
		ev.Counter = histories.Int64(reply.Counter)
		ev.Balances = reply.Balances
	case histories.OpWrite:
		ev.Counter = histories.Int64(req.Counter)
	case histories.OpTransfer:
		ev.From, ev.To, ev.Amount, ev.Balances = req.From, req.To, req.Amount, copyBalances(req.Balances)
	}
	rec.complete(c, req.OpID, histories.OK, ev)
	return reply, true
}

// storageTimeout bounds one access to the storage: long enough that a
// delayed write still completes, short enough that a lost one ends.
func (c Config) storageTimeout() time.Duration { return 4 * c.TTL.D() }
