package live

import "github.com/locksim/locksim/scenario"

// Run runs cfg live with seed: scenario.Run on a Backend of its own, with
// the result's trace hash replaced by TraceHash, since a live run cannot
// be replayed. A fault the backend cannot do is an error wrapping
// scenario.ErrBadConfig that names it.
func Run(cfg scenario.Config, seed uint64, opts scenario.Options, lo Options) (*scenario.Result, error) {
	opts.Backend = New(cfg, lo)
	res, err := scenario.Run(cfg, seed, opts)
	if res != nil {
		res.TraceHash = TraceHash
	}
	return res, err
}
