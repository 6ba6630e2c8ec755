package sim

import (
	"fmt"
	"io"
	"strconv"
	"time"
)

// TraceKind tags one entry of the trace: the kernel's own kinds, and
// TraceFault and TraceServer for server models (model.go).
type TraceKind byte

const (
	trPick TraceKind = iota + 1
	trTimer
	trSend
	trDrop
	trDeliver
	trQueue
	trFault
	trServer
	trSpawn
	trExit
	trExternal
	trResume
)

var traceNames = [...]string{
	trPick: "pick", trTimer: "timer", trSend: "send", trDrop: "drop",
	trDeliver: "deliver", trQueue: "queue", trFault: "fault", trServer: "server",
	trSpawn: "spawn", trExit: "exit", trExternal: "external", trResume: "resume",
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// tracer streams the trace into a 64-bit hash (FNV-1a over the bytes of
// strings, word-at-a-time FNV-style mixing for numbers) and, if asked, as
// text.
type tracer struct {
	h    uint64
	n    uint64
	text io.Writer
}

// u64 mixes a whole word in, FNV-style: xor, multiply, fold.
func (t *tracer) u64(v uint64) {
	h := (t.h ^ v) * fnvPrime
	t.h = h ^ h>>32
}

// fnvBytes mixes the bytes of s into h, FNV-1a.
func fnvBytes(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func (t *tracer) str(s string) {
	h := fnvBytes(t.h, s)
	h ^= 0xff
	h *= fnvPrime
	t.h = h
}

// str2 mixes in the concatenation a+b, as str(a+b) does, without
// building it.
func (t *tracer) str2(a, b string) {
	h := fnvBytes(fnvBytes(t.h, a), b)
	h ^= 0xff
	h *= fnvPrime
	t.h = h
}

// add appends one entry: a kind, the true time, two numbers and a string.
func (w *World) trace(k TraceKind, a, b uint64, s string) {
	t := &w.tr
	t.n++
	t.u64(uint64(k))
	t.u64(uint64(w.now))
	t.u64(a)
	t.u64(b)
	t.str(s)
	if t.text != nil {
		fmt.Fprintf(t.text, "%s %s %d %d %s\n", w.now, traceNames[k], a, b, s)
	}
}

// TraceHash returns the hash of everything traced so far, in hex.
func (w *World) TraceHash() string {
	return fmt.Sprintf("%016x", w.tr.h)
}

// TraceLen returns the number of trace entries so far.
func (w *World) TraceLen() uint64 { return w.tr.n }

// durStr renders a duration for the text trace and the hash.
func durStr(d time.Duration) string { return strconv.FormatInt(int64(d), 10) }
