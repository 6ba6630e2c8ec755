package live

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/locksim/locksim/internal/realredis"
)

// The servers of every run in progress, so that SIGINT or SIGTERM stops
// them by their PIDs before the process exits: a Ctrl-C must not leave
// redis-servers behind.
var procs struct {
	sync.Mutex
	live map[*realredis.Server]int // server -> PID at its last start
	sigs chan os.Signal
}

// track records s's current PID, and installs the handler with the first
// server.
func track(s *realredis.Server) {
	procs.Lock()
	defer procs.Unlock()
	if procs.live == nil {
		procs.live = map[*realredis.Server]int{}
	}
	procs.live[s] = s.PID()
	if procs.sigs == nil {
		procs.sigs = make(chan os.Signal, 1)
		signal.Notify(procs.sigs, syscall.SIGINT, syscall.SIGTERM)
		go onSignal(procs.sigs)
	}
}

// untrack forgets s, and removes the handler with the last server.
func untrack(s *realredis.Server) {
	procs.Lock()
	defer procs.Unlock()
	delete(procs.live, s)
	if len(procs.live) == 0 && procs.sigs != nil {
		signal.Stop(procs.sigs)
		close(procs.sigs)
		procs.sigs = nil
	}
}

func onSignal(sigs chan os.Signal) {
	sig, ok := <-sigs
	if !ok {
		return
	}
	procs.Lock()
	for _, pid := range procs.live {
		if pid > 0 { // 0: killed already (never signal a process group)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	procs.Unlock()
	fmt.Fprintf(os.Stderr, "live: %v: stopped every redis-server started\n", sig)
	os.Exit(130)
}
