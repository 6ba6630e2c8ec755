package histories

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/internal/golden"
)

func TestTimelineGolden(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Timeline(sampleHistory(), 0, 0, &buf))
	golden.Check(t, "timeline.golden", buf.Bytes())
}

func TestTimelineWindow(t *testing.T) {
	h := sampleHistory()
	// Client 2 acquires while client 1 still believes it holds the lock.
	h[8].Time, h[9].Time = ms(1200), ms(1210)
	h = append(h[:7], append(History{h[8], h[9], h[7]}, h[10:]...)...)
	require.NoError(t, h.Validate())
	var buf bytes.Buffer
	require.NoError(t, Timeline(h, ms(1100), ms(1500), &buf))
	golden.Check(t, "timeline-window.golden", buf.Bytes())
}

func TestTimelineToleratesUnvalidatedEvents(t *testing.T) {
	h := History{{}, {Type: Invoke, Op: OpWrite}, {Type: Observed, Op: OpStorageWrite}, {Type: Observed, Op: OpStorageState}, {Type: OK, Op: OpRead}}
	var buf bytes.Buffer
	require.NotPanics(t, func() { require.NoError(t, Timeline(h, 0, 0, &buf)) })
	assert.Contains(t, buf.String(), `write "" := ?`)
}
