package report

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
	"time"
)

// The SVG's coordinate system: viewBox units, drawn at 100% of the page's
// width (at most viewWidth px), so a timeline never scrolls sideways.
const (
	viewWidth = 1180
	labelW    = 96 // lane names
	plotX0    = labelW + 8
	plotX1    = viewWidth - 12
)

// MarkerColor is the colour of the violating pair's markers and nothing
// else on the page: a test finds the marker in a screenshot by it.
const MarkerColor = "#e6007e"

// palette colours the clients (1-based; index 0 for unknown).
var palette = []string{"#8a8a8a", "#3b6fd8", "#1f9e6e", "#9a5bd6", "#d08a1e", "#18a3b8", "#6b7a2a", "#c2577f", "#4e5fa8"}

func color(i int) string {
	if i < 0 {
		return palette[0]
	}
	return palette[1+(i-1)%(len(palette)-1)]
}

// view is one drawing of a timeline: a window of time at a lane height.
type view struct {
	from, to time.Duration
	laneH    int
	compact  bool // the overview strip: no text on the lanes, the zoom window shown
	id       string
}

func (v view) x(d time.Duration) float64 {
	if v.to <= v.from {
		return plotX0
	}
	f := float64(d-v.from) / float64(v.to-v.from)
	return plotX0 + f*float64(plotX1-plotX0)
}

func (v view) clip(a, b time.Duration) (float64, float64, bool) {
	if b < v.from || a > v.to {
		return 0, 0, false
	}
	return v.x(max(a, v.from)), v.x(min(b, v.to)), true
}

