package scenario

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/locksim/locksim/histories"
	"github.com/locksim/locksim/model"
	"github.com/stretchr/testify/require"
)

var updateMeaning = flag.Bool("update-meaning", false, "rewrite testdata/regressions/*.meaning from the replays (scripts/regen-regressions uses it)")

// TestRegressionCorpus replays every artifact of testdata/regressions (one
// per failing cell of the expected-outcome table, its first failing seed)
// and compares what the replay means with the artifact's .meaning file, in
// the spirit of etcd raft's datadriven testdata: the outcome, every check's
// verdict, the first violation in words with its stretch of time, and a
// readable excerpt of the timeline around it. The trace hash is pinned too,
// but as a secondary signal: a run whose meaning is unchanged but whose
// hash moved is reported as such, so that a regeneration after a kernel
// change shows in words what changed (scripts/regen-regressions).
func TestRegressionCorpus(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "regressions", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, paths, "the regression corpus is empty")
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			a, err := histories.LoadArtifact(path)
			require.NoError(t, err)
			res, err := Replay(a, Options{})
			var nd *NondeterminismError
			if err != nil && !errors.As(err, &nd) {
				require.NoError(t, err)
			}
			got := meaning(res, path)
			mpath := strings.TrimSuffix(path, ".json") + ".meaning"
			if *updateMeaning {
				require.NoError(t, os.WriteFile(mpath, []byte(got), 0o644))
				return
			}
			wantB, err := os.ReadFile(mpath)
			require.NoError(t, err, "%s has no meaning file; run scripts/regen-regressions", path)
			want := string(wantB)
			gotBody, gotHash := splitHash(got)
			wantBody, wantHash := splitHash(want)
			require.Equal(t, wantBody, gotBody, "%s: the replay means something else than it did (outcome, verdicts, the first violation or the trace around it); replay: simrun replay %s", path, path)
			require.Equal(t, wantHash, gotHash, "%s: same meaning, but the trace hash changed: the kernel's schedule changed (if on purpose, run scripts/regen-regressions)", path)
			require.Nil(t, nd, "%s: the artifact's own trace hash differs from the replay's", path)
			require.NotEqual(t, Safe, res.Outcome(), "%s: the corpus holds failures only", path)
		})
	}
}

// meaning renders what a failing run means, for a person and for a diff.
func meaning(res *Result, path string) string {
	var b strings.Builder
	cfg := res.Config
	fmt.Fprintf(&b, "# simrun replay %s\n", filepath.ToSlash(path))
	fmt.Fprintf(&b, "lock: %s\nscenario: %s\nseed: %d\n", cfg.Lock, cfg.Scenario, res.Seed)
	fmt.Fprintf(&b, "outcome: %s\n", res.Outcome())
	b.WriteString("checks:\n")
	for _, c := range res.Checks {
		fmt.Fprintf(&b, "  %s: %s\n", c.Check, c.Verdict)
	}
	first, ok := firstViolation(res)
	if ok {
		fmt.Fprintf(&b, "first violation: %s, %s..%s\n", first.Check, seconds(first.From), seconds(first.To))
		b.WriteString(wrap(firstSentence(first.Explanation), "  "))
		// The end of the stretch is where the violation shows (the access
		// that overlapped, the read that cannot be placed): the excerpt is
		// the second before it, opened with the timeline's own summary of
		// who held the lock at its start.
		from, to := max(first.From, first.To-excerptBefore), first.To+excerptAfter
		var tl bytes.Buffer
		if err := histories.Timeline(res.History, from, to, &tl); err != nil {
			fmt.Fprintf(&b, "timeline: %v\n", err)
		} else {
			b.WriteString("trace excerpt:\n")
			b.WriteString(excerpt(tl.String(), excerptLines))
		}
	}
	fmt.Fprintf(&b, "trace hash: %s\n", res.TraceHash)
	return b.String()
}

const (
	excerptBefore = time.Second
	excerptAfter  = 100 * time.Millisecond
	excerptLines  = 30
)

// firstViolation is the violation a person should read first: one whose
// check names a stretch of time, the earliest; else any but liveness (which
// is about the whole run); else liveness.
func firstViolation(res *Result) (model.Result, bool) {
	rank := func(c model.Result) int {
		switch {
		case c.From != 0 || c.To != 0:
			return 0
		case c.Check != model.NameLiveness:
			return 1
		}
		return 2
	}
	var best model.Result
	found := false
	for _, c := range res.Checks {
		if c.Verdict != model.Violation {
			continue
		}
		if !found || rank(c) < rank(best) || (rank(c) == rank(best) && c.From < best.From) {
			best, found = c, true
		}
	}
	return best, found
}

// firstSentence is the explanation's first finding: its first line, up to
// the first ": " that ends the claim (the details follow it).
func firstSentence(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// excerpt keeps the timeline's header (its window, legend and the holders
// at its start) and its last n lines, the ones nearest the violation.
func excerpt(tl string, n int) string {
	lines := strings.Split(strings.TrimRight(tl, "\n"), "\n")
	head := 0
	for head < len(lines) && !strings.HasPrefix(lines[head], " ") {
		head++
	}
	var b strings.Builder
	put := func(ls []string) {
		for _, l := range ls {
			b.WriteString("  " + strings.TrimRight(l, " ") + "\n")
		}
	}
	put(lines[:head])
	body := lines[head:]
	if len(body) > n {
		b.WriteString("  ...\n")
		body = body[len(body)-n:]
	}
	put(body)
	return b.String()
}

// wrap breaks s into lines of at most 100 characters, each with prefix.
func wrap(s, prefix string) string {
	var b strings.Builder
	line := prefix
	for _, w := range strings.Fields(s) {
		if len(line) > len(prefix) && len(line)+1+len(w) > 100 {
			b.WriteString(line + "\n")
			line = prefix
		}
		if len(line) > len(prefix) {
			line += " "
		}
		line += w
	}
	b.WriteString(line + "\n")
	return b.String()
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }

func splitHash(s string) (body, hash string) {
	i := strings.LastIndex(s, "trace hash: ")
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}
