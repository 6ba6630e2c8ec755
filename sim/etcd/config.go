package etcd

import (
	"fmt"
	"math"
	"time"
)

// Config is one member's static configuration. Zero fields take etcd's
// defaults.
type Config struct {
	// MemberID and ClusterID fill response headers.
	MemberID, ClusterID uint64
	// Seed makes server-chosen lease IDs deterministic (see idGen).
	Seed uint64
	// HeartbeatInterval is etcd's --heartbeat-interval (one raft tick);
	// default 100ms.
	HeartbeatInterval time.Duration
	// ElectionTicks is the election timeout in ticks (etcd's
	// --election-timeout / --heartbeat-interval); default 10.
	ElectionTicks int
	// MaxTxnOps is etcd's --max-txn-ops; default 128.
	MaxTxnOps int
	// LeaseCheckInterval is how often the lessor looks for expired leases;
	// etcd hard-codes 500ms (lessor.runLoop).
	LeaseCheckInterval time.Duration
}

// maxLeaseTTL is etcd's lease.MaxLeaseTTL.
const maxLeaseTTL = 9000000000

func (c Config) withDefaults() (Config, error) {
	if c.HeartbeatInterval == 0 {
		c.HeartbeatInterval = 100 * time.Millisecond
	}
	if c.ElectionTicks == 0 {
		c.ElectionTicks = 10
	}
	if c.MaxTxnOps == 0 {
		c.MaxTxnOps = 128
	}
	if c.LeaseCheckInterval == 0 {
		c.LeaseCheckInterval = 500 * time.Millisecond
	}
	switch {
	case c.HeartbeatInterval < 0:
		return c, fmt.Errorf("etcd config: HeartbeatInterval %v is negative", c.HeartbeatInterval)
	case c.ElectionTicks < 0:
		return c, fmt.Errorf("etcd config: ElectionTicks %d is negative", c.ElectionTicks)
	case c.MaxTxnOps < 0:
		return c, fmt.Errorf("etcd config: MaxTxnOps %d is negative", c.MaxTxnOps)
	case c.LeaseCheckInterval < 0:
		return c, fmt.Errorf("etcd config: LeaseCheckInterval %v is negative", c.LeaseCheckInterval)
	}
	return c, nil
}

// electionTimeout is etcd's Cfg.electionTimeout(): ticks times heartbeat,
// 1s by default. A new leader extends every lease by it (lessor.Promote).
func (c Config) electionTimeout() time.Duration {
	return time.Duration(c.ElectionTicks) * c.HeartbeatInterval
}

// MinLeaseTTL is etcd's minimum lease TTL in seconds
// (embed/etcd.go: ceil((3*ElectionTicks/2) * heartbeat)), 2 by default:
// a lease is granted at least long enough to survive a leader election.
// The division is integer division, as in etcd.
func (c Config) MinLeaseTTL() int64 {
	c, _ = c.withDefaults()
	d := time.Duration(3*c.ElectionTicks/2) * c.HeartbeatInterval
	return int64(math.Ceil(d.Seconds()))
}
