package sim

import (
	"math"
	"time"
)

// Epoch is the true time at which every World starts, and the initial
// reading of every node's wall clock.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// clock is a node's pair of clocks. The monotonic clock runs at rate 1+rate
// relative to true time and never jumps; the wall clock is the monotonic
// clock plus an offset that steps change.
type clock struct {
	rate     float64       // drift as a fraction: 0.0002 is +200 ppm
	baseTrue time.Duration // true elapsed time of the last rate change
	baseMono time.Duration // monotonic reading at baseTrue
	offset   time.Duration // wall = Epoch + mono + offset
}

// mono returns the monotonic reading at true elapsed time now.
func (c *clock) mono(now time.Duration) time.Duration {
	dt := now - c.baseTrue
	return c.baseMono + dt + time.Duration(math.Floor(float64(dt)*c.rate))
}

// wall returns the wall reading at true elapsed time now.
func (c *clock) wall(now time.Duration) time.Time {
	return Epoch.Add(c.mono(now) + c.offset)
}

// setRate changes the drift from true time now on.
func (c *clock) setRate(now time.Duration, rate float64) {
	c.baseMono = c.mono(now)
	c.baseTrue = now
	c.rate = rate
}

// trueAt returns the earliest true time, not before now, at which the
// monotonic clock reads at least target.
func (c *clock) trueAt(now, target time.Duration) time.Duration {
	if c.mono(now) >= target {
		return now
	}
	est := float64(target-c.baseMono) / (1 + c.rate)
	t := c.baseTrue + time.Duration(est)
	if t < now {
		t = now
	}
	for c.mono(t) < target {
		t++
	}
	for t > now && c.mono(t-1) >= target {
		t--
	}
	return t
}
