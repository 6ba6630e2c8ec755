package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/locksim/locksim/locks"
	"github.com/locksim/locksim/scenario"
)

func cmdScenarios(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlags("scenarios")
	pos, err := parse(fs, args, stdout, "")
	if err != nil {
		return 0, err
	}
	if len(pos) > 0 {
		return 0, badInput("unexpected argument %q (scenarios takes none)", pos[0])
	}
	for _, sc := range scenario.Scenarios() {
		var exp []string
		for _, e := range sc.Expect {
			exp = append(exp, e.Lock+"="+string(e.Expect))
		}
		// the published libraries, run unmodified (backend/unmodified)
		for _, l := range scenario.LockNames()[len(locks.Names()):] {
			e, ok := sc.Expected(l)
			if !ok {
				continue
			}
			x, _ := scenario.External(l)
			cfg, err := sc.Config(l)
			if err == nil {
				err = x.Backend.Refuse(cfg)
			}
			if err != nil {
				exp = append(exp, l+"=refused")
				continue
			}
			exp = append(exp, l+"="+string(e.Expect))
		}
		fmt.Fprintf(stdout, "%-24s %s [%s]\n", sc.Name, sc.Summary, strings.Join(exp, " "))
	}
	return exitOK, nil
}
