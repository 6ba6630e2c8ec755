package bench

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/locksim/locksim/internal/etcdtest"
	"github.com/locksim/locksim/internal/golden"
	"github.com/locksim/locksim/internal/redistest"
)

// miniredises starts n miniredis servers on loopback TCP.
func miniredises(t *testing.T, n int) ([]*miniredis.Miniredis, []string) {
	t.Helper()
	var ms []*miniredis.Miniredis
	var addrs []string
	for range n {
		m := miniredis.RunT(t)
		ms = append(ms, m)
		addrs = append(addrs, m.Addr())
	}
	return ms, addrs
}

// checkMeasured checks the invariants of a measured row.
func checkMeasured(t *testing.T, r Row, clients int) {
	t.Helper()
	assert.Empty(t, r.Skipped, r.Label())
	assert.Equal(t, clients, r.Clients, r.Label())
	assert.Positive(t, r.Cycles, r.Label())
	assert.Positive(t, r.OpsPerSec, r.Label())
	assert.Positive(t, r.P50, r.Label())
	assert.LessOrEqual(t, r.P50, r.P99, r.Label())
	// A loaded machine may time a cycle out (redlock's round timeout is
	// 5% of its expiry); most must succeed.
	assert.Less(t, r.Errors, r.Cycles, "%s: %s", r.Label(), r.FirstError)
	if r.Errors > 0 {
		t.Logf("%s: %d errors, the first: %s", r.Label(), r.Errors, r.FirstError)
	}
	assert.Positive(t, r.Elapsed, r.Label())
	assert.Equal(t, DefaultRounds, r.Rounds, r.Label())
	assert.LessOrEqual(t, r.MinOpsPerSec, r.OpsPerSec, r.Label())
	assert.GreaterOrEqual(t, r.MaxOpsPerSec, r.OpsPerSec, r.Label())
}

func labels(rows []Row) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Label())
	}
	return out
}

// TestRunMiniredis covers Run without a real server: every row over five
// miniredis servers, then the keys are gone. (miniredis expires keys only
// when told to, so the TTL stays the default 8s: a redlock round then has
// 400ms before it times out and leaves a key behind.)
func TestRunMiniredis(t *testing.T) {
	ms, addrs := miniredises(t, 5)
	rows, err := Run(context.Background(), Config{Addrs: addrs, Clients: 2, Duration: 100 * time.Millisecond})
	require.NoError(t, err)
	require.Equal(t, []string{"mutex", "sync.Mutex", "setnx", "lua", "fenced", "redlock/3", "redlock/5", "etcd"}, labels(rows))
	for _, r := range rows[:7] {
		checkMeasured(t, r, 2)
	}
	assert.Zero(t, rows[0].Nodes)
	assert.Equal(t, 5, rows[6].Nodes)
	assert.Equal(t, "skipped: no etcd endpoint given", rows[7].Skipped)
	for i, m := range ms {
		assert.Empty(t, m.Keys(), "server %d keeps keys after the run", i)
	}
}

// TestRunSkipsRedlockRows: with fewer servers than a redlock row needs, the
// row is skipped with its reason, and the others run.
func TestRunSkipsRedlockRows(t *testing.T) {
	_, addrs := miniredises(t, 3)
	rows, err := Run(context.Background(), Config{Addrs: addrs, Locks: []string{"redlock", "lua"}, Clients: 1, Duration: 50 * time.Millisecond})
	require.NoError(t, err)
	require.Equal(t, []string{"redlock/3", "redlock/5", "lua"}, labels(rows))
	checkMeasured(t, rows[0], 1)
	assert.Equal(t, "skipped: needs 5 servers, 3 given", rows[1].Skipped)
	assert.Zero(t, rows[1].Cycles)
	checkMeasured(t, rows[2], 1)
}

