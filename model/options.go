package model

import "time"

// Options configure the checks. The zero Options run every check that needs
// no parameter, conservatively.
type Options struct {
	// SearchBudget bounds each linearizability check to this many model
	// steps over all its keys (porcupine's search is exponential in the
	// worst case); a search that needs more gives Unknown, naming the key.
	// A count, not a time, so that a verdict never depends on the
	// machine's speed. Zero means DefaultSearchBudget.
	SearchBudget int64
	// VisualizeDir, if set, is the directory where a failed
	// linearizability check writes porcupine's HTML visualization
	// (VisualizeResourceFile, VisualizeLockFile).
	VisualizeDir string
	// StorageComplete declares that the history holds every access the
	// storage will ever execute (the run drained the network before it
	// ended). Then a client access that timed out and that the storage
	// never recorded definitely did not happen. Otherwise such an access
	// may still arrive, and mutual exclusion says Unknown where it could
	// interleave with another critical section.
	StorageComplete bool
	// Fencing runs the fencing check in CheckAll (the lock hands out
	// tokens and the storage checks them).
	Fencing bool
	// Ledger runs the ledger conservation check in CheckAll.
	Ledger bool
	// LivenessBound runs the liveness check in CheckAll with this bound:
	// after the last fault healed, some client must acquire each lock
	// within it. The caller derives it from the TTL and the retry policy.
	// Zero skips the check.
	LivenessBound time.Duration
	// ExtendMargin runs the extend-honest check in CheckAll with this
	// margin: an extend invoked with at least this much of its lease left,
	// with no fault touching its holder, must succeed. The caller derives
	// it from the TTL. Zero skips the check.
	ExtendMargin time.Duration

	// onStep, if set, runs before every model step of a search: tests
	// count steps with it, or make the machine look slow.
	onStep func()
}

// Visualization file names within Options.VisualizeDir.
const (
	VisualizeResourceFile = "resource-linearizability.html"
	VisualizeLockFile     = "lock-linearizability.html"
)

func (o Options) searchBudget() int64 {
	if o.SearchBudget > 0 {
		return o.SearchBudget
	}
	return DefaultSearchBudget
}
