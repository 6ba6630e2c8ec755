package report_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/locksim/locksim/internal/realtest"
	"github.com/locksim/locksim/report"
	"github.com/stretchr/testify/require"
)

// The first screen a person sees: a 1280 px wide laptop browser.
const screenW, screenH = 1280, 800

// chromium returns the path of a headless-capable Chromium: $CHROMIUM,
// else chromium on the PATH. Absent, the test skips, unless CI=true, where
// it fails: .ci/run installs Debian's chromium.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		realtest.Missing(t, "chromium is not installed (.ci/run installs Debian's chromium)", "the headless-browser test of the report")
		return ""
	}
	return p
}

// firstScreen is what a headless Chromium shows of a page at 1280x800.
type firstScreen struct {
	Timeline, Marker *box // bounding boxes, nil when absent
	ScrollWidth      float64
	TextLength       int
	Shot             image.Image
}

type box struct{ X, Y, W, H float64 }

func (b *box) within(w, h float64) bool {
	return b != nil && b.W+b.H > 0 && b.X >= 0 && b.Y >= 0 && b.X+b.W <= w && b.Y+b.H <= h
}

// browser is one headless Chromium at 1280x800, shared by the pages a
// test loads (each in its own tab).
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(screenW, screenH), chromedp.Flag("hide-scrollbars", true))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	_, err := chromedp.Run(bctx, chromedp.EmulateViewport(screenW, screenH)) // starts the browser
	require.NoError(t, err)
	return bctx
}

// measure loads the page at url in a new tab of the browser and reads,
// through the DOM, where the main timeline and the violation marker are,
// and takes a screenshot of the first screen.
func measure(t *testing.T, browser context.Context, url string) firstScreen {
	t.Helper()
	tab, cancel := chromedp.NewContext(browser)
	defer cancel()
	const js = `(() => {
	  const bb = s => { const e = document.querySelector(s); if (!e) return null;
	    const r = e.getBoundingClientRect(); return {X: r.x, Y: r.y, W: r.width, H: r.height}; };
	  return {Timeline: bb('svg.timeline:not(.overview)'), Marker: bb('svg.timeline:not(.overview) .marker line'),
	    ScrollWidth: document.documentElement.scrollWidth, TextLength: (document.body ? document.body.innerText : '').trim().length};
	})()`
	_, err := chromedp.Run(tab, chromedp.EmulateViewport(screenW, screenH))
	require.NoError(t, err)
	_, err = chromedp.Run(tab, chromedp.Navigate(url))
	require.NoError(t, err)
	s, err := chromedp.Run(tab, chromedp.Evaluate[firstScreen](js))
	require.NoError(t, err)
	shot, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(shot))
	require.NoError(t, err)
	s.Shot = img
	return s
}

// check says what is wrong with the first screen, nil if nothing: the
// page shows text, does not scroll sideways, and the timeline and the
// violation marker lie whole inside the first 1280x800, where the
// screenshot has the marker's colour and is not blank.
func (s firstScreen) check() error {
	switch {
	case s.TextLength == 0:
		return fmt.Errorf("the page shows no text")
	case s.Timeline == nil:
		return fmt.Errorf("the page has no timeline")
	case s.Marker == nil:
		return fmt.Errorf("the timeline has no violation marker")
	case s.ScrollWidth > screenW:
		return fmt.Errorf("the page is %.0f px wide: it scrolls sideways at %d px", s.ScrollWidth, screenW)
	case !s.Timeline.within(screenW, screenH):
		return fmt.Errorf("the timeline %+v is not inside the first %dx%d screen", *s.Timeline, screenW, screenH)
	case !s.Marker.within(screenW, screenH):
		return fmt.Errorf("the violation marker %+v is not inside the first %dx%d screen", *s.Marker, screenW, screenH)
	}
	ink, marker := pixels(s.Shot)
	if ink < 0.02 {
		return fmt.Errorf("the screenshot is blank (%.1f%% of its pixels are not white)", 100*ink)
	}
	if marker < 30 {
		return fmt.Errorf("the screenshot has %d pixels of the marker's colour %s", marker, report.MarkerColor)
	}
	return nil
}