// TestRunContended: all clients on one key still complete cycles, without
// errors.
func TestRunContended(t *testing.T) {
	ms, addrs := miniredises(t, 1)
	rows, err := Run(context.Background(), Config{Addrs: addrs, Locks: []string{"mutex", "lua"}, Clients: 3, Duration: 200 * time.Millisecond, Contended: true})
	require.NoError(t, err)
	require.Equal(t, []string{"mutex", "sync.Mutex", "lua"}, labels(rows))
	for _, r := range rows {
		checkMeasured(t, r, 3)
		assert.True(t, r.Contended)
	}
	assert.Empty(t, ms[0].Keys())
}

// TestRunMutexNeedsNoServer: mutex alone runs without addresses.
func TestRunMutexNeedsNoServer(t *testing.T) {
	rows, err := Run(context.Background(), Config{Locks: []string{"mutex"}, Clients: 2, Duration: 50 * time.Millisecond})
	require.NoError(t, err)
	require.Equal(t, []string{"mutex", "sync.Mutex"}, labels(rows))
	for _, r := range rows {
		checkMeasured(t, r, 2)
	}
}

// TestRunRealRedis measures every single-server row on the real
// redis-server at LOCKSIM_REDIS_ADDR (redlock needs independent servers,
// so its rows are skipped), and renders the table.
func TestRunRealRedis(t *testing.T) {
	addr := redistest.Addr(t)
	rows, err := Run(context.Background(), Config{Addrs: []string{addr}, Clients: 2, Duration: 100 * time.Millisecond})
	require.NoError(t, err)
	require.Equal(t, []string{"mutex", "sync.Mutex", "setnx", "lua", "fenced", "redlock/3", "redlock/5", "etcd"}, labels(rows))
	for _, r := range rows[:5] {
		checkMeasured(t, r, 2)
	}
	assert.Equal(t, "skipped: needs 3 servers, 1 given", rows[5].Skipped)
	assert.Equal(t, "skipped: needs 5 servers, 1 given", rows[6].Skipped)
	assert.Equal(t, "skipped: no etcd endpoint given", rows[7].Skipped)
	var b bytes.Buffer
	require.NoError(t, Markdown(&b, rows, map[string]string{"lua": "violations in 6/11 scenarios"}))
	checkTable(t, b.String(), len(rows), 0)
	assert.Contains(t, b.String(), "| violations in 6/11 scenarios |")
}

// TestRunRealEtcd measures the etcd rows on the real etcd-server at
// LOCKSIM_ETCD_ENDPOINT, uncontended and contended, and leaves no key
// and no lease of its own behind.
func TestRunRealEtcd(t *testing.T) {
	ep := etcdtest.Endpoint(t)
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{ep}, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	require.NoError(t, err)
	defer cli.Close()
	ctx := context.Background()
	leases := func() int {
		r, err := cli.Leases(ctx)
		require.NoError(t, err)
		return len(r.Leases)
	}
	before := leases()
	for _, contended := range []bool{false, true} {
		rows, err := Run(ctx, Config{Etcd: []string{ep}, Locks: []string{"etcd", "etcd-fenced"}, Clients: 3, Duration: 300 * time.Millisecond, TTL: 5 * time.Second, Contended: contended})
		require.NoError(t, err)
		require.Equal(t, []string{"etcd", "etcd-fenced"}, labels(rows))
		for _, r := range rows {
			checkMeasured(t, r, 3)
			assert.Equal(t, 1, r.Nodes)
		}
		var b bytes.Buffer
		require.NoError(t, Markdown(&b, rows, nil))
		checkTable(t, b.String(), len(rows), 3)
		assert.Contains(t, b.String(), "| etcd | 1 | 3 |")
		r, err := cli.Get(ctx, "locksim:bench:", clientv3.WithPrefix(), clientv3.WithCountOnly())
		require.NoError(t, err)
		assert.Zero(t, r.Count, "keys left behind")
	}
	assert.Equal(t, before, leases(), "leases left behind")
}

