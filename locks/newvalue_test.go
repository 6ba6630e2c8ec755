package locks

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestNewValueMatchesSprintf(t *testing.T) {
	for seed := uint64(0); seed < 2000; seed++ {
		a := rand.New(rand.NewPCG(seed, seed*7))
		b := rand.New(rand.NewPCG(seed, seed*7))
		got := newValue(a)
		want := fmt.Sprintf("%016x%016x", b.Uint64(), b.Uint64())
		if got != want {
			t.Fatalf("seed %d: %s != %s", seed, got, want)
		}
	}
	var buf [16]byte
	for _, v := range []uint64{0, 1, 0xf, 1 << 63, ^uint64(0)} {
		putHex16(buf[:], v)
		if string(buf[:]) != fmt.Sprintf("%016x", v) {
			t.Fatalf("%x", v)
		}
	}
}
