package sim

import "time"

// Loss returns the probability that the link from -> to drops a message,
// as SetLoss last set it (the global loss is apart: GlobalLoss).
func (w *World) Loss(from, to *Node) float64 { return w.link(from, to).loss }

// GlobalLoss returns the loss SetGlobalLoss last set on every link.
func (w *World) GlobalLoss() float64 { return w.loss }

// ExtraDelay returns the delay SetExtraDelay last added to the link from
// -> to.
func (w *World) ExtraDelay(from, to *Node) time.Duration { return w.link(from, to).extra }

// Latency returns the latency of the link from -> to: as SetLatency last
// set it, else the World's default.
func (w *World) Latency(from, to *Node) Latency {
	if l := w.link(from, to).lat; l != nil {
		return *l
	}
	return w.latency
}
