package simlock

import (
	"fmt"
	"testing"
	"time"

	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/sim"
	"github.com/locksim/locksim/sim/etcd"
)

// etcdWorkers adds members etcd members (one member, or a raft cluster)
// and five client nodes to w; each client runs work with an Etcd over
// connections to every member.
func etcdWorkers(tb testing.TB, w *sim.World, members int, work func(rt *sim.Runtime, cli locks.Etcd)) {
	var servers []*etcd.Server
	if members == 1 {
		s, err := etcd.AddMember(w, "etcd-1", etcd.Config{})
		if err != nil {
			tb.Fatal(err)
		}
		servers = append(servers, s)
	} else {
		names := make([]string, members)
		for i := range names {
			names[i] = fmt.Sprint("etcd-", i+1)
		}
		var err error
		if servers, err = etcd.AddCluster(w, names, etcd.Config{}); err != nil {
			tb.Fatal(err)
		}
	}
	for k := range 5 {
		c := w.AddNode(fmt.Sprint("c", k))
		w.Spawn(c, "worker", func(rt *sim.Runtime) {
			conns := make([]*sim.Conn, len(servers))
			for i, s := range servers {
				conns[i] = w.Connect(c, s.Node())
			}
			work(rt, Etcd(conns))
		})
	}
}

// BenchmarkEtcdLockWorkload is BenchmarkLuaLockWorkload's loop with the
// etcd lock of package locks (session TTL 8s) on a simulated etcd of one
// member and of three raft members: client requests (cmds; raft messages
// between members are not counted) and lock cycles per wall and CPU
// second.
func BenchmarkEtcdLockWorkload(b *testing.B) {
	for _, members := range []int{1, 3} {
		b.Run(fmt.Sprint("members=", members), func(b *testing.B) {
			var m workloadMeter
			b.ReportAllocs()
			m.start()
			for i := 0; i < b.N; i++ {
				w := sim.NewWorld(uint64(i))
				etcdWorkers(b, w, members, func(rt *sim.Runtime, cli locks.Etcd) {
					l, err := locks.NewEtcd(Runtime(rt), cli, locks.EtcdOptions{Key: "lock", TTL: 8 * time.Second})
					if err != nil {
						panic(err)
					}
					m.loop(rt, l)
				})
				m.run(w)
			}
			m.report(b)
		})
	}
}
