package model

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"pgregory.net/rapid"
)

// drawSerial draws a correct serial execution of increments on up to three
// counters: op i takes effect at point 10(i+1) and is stretched into an
// interval around it. Some critical sections only read; some writes are
// indeterminate, and either happened or not. With definite, the first two
// ops are definite increments of k0.
func drawSerial(t *rapid.T, definite bool) []serialOp {
	n := rapid.IntRange(2, 40).Draw(t, "n")
	keys := rapid.IntRange(1, 3).Draw(t, "keys")
	stretch := rapid.IntRange(0, 6).Draw(t, "stretch")
	values := make([]int64, keys)
	ops := make([]serialOp, n)
	for i := range ops {
		k := rapid.IntRange(0, keys-1).Draw(t, fmt.Sprintf("key%d", i))
		kind := rapid.IntRange(0, 5).Draw(t, fmt.Sprintf("kind%d", i)) // 0: read only, 1: info applied, 2: info lost, else increment
		if definite && i < 2 {
			k, kind = 0, 3
		}
		point := 10 * (i + 1)
		op := serialOp{
			key: fmt.Sprintf("k%d", k), client: rapid.IntRange(0, 5).Draw(t, fmt.Sprintf("client%d", i)),
			r: values[k], w: values[k] + 1, point: point,
			call: max(0, point-rapid.IntRange(0, 10*stretch).Draw(t, fmt.Sprintf("before%d", i))),
			ret:  point + rapid.IntRange(0, 10*stretch).Draw(t, fmt.Sprintf("after%d", i)),
		}
		switch kind {
		case 0:
			op.noWrit = true
		case 1:
			op.info = true
			values[k]++
		case 2:
			op.info = true
		default:
			values[k]++
		}
		ops[i] = op
	}
	return ops
}

func TestRapidSerialExecutionsAreLinearizable(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := counterHistory(drawSerial(t, false))
		if err := h.Validate(); err != nil {
			t.Fatalf("generated history invalid: %v", err)
		}
		r := CheckResourceLinearizable(h, Options{})
		if r.Verdict != OK {
			t.Fatalf("correct serial execution judged %v: %s", r.Verdict, r.Explanation)
		}
	})
}

func TestRapidOneLostUpdateIsNeverOK(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ops := drawSerial(t, true)
		// Pick two consecutive definite increments of k0; the later one
		// reads and writes what the earlier did.
		var defs []int
		for i, op := range ops {
			if op.key == "k0" && !op.info && !op.noWrit {
				defs = append(defs, i)
			}
		}
		j := rapid.IntRange(1, len(defs)-1).Draw(t, "lost")
		prev, last := defs[j-1], defs[j]
		ops[last].r, ops[last].w = ops[prev].r, ops[prev].w
		r := CheckResourceLinearizable(counterHistory(ops), Options{})
		if r.Verdict != Violation {
			t.Fatalf("lost update judged %v: %s", r.Verdict, r.Explanation)
		}
		if !assert.Contains(t, r.Explanation, "Lost update") {
			t.FailNow()
		}
	})
}
