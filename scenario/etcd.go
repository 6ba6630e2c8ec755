package scenario

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/sim"
	"github.com/locksim/locksim/sim/etcd"
)

// The etcd locks' side of a run: their servers are etcd members (sim/etcd)
// named etcd-1..etcd-N, one member or a raft cluster, instead of Redis
// nodes.

// addEtcd adds the run's etcd members.
func (r *run) addEtcd() {
	topo := r.cfg.Topology()
	names := make([]string, r.cfg.Nodes)
	for i := range names {
		names[i] = topo.Server(i + 1)
	}
	var err error
	if len(names) == 1 {
		var s *etcd.Server
		s, err = etcd.AddMember(r.w, names[0], etcd.Config{})
		r.etcd = []*etcd.Server{s}
	} else {
		r.etcd, err = etcd.AddCluster(r.w, names, etcd.Config{})
	}
	if err != nil {
		panic(fmt.Sprintf("scenario: etcd with its default config: %v", err))
	}
	for _, s := range r.etcd {
		r.nodes[s.Node().Name()] = s.Node()
	}
}

// etcdLeaseValue is the Lease.Value of the holder whose lock key an
// expiry event deleted: the etcd locks put lockKey/<lease ID in hex> and
// name their lease "<lease ID in hex>:<create revision>".
func etcdLeaseValue(e sim.Event) (string, bool) {
	id, ok := strings.CutPrefix(e.Key, lockKey+"/")
	if !ok || id == "" {
		return "", false
	}
	return id + ":" + strconv.Itoa(e.N), true
}

// fenced reports whether the run's storage checks fencing tokens.
func (c Config) fenced() bool {
	return c.Lock == "fenced" || c.Lock == "etcd-fenced"
}

// etcdScenarios are the named scenarios of the etcd locks alone.
func etcdScenarios() []Named {
	etcdOnly := func(plain, fenced Expect, why, fencedWhy string) []LockExpect {
		return []LockExpect{{Lock: "etcd", Expect: plain, Why: why}, {Lock: "etcd-fenced", Expect: fenced, Why: fencedWhy}}
	}
	return []Named{
		{
			Name: "etcd-waiter-session-expired",
			Summary: "client-2 waits behind the holder; client-2 pauses for 2x TTL while it waits, so its own session's lease expires, " +
				"and the holder releases during the pause",
			Expect: etcdOnly(Safe, Safe,
				"the waiter's key goes with its lease, and on resuming the waiter finds its session dead and fails its Lock instead of trusting a grant (etcd-io/etcd #19597 is the client that keeps waiting)",
				"as etcd"),
			config: func(lock string) Config {
				c := base(lock)
				c.Faults.Faults = []faults.Fault{{Kind: faults.Pause, When: &faults.Trigger{Op: faults.OpAcquire, Phase: faults.PhaseInvoke, Client: 2}, Node: faults.ClientNode(2), For: 2 * ttl}}
				return c
			},
		},
		{
			Name: "etcd-leader-partition",
			Summary: "three etcd members; shortly after client-1 acquires, the member it talks to is cut from the others for 3x TTL, " +
				"so a new leader is elected while client-1 holds the lock",
			Expect: etcdOnly(Safe, Safe,
				"the old leader cannot commit; the holder's keep-alives there fail, and it moves to the new leader, which extends every lease by its full TTL (lessor.Promote), so the key outlives the election",
				"as etcd"),
			config: func(lock string) Config {
				c := base(lock)
				c.Nodes = 3
				c.Faults.Faults = []faults.Fault{{
					Kind: faults.Partition, When: &faults.Trigger{Op: faults.OpAcquire, Phase: faults.PhaseOK, Client: 1, After: 100 * time.Millisecond},
					A: []string{faults.EtcdNode(1)}, B: []string{faults.EtcdNode(2), faults.EtcdNode(3)}, For: 3 * ttl,
				}}
				return c
			},
		},
	}
}
