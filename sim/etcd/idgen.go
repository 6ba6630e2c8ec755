package etcd

// idGen is etcd's idutil.Generator with the clock taken out: an ID is the
// member ID's low 16 bits, then 40 bits of a starting timestamp and an 8-bit
// counter, incremented per ID. etcd seeds the 48-bit suffix with the
// wall-clock milliseconds at boot; the model seeds it from Config.Seed, so
// server-chosen lease IDs have etcd's shape and are reproducible.
type idGen struct {
	prefix, suffix uint64
}

const (
	tsLen     = 5 * 8
	cntLen    = 8
	suffixLen = tsLen + cntLen
)

func newIDGen(member uint64, seed uint64) *idGen {
	return &idGen{
		prefix: (member & 0xffff) << suffixLen,
		suffix: (seed & (1<<tsLen - 1)) << cntLen,
	}
}

func (g *idGen) next() uint64 {
	g.suffix++
	return g.prefix | (g.suffix & (1<<suffixLen - 1))
}
