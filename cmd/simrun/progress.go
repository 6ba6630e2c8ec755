package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress shows how far a long command is: a bar redrawn in place when w
// is a terminal, a plain line every tenth of the work otherwise.
type progress struct {
	w        io.Writer
	tty      bool
	total    int
	count    int
	failed   int
	start    time.Time
	lastDraw time.Time
	// span, when set (--for), is the wall time the work lasts: progress
	// is shown by time, as the number of seeds is open.
	span     time.Duration
	lastLine time.Time
}

// until makes p show progress through a span of wall time.
func (p *progress) until(span time.Duration) {
	p.span = span
	p.lastLine = p.start
}

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, tty: isTerminal(w), total: total, start: time.Now()}
}

// isTerminal reports whether w is a character device.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (p *progress) add(failed bool) {
	p.count++
	if failed {
		p.failed++
	}
	switch {
	case p.span > 0 && p.tty:
		if time.Since(p.lastDraw) > 100*time.Millisecond {
			p.drawSpan()
		}
	case p.span > 0:
		if time.Since(p.lastLine) >= max(min(p.span/10, time.Minute), time.Second) { // a tenth, at least every minute
			p.lastLine = time.Now()
			fmt.Fprintf(p.w, "progress: %d seeds, %d failing, %s of %s\n", p.count, p.failed, seconds(time.Since(p.start)), p.span)
		}
	case p.tty:
		if time.Since(p.lastDraw) > 100*time.Millisecond || p.count == p.total {
			p.draw()
		}
	case p.count == p.total || p.count%max(1, p.total/10) == 0:
		fmt.Fprintf(p.w, "progress: %d/%d seeds, %d failing, %s\n", p.count, p.total, p.failed, seconds(time.Since(p.start)))
	}
}

func (p *progress) draw() {
	p.lastDraw = time.Now()
	const width = 30
	n := width * p.count / max(p.total, 1)
	rate := float64(p.count) / max(time.Since(p.start).Seconds(), 1e-9)
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d seeds, %d failing, %.1f seeds/s ", strings.Repeat("#", n), strings.Repeat(".", width-n), p.count, p.total, p.failed, rate)
}

// drawSpan draws the bar of a search that lasts p.span.
func (p *progress) drawSpan() {
	p.lastDraw = time.Now()
	const width = 30
	n := min(width, int(float64(width)*time.Since(p.start).Seconds()/p.span.Seconds()))
	rate := float64(p.count) / max(time.Since(p.start).Seconds(), 1e-9)
	fmt.Fprintf(p.w, "\r[%s%s] %d seeds, %d failing, %.1f seeds/s, %s of %s ", strings.Repeat("#", n), strings.Repeat(".", width-n), p.count, p.failed, rate, seconds(time.Since(p.start)), p.span)
}

// line prints s on out without breaking the bar.
func (p *progress) line(out io.Writer, s string) {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintln(out, s)
	switch {
	case p.tty && p.span > 0:
		p.drawSpan()
	case p.tty:
		p.draw()
	}
}

func (p *progress) done() {
	if p.tty {
		fmt.Fprintln(p.w)
	}
}
