// Package live runs a scenario's World against real redis-server
// processes on loopback, with real faults, to cross-check the simulator's
// verdicts (DESIGN.md, "Backends"; issue 13).
//
// The World runs in real time: its idle hook sleeps on the real clock
// until the World's next timer or until a real Redis call returns, and
// gives the World the real time elapsed since the run began. Everything
// but the Redis nodes is the simulator's, unchanged: the clients and their
// faults (pauses, crashes, clock steps and drift), the storage node and
// its network, the recorder, the checks. Each Redis node is a real
// redis-server, started with the persistence the schedule's crashes ask
// for, behind one RESP-aware proxy (internal/respproxy) per client, and
// the built-in locks reach it through go-redis (locks.NewRedisConn, retries
// off: a command is never re-sent silently), each call running inside
// sim.Runtime.External so that the calling task blocks while the rest of
// the World goes on.
//
// The simulated Redis nodes stay in the World, unused by the locks, and
// the fault injector acts on them as always. The backend mirrors their
// state onto the real servers at every quiet point of the World and
// before every command: a crashed node is killed (kill -9), a restarted
// one restarted on its directory and port, a paused one stopped (SIGSTOP)
// and continued (SIGCONT), a clock step or drift applied through the clock
// shim (realredis.Clock), and partitions, loss and delay between a client
// and a node set on that pair's proxy.
//
// A lock key's expiry on a real server reaches the history as the
// simulator's does (an expire event with the key's last value): a watcher
// per server follows its keyspace notifications on a direct connection,
// and a call's reply is handed to the World only after the watcher has
// caught up with the server (a PING on the subscription), so an expiry the
// command itself caused is recorded before the reply. Each client's
// connections are warm before the run, as a running process's pool is.
//
// The proxies also hold each message for the simulated link's latency
// (base plus jitter; loopback's own is tens of microseconds), so that a
// fault timed against a command in flight meets it in flight live too.
//
// Known differences from the simulator, which a cross-check shows rather
// than hides: a key lost in a restart is not reported as vanished (the
// double acquire that follows is still found); the World's time trails
// real time by the time its tasks take to run; real servers take real
// milliseconds to restart and to replay their AOF.
//
// What it cannot do it refuses (Refuse): a host crash (a process killed on
// this machine keeps what the kernel holds), crashes of one run asking for
// two persistence modes (a server's is fixed when it starts), faults
// triggered at the do-sent and do-replied seams (a real command is a
// go-redis call, not a simulated send and reply), and external locks
// (they run on the unmodified backend). A live run is not reproducible from a seed: the
// seed still drives the simulated parts, but real processes, sockets and
// the real clock decide the rest; its trace hash says so, and so does the
// CLI.
//
// Every process a run starts is stopped by its PID when the run ends, and
// on SIGINT or SIGTERM (the handler stops them, then exits).
package live
