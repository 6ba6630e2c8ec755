package histories

// History is a sequence of events in the order they happened: times never
// decrease, and among events at the same time the order is the true order.
type History []Event

// Operation is a client operation: its invoke paired with its completion.
type Operation struct {
	// Invoke is the invoke event and InvokeIndex its position in the
	// history. Both events point into the history: they are not copies
	// (a 24-hour history holds a million and a half events), so they must
	// not be changed.
	Invoke      *Event
	InvokeIndex int
	// Completion is the ok, fail or info event, nil if the operation never
	// completed (its client crashed or the history ended first).
	Completion      *Event
	CompletionIndex int
}

// Status is the operation's outcome: OK, Fail, or Info for an indeterminate
// operation, including one that never completed.
func (o Operation) Status() Type {
	if o.Completion == nil {
		return Info
	}
	return o.Completion.Type
}

// Operations pairs every invoke with its completion by OpID, in invoke
// order. Completions without an invoke are ignored (Validate reports them).
func (h History) Operations() []Operation {
	n := 0
	for i := range h {
		if h[i].Type == Invoke {
			n++
		}
	}
	ops := make([]Operation, 0, n)
	open := make(map[int]int, n) // OpID -> index in ops
	for i := range h {
		e := &h[i]
		switch {
		case e.Type == Invoke:
			open[e.OpID] = len(ops)
			ops = append(ops, Operation{Invoke: e, InvokeIndex: i, CompletionIndex: -1})
		case e.IsCompletion():
			j, ok := open[e.OpID]
			if !ok {
				continue
			}
			delete(open, e.OpID)
			ops[j].Completion = e
			ops[j].CompletionIndex = i
		}
	}
	return ops
}

// Filter returns the events for which keep returns true, in order.
func (h History) Filter(keep func(Event) bool) History {
	var out History
	for _, e := range h {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// Validate checks h as Load checks a file and reports the first bad event as
// "event N: what is wrong" (N counts from 1).
func (h History) Validate() error {
	v := newValidator()
	for i, e := range h {
		if err := v.add(e); err != nil {
			return &PositionError{What: "event", N: i + 1, Err: err}
		}
	}
	return nil
}