// TestRunUnreachableServer: a server that does not answer is a
// *ServerError naming it, before any row runs.
func TestRunUnreachableServer(t *testing.T) {
	m := miniredis.RunT(t)
	addr := m.Addr()
	m.Close()
	_, err := Run(context.Background(), Config{Addrs: []string{addr}, Locks: []string{"setnx"}, Duration: 10 * time.Millisecond})
	var se *ServerError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, addr, se.Addr)
	assert.Contains(t, err.Error(), addr)
}

// TestRunUnreachableEtcd: an etcd endpoint that does not answer is a
// *ServerError of kind etcd; without endpoints, the etcd rows are
// skipped and need no Redis.
func TestRunUnreachableEtcd(t *testing.T) {
	m := miniredis.RunT(t)
	addr := m.Addr()
	m.Close()
	_, err := Run(context.Background(), Config{Etcd: []string{addr}, Locks: []string{"etcd"}, Duration: 10 * time.Millisecond})
	var se *ServerError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "etcd", se.Kind)
	assert.Contains(t, err.Error(), "etcd "+addr+" does not answer")

	rows, err := Run(context.Background(), Config{Locks: []string{"etcd-fenced"}, Duration: 10 * time.Millisecond})
	require.NoError(t, err)
	require.Len(t, rows, 1)
	assert.Equal(t, "skipped: no etcd endpoint given", rows[0].Skipped)
}

// TestConfigErrors: a bad Config is a *ConfigError naming the field, with a
// lower-case message.
func TestConfigErrors(t *testing.T) {
	addrs := []string{"127.0.0.1:1", "127.0.0.1:2"}
	cases := []struct {
		name  string
		cfg   Config
		field string
		want  string
	}{
		{"negative clients", Config{Addrs: addrs, Clients: -1}, "Clients", "is -1"},
		{"too many clients", Config{Addrs: addrs, Clients: maxClients + 1}, "Clients", "want 1..1024"},
		{"negative duration", Config{Addrs: addrs, Duration: -time.Second}, "Duration", "is -1s"},
		{"negative ttl", Config{Addrs: addrs, TTL: -time.Second}, "TTL", "is -1s"},
		{"unknown lock", Config{Addrs: addrs, Locks: []string{"lua", "zookeeper"}}, "Locks", `unknown lock "zookeeper"`},
		{"lock twice", Config{Addrs: addrs, Locks: []string{"lua", "lua"}}, "Locks", `"lua" is listed twice`},
		{"no servers", Config{Locks: []string{"mutex", "setnx"}}, "Addrs", "is empty"},
		{"not host:port", Config{Addrs: []string{"localhost"}}, "Addrs", `"localhost" (address 1) is not host:port`},
		{"server twice", Config{Addrs: []string{"127.0.0.1:1", "127.0.0.1:1"}}, "Addrs", "listed twice"},
		{"negative rounds", Config{Addrs: addrs, Rounds: -1}, "Rounds", "is -1, want 1..100"},
		{"rounds too short", Config{Addrs: addrs, Duration: 2 * time.Millisecond, Rounds: 3}, "Duration", "at least 1ms per round"},
		{"zero redlock nodes", Config{Addrs: addrs, RedlockNodes: []int{0}}, "RedlockNodes", "at least 1"},
		{"etcd not host:port", Config{Locks: []string{"etcd"}, Etcd: []string{"localhost"}}, "Etcd", `"localhost" (endpoint 1) is not host:port`},
		{"etcd ttl fraction", Config{Locks: []string{"etcd"}, Etcd: []string{"127.0.0.1:1"}, TTL: 1500 * time.Millisecond}, "TTL", "is 1.5s, but etcd needs a whole number of seconds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Run(context.Background(), c.cfg)
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, c.field, ce.Field)
			assert.Contains(t, err.Error(), c.want)
			assert.Regexp(t, `^bench: [A-Z][A-Za-z]+: [a-z"]`, err.Error())
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

// TestHistogramQuantiles: the histogram's quantiles are within 1% of the
// exact nearest-rank quantiles of the same values, and never below them.
func TestHistogramQuantiles(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 10, 99, 100, 1000, 54321} {
		h := newHistogram()
		vals := make([]time.Duration, n)
		for i := range vals {
			// log-uniform from 1ns to about 10s
			vals[i] = time.Duration(1<<r.IntN(34)) + time.Duration(r.Int64N(1<<20))
			h.record(vals[i])
		}
		slices.Sort(vals)
		for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 1} {
			rank := int(q*float64(n) + 0.999999)
			rank = min(max(rank, 1), n)
			exact := vals[rank-1]
			got := h.quantile(q)
			assert.GreaterOrEqual(t, got, exact, "n=%d q=%v", n, q)
			assert.LessOrEqual(t, float64(got-exact), float64(exact)/subBuckets+1, "n=%d q=%v", n, q)
		}
	}
	assert.Zero(t, newHistogram().quantile(0.5))
	for v := uint64(0); v < 1<<16; v++ {
		require.LessOrEqual(t, v, upper(index(v)), "value %d", v)
		if i := index(v); i > 0 {
			require.Greater(t, v, upper(i-1), "value %d", v)
		}
	}
}

