// Package etcd is a simulated etcd v3 server (one member), as faithful to
// etcd 3.4 as locksim's simulated Redis is to Redis, for locks built on
// etcd (concurrency.Mutex: lease + keep-alive + create-revision order).
//
// It is a pure, deterministic core in the style of etcd-io/raft: no
// goroutines, clocks, sockets or global randomness, no dependence on map
// order. Time is an input (the member's monotonic clock reading, as a
// time.Duration), and outputs are values collected by Ready: replies to
// request IDs, watch stream messages, and the next deadline at which the
// member wants Tick. Requests and responses are etcd's own protobuf types
// (etcdserverpb, mvccpb) and errors are etcd's own gRPC status errors
// (rpctypes), so a differential test sends the very same requests to the
// model and to a real etcd-server and compares the replies.
//
// # Usage
//
//	m, err := etcd.NewMember(etcd.Config{MemberID: 1, ClusterID: 1, Seed: seed})
//	m.Start(now)                  // boots; it serves from now + one heartbeat
//	m.Handle(now, etcd.Request{ID: 1, Put: &pb.PutRequest{Key: k, Value: v}})
//	rd := m.Ready()               // rd.Replies[0].Resp is a *pb.PutResponse
//	m.Tick(rd.NextDeadline)       // at that monotonic time: lease expiry checks
//	m.Crash(); m.Start(later)     // acknowledged state survives
//
// # What is modelled
//
//   - MVCC: a global revision; per key create/mod revision, version, value,
//     lease; Range (range_end and "\x00", limit, sort, keys_only, count_only,
//     revision, min/max mod/create revision), Put (prev_kv, ignore_value,
//     ignore_lease), DeleteRange (prev_kv), Txn with compares on CREATE,
//     MOD, VERSION, VALUE and LEASE, nested txns, etcd 3.4's request checks
//     and errors (duplicate keys, too many ops, unknown lease, future
//     revision...). Compaction is not modelled: history is kept forever.
//   - Leases: grant (client-chosen IDs, or server-chosen ones from etcd's ID
//     generator seeded by Config.Seed), the minimum TTL derived from the
//     election timeout (2s by default), keep-alive, revoke (the lease's keys
//     go in one revision), time-to-live. Expiry is measured on the member's
//     monotonic clock, so drift and pauses act on it and wall-clock steps do
//     not. The lessor looks for expired leases every 500ms and revokes them
//     then, so a key outlives its lease by up to 500ms.
//   - Watches on a key or range from a revision, with prev_kv and filters;
//     a watch from an old revision replays the history.
//   - Crash and restart: everything acknowledged survives (etcd syncs its
//     WAL before answering); watches and held keep-alives do not. A
//     restarted member is leader one heartbeat later, and promotes its
//     lessor: every lease gets its full TTL plus the election timeout.
//
// # Clusters
//
// A Node is one member of a replicated cluster: a Member behind a real
// go.etcd.io/raft/v3 RawNode, driven by explicit Tick and Step calls, with
// raft messages for peers as outputs (NodeReady.Messages). Writes and lease
// grants and revocations go through the raft log, reads through ReadIndex,
// keep-alives are served by the leader (followers refuse them; etcd
// forwards them), and a new leader promotes its lessor when it applies its
// term's first entry. Elections are deterministic: raft's own timer (which
// draws from a global random source) is disabled, and the Node campaigns
// after a timeout drawn from a seeded source; see Node for what that costs
// (no CheckQuorum).
//
//	n, _ := etcd.NewNode(etcd.Config{ClusterID: 1, Seed: seed}, 1, []uint64{1, 2, 3})
//	n.Start(now)
//	n.Handle(now, req)            // or n.Step(now, msgFromPeer)
//	rd := n.Ready()               // rd.Replies, rd.Watch, rd.Messages, rd.NextDeadline
//
// Not modelled: compaction, auth, progress notifications (progress
// requests are answered), fragmented watch responses, alarms and quotas,
// snapshots of the raft log, membership changes, request timeouts.
package etcd
