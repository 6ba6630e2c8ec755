package scenario

import (
	"slices"
	"strings"

	"github.com/locksim/locksim/faults"
	"github.com/locksim/locksim/model"
)

// ScheduleShape is what of a schedule a failure's identity depends on:
// the kinds of its faults and their targets, sorted and without
// repetition, with no times, durations or rates ("pause:client1;
// partition:redis1|client1,client2"). Two seeds of a random search whose
// faults hit the same places in the same ways have the same shape though
// their times differ; "-" for no faults.
func ScheduleShape(s faults.Schedule) string {
	var parts []string
	for _, f := range s.Faults {
		parts = append(parts, string(f.Kind)+":"+faultTarget(f))
	}
	slices.Sort(parts)
	parts = slices.Compact(parts)
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ";")
}

// faultTarget names what a fault hits: its node, the two sides of a
// partition, or the two ends of a link.
func faultTarget(f faults.Fault) string {
	switch {
	case f.Node != "":
		return f.Node
	case len(f.A) > 0 || len(f.B) > 0:
		sep := "|"
		if f.OneWay {
			sep = ">"
		}
		return strings.Join(f.A, ",") + sep + strings.Join(f.B, ",")
	case f.From != "" || f.To != "":
		return f.From + ">" + f.To
	}
	return "*"
}

// Signature identifies a failure for deduplication: the lock, the checks
// in violation and the shape of the run's schedule (ScheduleShape), as
// "lock/check+check/shape"; "" for a run without a violation. Given the
// run of a shrunk config, it is the signature of the shrunk failure: the
// faults the failure does not need are gone from its shape.
func Signature(res *Result) string {
	if !res.Failed() {
		return ""
	}
	var checks []string
	for _, c := range res.Checks {
		if c.Verdict == model.Violation {
			checks = append(checks, c.Check)
		}
	}
	lock := res.Config.Lock
	if res.Config.CustomLock != "" {
		lock = res.Config.CustomLock
	}
	return lock + "/" + strings.Join(checks, "+") + "/" + ScheduleShape(res.Config.Faults)
}
