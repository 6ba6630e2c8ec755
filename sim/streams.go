package sim

import "math/rand/v2"

// Random streams. Each subsystem of a World draws from its own PCG stream,
// seeded from the run's seed and the subsystem's name: the scheduler's
// picks, the network's loss and latency draws, the seeds of the tasks, each
// node's own draws (Node.Rand, a server model's), and any stream a caller
// asks for by name (fault generation). One draw more or less in one of them
// (a message more on the network) changes no draw of the others, so a
// perturbation stays where it was made, and a shrunk or edited fault
// schedule does not reshuffle the scheduler.

// Stream names of the World's own subsystems.
const (
	streamScheduler = "scheduler"
	streamNetwork   = "network"
	streamTasks     = "tasks"
	streamFaults    = "faults"
	streamNodePfx   = "node/"
)

// NewStream returns the random stream called name of a run with seed: a
// math/rand/v2 PCG whose two seed words are derived from (seed, name). The
// same pair always gives the same stream; a World's Stream(name) is
// NewStream(w.Seed(), name), so a caller that has only the seed (a fault
// schedule generated before the World exists) gets the same draws.
func NewStream(seed uint64, name string) *rand.Rand {
	hi, lo := streamSeed(seed, name)
	return rand.New(rand.NewPCG(hi, lo))
}

// streamSeed derives the PCG seed words of stream name of seed: the name's
// FNV-1a hash and the seed, each mixed through SplitMix64 so that nearby
// seeds and similar names give unrelated streams.
func streamSeed(seed uint64, name string) (uint64, uint64) {
	x := splitmix64(seed) ^ fnvBytes(fnvOffset, name)
	hi := splitmix64(x)
	return hi, splitmix64(hi ^ x)
}

// splitmix64 is SplitMix64's output function of state x plus its
// increment: a bijective mix of a 64-bit word.
func splitmix64(x uint64) uint64 {
	z := x + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// Stream returns a new random stream called name, derived from the World's
// seed (NewStream): for callers outside the kernel that need randomness of
// their own, such as fault generation. Each call starts the stream afresh:
// keep the result. The names "scheduler", "network", "tasks" and those
// starting with "node/" are the World's own; reusing one repeats its draws.
func (w *World) Stream(name string) *rand.Rand { return NewStream(w.seed, name) }

// nodeStream returns node n's own stream ("node/" and its name), made on
// first use (Node.Rand).
func (w *World) nodeStream(n *Node) *rand.Rand {
	for len(w.nodeRand) <= n.id {
		w.nodeRand = append(w.nodeRand, nil)
	}
	r := w.nodeRand[n.id]
	if r == nil {
		r = NewStream(w.seed, streamNodePfx+n.name)
		w.nodeRand[n.id] = r
	}
	return r
}
