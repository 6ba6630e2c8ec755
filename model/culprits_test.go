package model

import (
	"testing"

	"github.com/locksim/locksim/histories"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCulprits: a violation names the events that make it; a pass names
// none.
func TestCulprits(t *testing.T) {
	desc := func(h histories.History, idx []int) []string {
		var out []string
		for _, i := range idx {
			e := h[i]
			out = append(out, string(e.Op)+" c"+string(rune('0'+e.Process))+" "+secs(e.Time))
		}
		return out
	}
	t.Run("mutual exclusion: the access inside and the next one", func(t *testing.T) {
		h := gcPause(t, false).history()
		r := CheckMutualExclusion(h, Options{})
		require.Equal(t, Violation, r.Verdict)
		// client 2 read at 1.421s inside client 1's section (1.025s..3.115s),
		// and client 1's next access, its write at 3.115s.
		assert.Equal(t, []string{"storage-read c2 1.421s", "storage-write c1 3.115s"}, desc(h, r.Culprits))
	})
	t.Run("mutual exclusion ok: none", func(t *testing.T) {
		assert.Nil(t, CheckMutualExclusion(sequential(t).history(), Options{}).Culprits)
	})
	t.Run("fencing: the earlier higher token, then the lower", func(t *testing.T) {
		b := gcPause(t, true)
		for i, e := range b.h {
			if e.Outcome == histories.Rejected {
				b.h[i].Outcome = histories.Accepted
				if e.Type == histories.Fail {
					b.h[i].Type = histories.OK
				}
			}
		}
		h := b.history()
		r := CheckFencing(h, Options{})
		require.Equal(t, Violation, r.Verdict)
		assert.Equal(t, []string{"storage-write c2 1.424s", "storage-write c1 3.115s"}, desc(h, r.Culprits))
	})
	t.Run("fencing ok: none", func(t *testing.T) {
		assert.Nil(t, CheckFencing(sequential(t).history(), Options{}).Culprits)
	})
}
