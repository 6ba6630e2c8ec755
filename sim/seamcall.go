package sim

import "fmt"

// SeamKind is a kind of seam call a task makes, as OnSeamCall reports it.
type SeamKind uint8

// The seam calls reported. Each is reported once per call, at the moment
// the task makes it, before the call does anything.
const (
	// SeamNow is Runtime.Now, reported before the clock is read.
	SeamNow SeamKind = iota + 1
	// SeamSleep is Runtime.Sleep, reported before the wait starts.
	SeamSleep
	// SeamDoSent is Conn.Call (a client call of a
	// server model command), reported before the request leaves the node.
	SeamDoSent
	// SeamDoReplied is a Conn.Call whose reply has arrived, reported
	// before the reply is returned to the caller.
	SeamDoReplied
	// SeamGo is Group.Go, reported before the function's task is spawned.
	SeamGo
	// SeamWait is Group.Wait, reported before it waits.
	SeamWait
	// SeamMutexLock is Mutex.Lock, reported before it tries the mutex.
	SeamMutexLock
)

var seamNames = [...]string{
	SeamNow: "now", SeamSleep: "sleep", SeamDoSent: "do-sent", SeamDoReplied: "do-replied",
	SeamGo: "go", SeamWait: "wait", SeamMutexLock: "mutex-lock",
}

// String is the kind's name as fault schedules spell it: "now", "sleep",
// "do-sent", "do-replied", "go", "wait" or "mutex-lock".
func (k SeamKind) String() string {
	if int(k) < len(seamNames) && seamNames[k] != "" {
		return seamNames[k]
	}
	return fmt.Sprintf("SeamKind(%d)", uint8(k))
}

// ParseSeamKind is the kind named s (see SeamKind.String).
func ParseSeamKind(s string) (SeamKind, error) {
	for k, name := range seamNames {
		if name != "" && name == s {
			return SeamKind(k), nil
		}
	}
	return 0, fmt.Errorf("unknown seam call %q", s)
}

// SeamCall is one seam call of a task.
type SeamCall struct {
	Kind SeamKind
	// Node is the node the task runs on.
	Node *Node
	// Task is the task's name: a task spawned with the Spawn name, the
	// functions of its Groups that name plus "/go" per level.
	Task string
}

// OnSeamCall makes f see every seam call of every task (one hook per
// World; nil removes it). f runs inside the call, on the calling task with
// the baton, before the call does its work, and may act on the world
// there: Pause, Crash or Restart a node, step its clock (Node.StepWall),
// or anything else allowed between two steps of a task. When f returns,
// the call goes on as a seam call starting afresh: if the task's node has
// crashed, the task unwinds; if it is paused, the task blocks there until
// the node resumes; only then does the call do its work. So a Now paused
// at returns the wall clock read after the pause, a Sleep paused at starts
// its wait after it, and a Do paused at "do-sent" sends after it.
//
// f must be deterministic (it is part of the run) and must not make seam
// calls itself. Without a hook a seam call pays one nil check.
func (w *World) OnSeamCall(f func(SeamCall)) { w.seamHook = f }

// seamAt reports t's call of kind k to the hook, if one is set: the
// common case, no hook, costs one nil check where it is inlined.
func (w *World) seamAt(t *task, k SeamKind) {
	if w.seamHook != nil {
		w.seam(t, k)
	}
}

// seam reports t's call of kind k to the hook (set), then holds t as a
// seam call's entry does: a crash unwinds it, a pause blocks it until its
// node resumes.
func (w *World) seam(t *task, k SeamKind) {
	w.seamHook(SeamCall{Kind: k, Node: t.node, Task: t.name})
	if t.killed || t.node.paused {
		w.holdIfStopped(t)
	}
}
