package scenario

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRetryJitterSmall(t *testing.T) {
	o := JitterOptions{Seeds: 1, Duration: 5 * time.Second, Jobs: 2}
	rows, err := RetryJitter(context.Background(), o)
	require.NoError(t, err)
	require.Len(t, rows, 3)
	for _, r := range rows {
		require.Positive(t, r.Rounds, r.Strategy)
		require.Equal(t, r.Won, r.Acquired, "%s: every won round is an acquisition", r.Strategy)
		require.Equal(t, r.Rounds, r.Won+r.Busy+r.Partial, r.Strategy)
	}
	var b strings.Builder
	WriteJitterReport(&b, o, rows)
	require.Contains(t, b.String(), "split votes")
	require.Contains(t, b.String(), "Answer")
}

func TestSplitVotes(t *testing.T) {
	r := func(start, end time.Duration, grants int) *round {
		return &round{start: start, end: end, grants: grants}
	}
	// Two overlapping rounds with 2 grants each: a split vote. Then a won
	// round overlapping a partial one: not a split vote. Then a lone
	// partial round: not one either.
	rounds := []*round{r(0, 3, 2), r(1, 4, 2), r(10, 13, 3), r(11, 12, 1), r(20, 22, 2)}
	require.Equal(t, 1, splitVotes(rounds, 3))
}