// writeSVG draws t in v.
func writeSVG(w io.Writer, t *timeline, v view) {
	top := 22 // axis
	if !v.compact {
		top += 20 * len(t.marks)
	}
	height := top + v.laneH*len(t.lanes) + 6
	fmt.Fprintf(w, `<svg id="%s" class="timeline%s" viewBox="0 0 %d %d" width="100%%" role="img" xmlns="http://www.w3.org/2000/svg">`,
		v.id, map[bool]string{true: " overview", false: ""}[v.compact], viewWidth, height)
	fmt.Fprintf(w, `<title>%s</title>`, esc(fmt.Sprintf("timeline %s..%s (true time)", secs(v.from), secs(v.to))))
	bottom := top + v.laneH*len(t.lanes)
	// lanes
	for i, l := range t.lanes {
		y := top + i*v.laneH
		fill := "#ffffff"
		if i%2 == 1 {
			fill = "#f6f7f9"
		}
		fmt.Fprintf(w, `<rect x="0" y="%d" width="%d" height="%d" fill="%s"/>`, y, viewWidth, v.laneH, fill)
		fmt.Fprintf(w, `<text class="lane-name lane-%s" x="4" y="%d" font-size="%d">%s</text>`, l.kind, y+v.laneH/2+4, min(12, v.laneH), esc(l.name))
	}
	axis(w, v, top, bottom)
	// fault bands under everything else
	for _, b := range t.bands {
		x0, x1, ok := v.clip(b.from, b.to)
		if !ok {
			continue
		}
		rows := b.lanes
		if len(rows) == 0 {
			rows = nil
			for i := range t.lanes {
				rows = append(rows, i)
			}
		}
		for _, i := range rows {
			y := top + i*v.laneH
			fmt.Fprintf(w, `<rect class="fault" x="%.1f" y="%d" width="%.1f" height="%d" fill="#f2a33a" fill-opacity="0.28" stroke="#d9822b" stroke-dasharray="4 3"><title>%s</title></rect>`,
				x0, y, max(x1-x0, 2), v.laneH, esc(b.title))
			if !v.compact {
				fmt.Fprintf(w, `<text class="fault-label" x="%.1f" y="%d" font-size="10" fill="#9a5a12">%s</text>`, x0+3, y+v.laneH-3, esc(b.label))
			}
		}
	}
	// spans: leases and key lifetimes
	barH := max(3, v.laneH*4/10)
	for i, l := range t.lanes {
		y := top + i*v.laneH + (v.laneH-barH)/2
		if !v.compact {
			y = top + i*v.laneH + 4
		}
		drawn := map[string]float64{} // per class: drawn up to this x
		for _, s := range l.spans {
			x0, x1, ok := v.clip(s.from, s.to)
			if !ok {
				continue
			}
			// a long run has more spans than pixels: one hidden under
			// what is drawn already is left out, so the page stays small
			if end, ok := drawn[s.class]; ok && math.Ceil(x1) <= end {
				continue
			}
			drawn[s.class] = max(drawn[s.class], math.Ceil(x1))
			fill, extra := color(s.color), ""
			if s.class == "attempt" {
				// a thin line under where a lease would be
				fmt.Fprintf(w, `<rect class="attempt" x="%.1f" y="%d" width="%.1f" height="2" fill="#9aa3b2"><title>%s</title></rect>`,
					x0, y+barH-2, max(x1-x0, 1), esc(s.title))
				continue
			}
			switch s.class {
			case "overrun":
				fill, extra = "#ffffff", ` stroke="#c0392b" stroke-width="1.5" stroke-dasharray="5 3"`
			case "key vanished":
				extra = ` stroke="#000" stroke-dasharray="2 2"`
			}
			if v.compact {
				fmt.Fprintf(w, `<rect class="%s" x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" fill-opacity="%s"%s/>`,
					s.class, x0, y, max(x1-x0, 1.5), barH, fill, opacity(s.class), extra)
				continue
			}
			fmt.Fprintf(w, `<rect class="%s" x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" fill-opacity="%s"%s><title>%s</title></rect>`,
				s.class, x0, y, max(x1-x0, 1.5), barH, fill, opacity(s.class), extra, esc(s.title))
			if !v.compact && x1-x0 > float64(7*len(s.label)) {
				tc := "#ffffff"
				if s.class == "overrun" {
					tc = "#c0392b"
				}
				fmt.Fprintf(w, `<text x="%.1f" y="%d" font-size="10" fill="%s">%s</text>`, x0+3, y+barH-3, tc, esc(s.label))
			}
		}
	}
	// ticks: accesses, expiries, crashes
	for i, l := range t.lanes {
		y := top + i*v.laneH
		last := map[string]int{}
		for _, k := range l.ticks {
			if k.at < v.from || k.at > v.to {
				continue
			}
			x := v.x(k.at)
			px := int(x)
			if v.compact {
				px = int(x / 2)
			}
			if p, ok := last[k.class]; ok && p == px {
				continue // on the pixel of the previous one
			}
			last[k.class] = px
			c := "#222"
			switch k.class {
			case "rejected":
				c = "#999"
			case "crash", "expire":
				c = "#c0392b"
			}
			if v.compact {
				fmt.Fprintf(w, `<line class="%s" x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="%s" stroke-width="1"/>`, k.class, x, x, y+1, y+v.laneH-1, c)
				continue
			}
			ty := y + 4 + barH + 2
			fmt.Fprintf(w, `<g class="%s"><title>%s</title><line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="%s" stroke-width="2"/>`,
				k.class, esc(k.title), x, x, y+3, ty+4, c)
			fmt.Fprintf(w, `<text x="%.1f" y="%d" font-size="9" fill="%s">%s</text></g>`, x+2, ty+10, c, esc(k.label))
		}
	}
	// the violation
	for n, m := range t.marks {
		if m.at < v.from || m.at > v.to {
			continue
		}
		x := v.x(m.at)
		if v.compact {
			fmt.Fprintf(w, `<line class="marker" x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="%s" stroke-width="2"/>`, x, x, top, bottom, MarkerColor)
			continue
		}
		ly := 22 + 20*n
		anchor, lx := "start", x+6
		if x > viewWidth*0.62 {
			anchor, lx = "end", x-6
		}
		fmt.Fprintf(w, `<g class="marker" id="%s"><title>%s</title>`, m.id, esc(m.label))
		fmt.Fprintf(w, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="%s" stroke-width="3"/>`, x, x, ly-4, bottom, MarkerColor)
		if m.to > m.at {
			// the stretch the check is about, as a bracket under the label
			_, x1, _ := v.clip(m.at, m.to)
			fmt.Fprintf(w, `<line class="stretch" x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="%s" stroke-width="3"/>`, x, x1, ly+12, ly+12, MarkerColor)
			fmt.Fprintf(w, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="%s" stroke-width="3"/>`, x1, x1, ly+6, ly+18, MarkerColor)
		}
		fmt.Fprintf(w, `<text x="%.1f" y="%d" font-size="12" font-weight="bold" fill="%s" text-anchor="%s">%s</text>`, lx, ly+8, MarkerColor, anchor, esc(m.label))
		if m.lane >= 0 {
			cy := top + m.lane*v.laneH + v.laneH/2
			fmt.Fprintf(w, `<circle cx="%.1f" cy="%d" r="8" fill="%s" stroke="#fff" stroke-width="1.5"/>`, x, cy, MarkerColor)
			fmt.Fprintf(w, `<text x="%.1f" y="%d" font-size="10" font-weight="bold" fill="#fff" text-anchor="middle">%d</text>`, x, cy+4, n+1)
		}
		fmt.Fprint(w, `</g>`)
	}
	if v.compact && t.to > t.from {
		// the window the main view shows
		x0, x1, _ := view{from: v.from, to: v.to}.clip(t.from, t.to)
		fmt.Fprintf(w, `<rect class="zoom-window" x="%.1f" y="%d" width="%.1f" height="%d" fill="none" stroke="#111" stroke-width="1.5"/>`,
			x0, top-2, max(x1-x0, 3), bottom-top+4)
	}
	fmt.Fprint(w, `</svg>`)
}

func opacity(class string) string {
	switch class {
	case "lease":
		return "0.85"
	case "key", "key vanished":
		return "0.55"
	}
	return "1"
}

// axis draws time ticks at a round step over the plot.
func axis(w io.Writer, v view, top, bottom int) {
	span := v.to - v.from
	if span <= 0 {
		return
	}
	step := niceStep(span / 10)
	start := (v.from + step - 1) / step * step
	for d := start; d <= v.to; d += step {
		x := v.x(d)
		fmt.Fprintf(w, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#d5d8de" stroke-width="1"/>`, x, x, top-4, bottom)
		fmt.Fprintf(w, `<text x="%.1f" y="%d" font-size="10" fill="#555" text-anchor="middle">%s</text>`, x, 12, axisLabel(d, step))
	}
}

func niceStep(d time.Duration) time.Duration {
	for _, s := range []time.Duration{time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond,
		10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond,
		200 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 5 * time.Second,
		10 * time.Second, 20 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute, 10 * time.Minute, time.Hour} {
		if s >= d {
			return s
		}
	}
	return time.Hour
}

func axisLabel(d, step time.Duration) string {
	if step < time.Second {
		return fmt.Sprintf("%.3fs", d.Seconds())
	}
	return fmt.Sprintf("%gs", d.Seconds())
}

func esc(s string) string { return html.EscapeString(strings.ToValidUTF8(s, "?")) }
