package model

import "time"

// DefaultTimeout bounds each porcupine search when Options.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Options configure the checks. The zero Options run every check that needs
// no parameter, conservatively.
type Options struct {
	// Timeout bounds each porcupine search; a search that does not finish
	// in time gives Unknown. Zero means DefaultTimeout.
	Timeout time.Duration
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
}

// Visualization file names within Options.VisualizeDir.
const (
	VisualizeResourceFile = "resource-linearizability.html"
	VisualizeLockFile     = "lock-linearizability.html"
)

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}
