package faults

import (
	"fmt"
	"strconv"
	"strings"
)

// Topology is the set of nodes of a run: client-1..client-Clients,
// redis-1..redis-Redis (etcd-1..etcd-Redis when Etcd) and storage, which
// always exists.
type Topology struct {
	Clients int
	// Redis is the number of lock servers: Redis nodes, or etcd members.
	Redis int
	// Etcd says the lock servers are etcd members, named etcd-N.
	Etcd bool
}

// EtcdNode is the name of etcd member i (1-based).
func EtcdNode(i int) string { return "etcd-" + strconv.Itoa(i) }

// Server is the name of lock server i (1-based): RedisNode(i), or
// EtcdNode(i) when t.Etcd.
func (t Topology) Server(i int) string {
	if t.Etcd {
		return EtcdNode(i)
	}
	return RedisNode(i)
}

// serverPrefix is the prefix of t's lock server names.
func (t Topology) serverPrefix() string {
	if t.Etcd {
		return "etcd-"
	}
	return "redis-"
}

// Storage is the name of the node holding the protected resource.
const Storage = "storage"

// Holder is the symbolic target naming the client whose event fired a
// trigger.
const Holder = "holder"

// ClientNode is the name of client i (1-based).
func ClientNode(i int) string { return "client-" + strconv.Itoa(i) }

// RedisNode is the name of Redis node i (1-based).
func RedisNode(i int) string { return "redis-" + strconv.Itoa(i) }

// Nodes lists every node: the clients, the Redis nodes, then storage.
func (t Topology) Nodes() []string {
	out := make([]string, 0, t.Clients+t.Redis+1)
	for i := 1; i <= t.Clients; i++ {
		out = append(out, ClientNode(i))
	}
	for i := 1; i <= t.Redis; i++ {
		out = append(out, t.Server(i))
	}
	return append(out, Storage)
}

// Has reports whether name is a node of t.
func (t Topology) Has(name string) bool {
	if name == Storage {
		return true
	}
	if i, ok := nodeIndex(name, "client-"); ok {
		return i <= t.Clients
	}
	if i, ok := nodeIndex(name, t.serverPrefix()); ok {
		return i <= t.Redis
	}
	return false
}

// nodeIndex parses prefix+N with N a positive decimal without leading zeros.
func nodeIndex(name, prefix string) (int, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok || rest == "" || rest[0] == '0' {
		return 0, false
	}
	i, err := strconv.Atoi(rest)
	if err != nil || i < 1 || strconv.Itoa(i) != rest {
		return 0, false
	}
	return i, true
}

// Expand resolves the node names and patterns of a fault field into node
// names, in topology order, without duplicates. holder is the client that
// fired the fault's trigger ("" if none); "holder" resolves to it.
func (t Topology) Expand(patterns []string, holder string) ([]string, error) {
	want := map[string]bool{}
	for _, p := range patterns {
		switch p {
		case "*":
			for _, n := range t.Nodes() {
				want[n] = true
			}
		case "client-*":
			for i := 1; i <= t.Clients; i++ {
				want[ClientNode(i)] = true
			}
		case t.serverPrefix() + "*":
			for i := 1; i <= t.Redis; i++ {
				want[t.Server(i)] = true
			}
		case Holder:
			if holder == "" {
				return nil, fmt.Errorf("\"holder\" has no client outside a triggered fault")
			}
			want[holder] = true
		default:
			if !t.Has(p) {
				return nil, fmt.Errorf("unknown node %q", p)
			}
			want[p] = true
		}
	}
	out := []string{}
	for _, n := range t.Nodes() { // topology order, not map order
		if want[n] {
			out = append(out, n)
		}
	}
	return out, nil
}

// Sides resolves the two sides of a partition: B loses the nodes of A, so
// that {"a":["redis-1"],"b":["*"]} isolates redis-1.
func (t Topology) Sides(f Fault, holder string) (a, b []string, err error) {
	a, err = t.Expand(f.A, holder)
	if err != nil {
		return nil, nil, err
	}
	all, err := t.Expand(f.B, holder)
	if err != nil {
		return nil, nil, err
	}
	inA := map[string]bool{}
	for _, n := range a {
		inA[n] = true
	}
	for _, n := range all {
		if !inA[n] {
			b = append(b, n)
		}
	}
	return a, b, nil
}

func isPattern(p string) bool {
	return p == "*" || p == "client-*" || p == "redis-*" || p == "etcd-*" || p == Holder
}

// syntacticNode reports whether p can name a node in some topology.
func syntacticNode(p string) bool {
	if isPattern(p) || p == Storage {
		return true
	}
	_, c := nodeIndex(p, "client-")
	_, r := nodeIndex(p, "redis-")
	_, e := nodeIndex(p, "etcd-")
	return c || r || e
}

// mayBeRedis reports whether pattern p can name a Redis node.
func mayBeRedis(p string) bool {
	_, r := nodeIndex(p, "redis-")
	return r || p == "*" || p == "redis-*"
}
