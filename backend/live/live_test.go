package live_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/backend/live"
	"github.com/locksim/locksim/internal/realredis"
	"github.com/locksim/locksim/scenario"
)

// Named cells run live reach the outcome the simulator expects of them.
// The cells run at once, on goroutines of their own (not t.Parallel,
// which -parallel, GOMAXPROCS by default, would cap at two): a live run
// mostly waits on the real clock, so the test lasts about one run.
func TestNamedCellsLive(t *testing.T) {
	realredis.Require(t, true) // gcc builds the clock shim of redis-clock-jump
	cells := []struct{ lock, scenario string }{
		{"lua", "gc-pause"},
		{"lua", "redis-restart-no-fsync"}, // a real kill -9 loses the key
		{"lua", "redis-restart-fsync"},    // and with appendfsync always it does not
		{"lua", "holder-crash"},           // the real key's expiry reaches the history
		{"lua", "redis-clock-jump"},       // the clock shim steps the server's clock
	}
	type result struct {
		res  *scenario.Result
		want scenario.Expect
		err  error
	}
	results := make([]result, len(cells))
	var wg sync.WaitGroup
	for i, c := range cells {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := scenario.Lookup(c.scenario)
			if err != nil {
				results[i].err = err
				return
			}
			cfg, err := n.Config(c.lock)
			if err != nil {
				results[i].err = err
				return
			}
			want, _ := n.Expected(c.lock)
			res, err := live.Run(cfg, 1, scenario.Options{}, live.Options{})
			results[i] = result{res: res, want: want.Expect, err: err}
		}()
	}
	wg.Wait()
	for i, c := range cells {
		t.Run(c.lock+"/"+c.scenario, func(t *testing.T) {
			r := results[i]
			require.NoError(t, r.err)
			assert.Equal(t, r.want, r.res.Outcome(), "checks: %+v", r.res.Checks)
			assert.Equal(t, live.TraceHash, r.res.TraceHash, "a live run claims no replayable hash")
		})
	}
}