// sampleRows is a fixed measurement for the rendering tests.
func sampleRows() []Row {
	return []Row{
		{Lock: "mutex", Clients: 8, Cycles: 4_000_000, Elapsed: 2 * time.Second, OpsPerSec: 2_000_000, MinOpsPerSec: 1900000, MaxOpsPerSec: 2100000, Rounds: 3, P50: 1200 * time.Nanosecond, P99: 45 * time.Microsecond},
		{Lock: "sync.Mutex", Clients: 8, Cycles: 20_000_000, Elapsed: 2 * time.Second, OpsPerSec: 10_000_000, MinOpsPerSec: 9500000, MaxOpsPerSec: 10500000, Rounds: 3, P50: 60 * time.Nanosecond, P99: 3 * time.Microsecond},
		{Lock: "setnx", Nodes: 1, Clients: 8, Cycles: 40_000, Elapsed: 2 * time.Second, OpsPerSec: 20_000, MinOpsPerSec: 19000, MaxOpsPerSec: 21000, Rounds: 3, P50: 380 * time.Microsecond, P99: 1234567 * time.Nanosecond},
		{Lock: "lua", Nodes: 1, Clients: 8, Cycles: 30_000, Elapsed: 2 * time.Second, OpsPerSec: 15_000, MinOpsPerSec: 14000, MaxOpsPerSec: 16000, Rounds: 3, P50: 500 * time.Microsecond, P99: 2 * time.Millisecond},
		{Lock: "fenced", Nodes: 1, Clients: 8, Cycles: 29_000, Elapsed: 2 * time.Second, OpsPerSec: 14_500, MinOpsPerSec: 13775, MaxOpsPerSec: 15225, Rounds: 3, P50: 510 * time.Microsecond, P99: 2100 * time.Microsecond, Errors: 2, FirstError: "unlock: i/o\ntimeout | x"},
		{Lock: "redlock", Nodes: 3, Clients: 8, Cycles: 10_000, Elapsed: 2 * time.Second, OpsPerSec: 5_000, MinOpsPerSec: 4750, MaxOpsPerSec: 5250, Rounds: 3, P50: 1500 * time.Microsecond, P99: 6 * time.Millisecond},
		{Lock: "redlock", Nodes: 5, Clients: 8, Skipped: "skipped: needs 5 servers, 3 given"},
		{Lock: "etcd", Nodes: 1, Clients: 8, Cycles: 9_000, Elapsed: 2 * time.Second, OpsPerSec: 4_500, MinOpsPerSec: 4000, MaxOpsPerSec: 5000, Rounds: 3, P50: 1700 * time.Microsecond, P99: 7 * time.Millisecond},
	}
}

