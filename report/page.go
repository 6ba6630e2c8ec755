package report

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/locksim/locksim/internal/atomicfile"
	"github.com/locksim/locksim/model"
)

// Page is everything one report shows.
type Page struct {
	// Title heads the page; Summary lines follow it.
	Title   string
	Summary []string
	// Failures, most frequent first (Groups sorts them).
	Failures []Failure
	// Matrix is the lock × scenario table; nil for none (a single run).
	Matrix *Matrix
	// Notes are said at the end: what the page could not show and why.
	Notes []string
}

// Failure is one deduplicated failure.
type Failure struct {
	// Title names it: "lua × gc-pause, seed 1".
	Title     string
	Signature string
	// Seeds are the seeds that failed alike (Count of them).
	Seeds []uint64
	// Run is the replayed representative; nil when it could not be
	// replayed (Note says why): the page then shows no timeline.
	Run  *Run
	Note string
	// Checks are the recorded verdicts, shown when Run is nil.
	Checks []CheckResult
	// Replay is the exact command that replays the artifact.
	Replay string
	// Artifact and Visualization are links relative to the page; ""
	// when there is none.
	Artifact, Visualization string
}

// WritePath writes the page to path atomically (internal/atomicfile: a
// temporary file in the same directory renamed over it), creating the
// directory if needed.
func WritePath(path string, p *Page) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := Write(f, p); err != nil {
		f.Abort()
		return err
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// Write renders p as one self-contained HTML page.
func Write(w io.Writer, p *Page) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
	fmt.Fprintf(bw, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>%s</title>\n<style>%s</style></head>\n<body>\n", esc(p.Title), css)
	fmt.Fprintf(bw, "<header><h1>%s</h1>\n", esc(p.Title))
	for _, s := range p.Summary {
		fmt.Fprintf(bw, "<p class=\"summary\">%s</p>\n", esc(s))
	}
	if len(p.Failures) > 1 || p.Matrix != nil {
		fmt.Fprint(bw, `<nav>`)
		for i, f := range p.Failures {
			fmt.Fprintf(bw, `<a href="#failure-%d">#%d %s (%s)</a> `, i+1, i+1, esc(f.Title), plural(len(f.Seeds), "seed"))
		}
		if p.Matrix != nil {
			fmt.Fprint(bw, `<a href="#matrix">matrix</a>`)
		}
		fmt.Fprint(bw, "</nav>\n")
	}
	fmt.Fprint(bw, "</header>\n")
	if len(p.Failures) == 0 {
		fmt.Fprint(bw, "<p class=\"none\">No failure: nothing to draw.</p>\n")
	}
	for i, f := range p.Failures {
		writeFailure(bw, i+1, f)
	}
	if p.Matrix != nil {
		writeMatrix(bw, p.Matrix)
	}
	if len(p.Notes) > 0 {
		fmt.Fprint(bw, "<section class=\"notes\"><h2>Notes</h2><ul>\n")
		for _, n := range p.Notes {
			fmt.Fprintf(bw, "<li>%s</li>\n", esc(n))
		}
		fmt.Fprint(bw, "</ul></section>\n")
	}
	fmt.Fprint(bw, "</body></html>\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

func writeFailure(w io.Writer, n int, f Failure) {
	fmt.Fprintf(w, "<section class=\"failure\" id=\"failure-%d\">\n<h2>#%d %s <span class=\"count\">%s</span></h2>\n", n, n, esc(f.Title), esc(seedList(f.Seeds)))
	if f.Replay != "" {
		fmt.Fprintf(w, "<p class=\"replay\">replay: <code>%s</code>", esc(f.Replay))
		if f.Artifact != "" {
			fmt.Fprintf(w, ` · <a href="%s">artifact</a>`, esc(f.Artifact))
		}
		if f.Visualization != "" {
			fmt.Fprintf(w, ` · <a class="porcupine" href="%s">porcupine visualization</a>`, esc(f.Visualization))
		}
		fmt.Fprint(w, "</p>\n")
	}
	if f.Run == nil {
		fmt.Fprintf(w, "<p class=\"note\">No timeline: %s</p>\n", esc(f.Note))
		writeChecks(w, nil, f.Checks, n == 1)
		fmt.Fprint(w, "</section>\n")
		return
	}
	t := build(*f.Run)
	fmt.Fprintf(w, "<p class=\"caption\">The whole run, %s (the box is the window below):</p>\n", secs(t.end))
	writeSVG(w, t, view{from: 0, to: t.end, laneH: 7, compact: true, id: fmt.Sprintf("overview-%d", n)})
	fmt.Fprintf(w, "<p class=\"caption\">%s to %s, true time:</p>\n", secs(t.from), secs(t.to))
	writeSVG(w, t, view{from: t.from, to: t.to, laneH: 34, id: fmt.Sprintf("timeline-%d", n)})
	fmt.Fprint(w, legend)
	if f.Note != "" {
		fmt.Fprintf(w, "<p class=\"note\">%s</p>\n", esc(f.Note))
	}
	if len(t.marks) > 0 {
		what := "The violating pair"
		if t.marks[0].to > t.marks[0].at {
			what = "The violation"
		}
		fmt.Fprintf(w, "<p class=\"pair\">%s (%s):", what, esc(t.check))
		for _, m := range t.marks {
			fmt.Fprintf(w, "<br>%s", esc(m.label))
		}
		fmt.Fprint(w, "</p>\n")
	}
	writeChecks(w, f.Run.Checks, nil, n == 1)
	fmt.Fprint(w, "</section>\n")
}

// writeChecks lists the checks in violation with their explanations,
// unfolded for the first failure only, so that the next ones stay near.
func writeChecks(w io.Writer, rs []model.Result, recorded []CheckResult, open bool) {
	attr := ""
	if open {
		attr = " open"
	}
	fmt.Fprint(w, "<div class=\"checks\">")
	for _, r := range rs {
		if r.Verdict == model.Violation {
			fmt.Fprintf(w, "<details%s><summary>%s: violation</summary><pre>%s</pre></details>\n", attr, esc(r.Check), esc(r.Explanation))
		}
	}
	for _, r := range recorded {
		if r.Verdict == "violation" {
			fmt.Fprintf(w, "<details%s><summary>%s: violation</summary><pre>%s</pre></details>\n", attr, esc(r.Name), esc(r.Why))
		}
	}
	fmt.Fprint(w, "</div>\n")
}

func writeMatrix(w io.Writer, m *Matrix) {
	fmt.Fprint(w, "<section id=\"matrix\"><h2>Lock × scenario</h2>\n")
	if !m.Complete {
		fmt.Fprint(w, "<p class=\"note\">Only the saved failures are known here (no results.jsonl): passing seeds are not counted.</p>\n")
	}
	fmt.Fprint(w, "<table class=\"matrix\"><thead><tr><th>scenario</th>")
	for _, l := range m.Locks {
		fmt.Fprintf(w, "<th>%s</th>", esc(l))
	}
	fmt.Fprint(w, "</tr></thead><tbody>\n")
	for _, r := range m.Rows {
		fmt.Fprintf(w, "<tr><th>%s</th>", esc(r.Scenario))
		for _, c := range r.Cells {
			if c.Runs == 0 {
				fmt.Fprint(w, "<td class=\"empty\">–</td>")
				continue
			}
			class := "outcome-" + strings.ReplaceAll(c.Measured, " ", "-")
			fmt.Fprintf(w, "<td class=\"%s\"><b>%s</b><br>%s", esc(class), esc(or(c.Measured, "seen")), esc(c.Counts()))
			if c.Expected != "" {
				mark := "" // nothing to judge when only the failures are known
				switch {
				case c.Measured == "":
				case c.Expected == c.Measured:
					mark = " ✓"
				default:
					mark = " ✗"
				}
				fmt.Fprintf(w, "<br><span class=\"expect\">expected %s%s</span>", esc(c.Expected), mark)
			}
			if c.Why != "" {
				fmt.Fprintf(w, "<div class=\"why\">%s</div>", esc(c.Why))
			}
			for _, r := range c.Reasons {
				fmt.Fprintf(w, "<details><summary>why</summary>%s</details>", esc(r))
			}
			fmt.Fprint(w, "</td>")
		}
		fmt.Fprint(w, "</tr>\n")
	}
	fmt.Fprint(w, "</tbody></table></section>\n")
}

func seedList(seeds []uint64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:", plural(len(seeds), "seed"))
	for i, s := range seeds {
		if i == 12 {
			fmt.Fprintf(&b, " … (%d more)", len(seeds)-i)
			break
		}
		fmt.Fprintf(&b, " %d", s)
	}
	return b.String()
}

func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %ss", n, one)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

const legend = `<p class="legend"><span class="sw lease"></span> believed lease (acquire → validity or release) <span class="sw overrun"></span> went on past its validity <span class="sw key"></span> the lock key held on a Redis node (set → expire/delete) <span class="sw fault"></span> fault <span class="sw attempt"></span> an acquire that failed <span class="sw tick"></span> access the storage executed <span class="sw marker"></span> the violating pair</p>
`

const css = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;padding:8px 16px;max-width:1200px;color:#1d2330;background:#fff}
h1{font-size:20px;margin:4px 0}h2{font-size:16px;margin:10px 0 4px}
.summary{margin:2px 0;color:#333}nav{margin:4px 0;font-size:12px}nav a{margin-right:10px}
.count{font-weight:normal;color:#555;font-size:13px}
.caption{margin:4px 0 0;font-size:12px;color:#555}
svg.timeline{display:block;max-width:100%;height:auto;border:1px solid #dde1e7;font-family:system-ui,sans-serif}
code{background:#f2f4f7;padding:1px 4px;border-radius:3px;word-break:break-all}
.replay{margin:4px 0}
.legend{font-size:12px;color:#444;margin:4px 0}
.sw{display:inline-block;width:14px;height:10px;margin:0 3px 0 10px;vertical-align:middle}
.sw.lease{background:#3b6fd8}.sw.overrun{border:1.5px dashed #c0392b}.sw.key{background:#1f9e6e;opacity:.55}
.sw.fault{background:#f2a33a;opacity:.5}.sw.attempt{height:2px;background:#9aa3b2}.sw.tick{width:2px;background:#222}.sw.marker{background:#b3006a;width:4px}
.pair{margin:4px 0;color:#b3006a;font-weight:bold}
pre{white-space:pre-wrap;word-break:break-word;font-size:12px;background:#f8f9fb;padding:6px;margin:2px 0}
details summary{cursor:pointer}
table.matrix{border-collapse:collapse;font-size:12px;width:100%;table-layout:fixed}
table.matrix td,table.matrix th{border:1px solid #dde1e7;padding:4px;vertical-align:top;word-break:break-word}
.outcome-violation{background:#fde8ea}.outcome-stuck{background:#fff1d6}.outcome-unknown{background:#eef0f4}.outcome-safe{background:#e6f6ec}
.why{color:#555;font-size:11px}.note{color:#7a4b00}
`
