package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestInFlight(t *testing.T) {
	w := NewWorld(10)
	defer w.Close()
	a, b := w.AddNode("a"), w.AddNode("b")
	w.Pause(b, 0)
	w.send(a, b, funcReceiver(func() {}))
	w.send(a, b, funcReceiver(func() {}))
	assert.Equal(t, 2, w.InFlight())
	w.RunFor(time.Second) // arrived, queued at the paused node
	assert.Equal(t, 2, w.InFlight())
	w.Resume(b)
	assert.Equal(t, 0, w.InFlight())
	w.send(a, b, funcReceiver(func() {}))
	w.Pause(b, 0)
	w.RunFor(time.Second)
	w.Crash(b)
	assert.Equal(t, 0, w.InFlight())
}

func TestSeamCallOutsideTaskPanics(t *testing.T) {
	w := NewWorld(6)
	defer w.Close()
	n := w.AddNode("n")
	rt := &Runtime{w: w, node: n}
	assert.Panics(t, func() { rt.Now() })
}
