package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/locksim/locksim/report"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func render(t *testing.T, p *report.Page) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, report.Write(&b, p))
	return b.String()
}

// TestPageMeaning pins what the gc-pause page says, not how: the
// violating pair by client, section and time, the replay command, the
// porcupine link, a lane per client and per Redis node, the pause band,
// the lease client 1 overran.
func TestPageMeaning(t *testing.T) {
	html := render(t, gcPausePage(t))
	for _, want := range []string{
		`id="violation-1"`, `id="violation-2"`,
		"1: client 1 read 15 (cs 1) at 16.003s",
		"2: client 4 write 16 (cs 39) at 16.157s",
		"The violating pair (mutual-exclusion)",
		"go run ./cmd/simrun replay out/lua-gc-pause-seed1.json",
		`href="lua-gc-pause-seed1-viz/resource-linearizability.html"`,
		">client 1<", ">client 2<", ">client 3<", ">client 4<", ">client 5<", ">redis-1<",
		"pause client-1",
		"client 1 cs 1: went on 8628.2ms past its validity (8.000s), until 16.628s (released)",
		"redis-1 held the lock key from 15.611s until 16.160s (deleted): client 4&#39;s value bb9d8cfefdd0b9218885c46db00edba6",
	} {
		assert.True(t, strings.Contains(html, want), "the page lacks %q", want)
	}
	assert.False(t, strings.Contains(html, "<script"), "the page needs no script")
	assert.False(t, regexp.MustCompile(`(src|href)="(https?:)?//`).MatchString(html), "the page loads nothing from the network")
}

// TestTimelineFitsTheWidth: every x coordinate of the drawings lies
// inside the viewBox's width, so scaling it to the page never scrolls
// sideways, and the main view zooms on the pair: both markers lie in its
// middle, far apart enough to tell.
func TestTimelineFitsTheWidth(t *testing.T) {
	html := render(t, gcPausePage(t))
	for _, m := range regexp.MustCompile(` (x|x1|x2|cx)="(-?[0-9.]+)"`).FindAllStringSubmatch(html, -1) {
		x, err := strconv.ParseFloat(m[2], 64)
		require.NoError(t, err)
		assert.True(t, x >= 0 && x <= 1180, "x=%v outside the view", x)
	}
	main := html[strings.Index(html, `id="timeline-1"`):]
	var xs []float64
	for _, m := range regexp.MustCompile(`<g class="marker" id="violation-\d"><title>[^<]*</title><line x1="([0-9.]+)"`).FindAllStringSubmatch(main, -1) {
		x, _ := strconv.ParseFloat(m[1], 64)
		xs = append(xs, x)
	}
	require.Len(t, xs, 2)
	for _, x := range xs {
		assert.True(t, x > 200 && x < 1000, "marker at x=%v is not near the middle of the zoomed view", x)
	}
	assert.Greater(t, xs[1]-xs[0], 40.0, "the pair is drawn too close to tell apart")
}

// TestRedisLaneFromExpiries: without recorded key states, a Redis lane
// still shows the expiries the history records, and says nothing it
// does not know.
func TestRedisLaneFromExpiries(t *testing.T) {
	p := gcPausePage(t)
	p.Failures[0].Run.Keys = nil
	html := render(t, p)
	assert.True(t, strings.Contains(html, ">redis-1<"), "no lane for redis-1")
	assert.True(t, strings.Contains(html, `class="expire"`), "no expiry drawn")
	assert.False(t, strings.Contains(html, "held the lock key"), "a key lifetime drawn without its set")
}

// TestPageWithoutRun: a failure that could not be replayed shows its note
// and recorded verdicts, and no timeline.
func TestPageWithoutRun(t *testing.T) {
	html := render(t, &report.Page{Title: "t", Failures: []report.Failure{{
		Title: "lua × gc-pause, seed 9", Seeds: []uint64{9}, Note: "no artifact was saved for these seeds",
		Checks: []report.CheckResult{{Name: "mutual-exclusion", Verdict: "violation", Why: "two holders"}},
	}}})
	assert.True(t, strings.Contains(html, "No timeline: no artifact was saved for these seeds"))
	assert.True(t, strings.Contains(html, "two holders"))
	assert.False(t, strings.Contains(html, "<svg"))
}

// TestWritePathAtomic: the file is complete and nothing else is left.
func TestWritePathAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "report.html")
	require.NoError(t, report.WritePath(path, gcPausePage(t)))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(string(b), "</html>\n"))
	es, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	assert.Len(t, es, 1)
}