// checkTable checks the structure of a rendered table: a header, a
// separator, one line per row plus the source's rows no row stands
// beside (sourceOnly of them, the Etcd row last), every line with the same
// 15 columns.
func checkTable(t *testing.T, out string, rows, sourceOnly int) {
	t.Helper()
	var table []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "|") {
			table = append(table, l)
		}
	}
	require.Len(t, table, 2+rows+sourceOnly, out)
	assert.True(t, strings.HasPrefix(table[0], "| lock | nodes | clients | cycles | ops/s | ops/s per round (min–max of "), table[0])
	for _, l := range table {
		assert.Equal(t, 16, strings.Count(l, "|"), "line %q", l)
	}
	assert.Contains(t, out, "| Etcd v3 | 4,200 | 18ms |")
	assert.Contains(t, out, "share the cores")
	assert.Contains(t, out, "compare the ratios")
}

// TestMarkdownGolden pins the table's layout (testdata/table.golden; the
// machine's CPU count is masked). Rewrite with -update.
func TestMarkdownGolden(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, Markdown(&b, sampleRows(), map[string]string{
		"lua":       "violations in 6/11 scenarios (1 seed each)",
		"redlock":   "violations in 4/11 scenarios",
		"redlock/3": "violations in 5/11 scenarios",
	}))
	out := b.String()
	checkTable(t, out, len(sampleRows()), 0)
	masked := regexp.MustCompile(`Measured on \d+ CPU\(s\) \(GOMAXPROCS \d+, [a-z0-9]+/[a-z0-9]+\)`).
		ReplaceAllString(out, "Measured on N CPU(s) (GOMAXPROCS N, OS/ARCH)")
	golden.Check(t, "table.golden", []byte(masked))
}

// TestMarkdownRatios: ratios are to setnx, in the measurement and in the
// source; without a setnx row, to mutex; without either, "–".
func TestMarkdownRatios(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, Markdown(&b, sampleRows(), nil))
	out := b.String()
	assert.Contains(t, out, "| mutex | – | 8 | 4,000,000 | 2,000,000 | 1,900,000–2,100,000 | 1.2µs | 45µs | 0 | 100× | Mutex (In-Memory) | 1,200,000 | <0.1ms | 80.0× | – |")
	assert.Contains(t, out, "| lua | 1 | 8 | 30,000 | 15,000 | 14,000–16,000 | 500µs | 2ms | 0 | 0.75× | Redis (Redlock+Lua) | 12,500 | 6ms | 0.83× | – |")
	assert.Contains(t, out, "First error of fenced: unlock: i/o timeout / x\n")

	b.Reset()
	require.NoError(t, Markdown(&b, sampleRows()[3:4], nil))
	assert.Contains(t, b.String(), "| ops/s – |")
	assert.Contains(t, b.String(), "| 0 | – | Redis (Redlock+Lua) | 12,500 | 6ms | – | – |")

	b.Reset()
	require.NoError(t, Markdown(&b, append(sampleRows()[:1], sampleRows()[3]), nil))
	assert.Contains(t, b.String(), "ops/s ÷ mutex")
	assert.Contains(t, b.String(), "| 0.01× | Redis (Redlock+Lua) | 12,500 | 6ms | 0.01× | – |")
}

// TestMarkdownWriteError: a failing writer's error is returned.
func TestMarkdownWriteError(t *testing.T) {
	err := Markdown(failWriter{}, sampleRows(), nil)
	require.Error(t, err)
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestRunCancelled: a cancelled Run returns the context's error and still
// deletes its keys.
func TestRunCancelled(t *testing.T) {
	ms, addrs := miniredises(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Run(ctx, Config{Addrs: addrs, Locks: []string{"fenced", "redlock"}, Clients: 2, Duration: time.Minute})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 20*time.Second)
	for i, m := range ms {
		assert.Empty(t, m.Keys(), "server %d keeps keys after a cancelled run", i)
	}
}
