package sim

import "io"

// Per-World state of model packages, and their entries in the trace.

// Value returns what SetValue stored on the World under key, nil if
// nothing. A model package keeps its per-World state there (registries,
// options applied by its Options, observers), under a key of an
// unexported type of its own, as with context.Context's values.
func (w *World) Value(key any) any {
	for _, kv := range w.values {
		if kv.key == key {
			return kv.val
		}
	}
	return nil
}

// SetValue stores v on the World under key (see Value), replacing what
// was stored under it.
func (w *World) SetValue(key, v any) {
	for i := range w.values {
		if w.values[i].key == key {
			w.values[i].val = v
			return
		}
	}
	w.values = append(w.values, keyValue{key, v})
}

type keyValue struct{ key, val any }

// The kinds of trace entry a model writes.
const (
	// TraceFault is the kind of the kernel's fault entries, for what a
	// fault does to a server's state (a key lost at a restart, a replay).
	TraceFault TraceKind = trFault
	// TraceServer is the kind of a request a server served, with what it
	// replied.
	TraceServer TraceKind = trServer
)

// Trace adds an entry to the run's trace, and so to TraceHash: kind k, the
// true time, a, b (by convention a is the node's ID) and s.
func (w *World) Trace(k TraceKind, a, b uint64, s string) { w.trace(k, a, b, s) }

// TraceEntry starts an entry of kind k in the trace with the true time
// and a (by convention the node's ID): the caller adds its fields with the
// TraceWriter's methods, in an order of its own, and the entry is
// complete when it stops. An entry's fields must follow from the run
// alone, never from a pointer, a map order or a real clock.
func (w *World) TraceEntry(k TraceKind, a uint64) TraceWriter {
	t := &w.tr
	t.n++
	t.u64(uint64(k))
	t.u64(uint64(w.now))
	t.u64(a)
	return TraceWriter{t}
}

// TraceWriter adds the fields of one trace entry (World.TraceEntry).
type TraceWriter struct{ t *tracer }

// Uint64 adds a number.
func (tw TraceWriter) Uint64(v uint64) { tw.t.u64(v) }

// String adds a string.
func (tw TraceWriter) String(s string) { tw.t.str(s) }

// String2 adds the string a+b, without building it.
func (tw TraceWriter) String2(a, b string) { tw.t.str2(a, b) }

// Text returns where the text trace goes (WithTextTrace), nil without one:
// the model writes a line for its entry there, for a human.
func (tw TraceWriter) Text() io.Writer { return tw.t.text }