// pixels returns the share of pixels that are not near white, and the
// number of pixels of the marker's colour.
func pixels(img image.Image) (ink float64, marker int) {
	var want [3]uint32
	_, _ = fmt.Sscanf(report.MarkerColor, "#%02x%02x%02x", &want[0], &want[1], &want[2])
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			if r < 240 || g < 240 || bl < 240 {
				n++
			}
			if near(r, want[0]) && near(g, want[1]) && near(bl, want[2]) {
				marker++
			}
		}
	}
	return float64(n) / float64(b.Dx()*b.Dy()), marker
}

func near(a, b uint32) bool { return a+6 >= b && b+6 >= a }

func fileURL(t *testing.T, path string) string {
	abs, err := filepath.Abs(path)
	require.NoError(t, err)
	return "file://" + filepath.ToSlash(abs)
}

// TestChromium loads pages in a real headless Chromium at 1280x800. The
// gc-pause page shows its timeline and the violation marker on the first
// screen without sideways scrolling (LOCKSIM_REPORT_SCREENSHOT=FILE keeps
// its screenshot); and the check fails on a blank page, on a broken one
// (no timeline), and on a page whose marker sits beyond the first screen,
// as porcupine's view puts it about 3,500 px to the right.
func TestChromium(t *testing.T) {
	b := browser(t)
	dir := t.TempDir()
	t.Run("gc-pause page", func(t *testing.T) {
		path := filepath.Join(dir, "report.html")
		require.NoError(t, report.WritePath(path, gcPausePage(t)))
		s := measure(t, b, fileURL(t, path))
		require.NoError(t, s.check())
		if out := os.Getenv("LOCKSIM_REPORT_SCREENSHOT"); out != "" {
			f, err := os.Create(out)
			require.NoError(t, err)
			require.NoError(t, png.Encode(f, s.Shot))
			require.NoError(t, f.Close())
		}
	})
	pages := []struct{ name, html, want string }{
		{"blank", `<!DOCTYPE html><html><body></body></html>`, "the page shows no text"},
		{"broken", `<!DOCTYPE html><html><body><h1>locksim report</h1><p>the timeline failed to render</p></body></html>`, "the page has no timeline"},
		{"far right", `<!DOCTYPE html><html><body><h1>locksim report</h1>
<svg class="timeline" width="4000" height="200" xmlns="http://www.w3.org/2000/svg"><rect x="0" y="0" width="4000" height="200" fill="#eef"/>
<g class="marker"><line x1="3500" x2="3500" y1="0" y2="200" stroke="` + report.MarkerColor + `" stroke-width="3"/></g></svg></body></html>`, "scrolls sideways"},
		{"far down", `<!DOCTYPE html><html><body><h1>locksim report</h1><div style="height:1500px">matrix</div>
<svg class="timeline" width="1000" height="200" xmlns="http://www.w3.org/2000/svg"><rect x="0" y="0" width="1000" height="200" fill="#eef"/>
<g class="marker"><line x1="500" x2="500" y1="0" y2="200" stroke="` + report.MarkerColor + `" stroke-width="3"/></g></svg></body></html>`, "is not inside the first 1280x800 screen"},
		{"no marker colour", `<!DOCTYPE html><html><body><h1>locksim report</h1>
<svg class="timeline" width="1000" height="200" xmlns="http://www.w3.org/2000/svg"><rect x="0" y="0" width="1000" height="200" fill="#eef"/>
<g class="marker"><line x1="500" x2="500" y1="0" y2="200" stroke="#ffffff" stroke-width="3"/></g></svg></body></html>`, "pixels of the marker's colour"},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			path := filepath.Join(dir, p.name+".html")
			require.NoError(t, os.WriteFile(path, []byte(p.html), 0o644))
			err := measure(t, b, fileURL(t, path)).check()
			require.Error(t, err, "the check passed a %s page", p.name)
			require.Contains(t, err.Error(), p.want)
		})
	}
}
