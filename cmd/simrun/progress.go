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

// line prints s on out without breaking the bar.
func (p *progress) line(out io.Writer, s string) {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintln(out, s)
	if p.tty {
		p.draw()
	}
}

func (p *progress) done() {
	if p.tty {
		fmt.Fprintln(p.w)
	}
}
