package faults

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// FieldError is a rejected schedule: the field, as a path such as
// "faults[2].for", and what is wrong with it.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// wireFault is the JSON form of a Fault: durations as Go duration strings.
type wireFault struct {
	Kind        Kind         `json:"kind"`
	At          string       `json:"at,omitempty"`
	When        *wireTrigger `json:"when,omitempty"`
	Node        string       `json:"node,omitempty"`
	A           []string     `json:"a,omitempty"`
	B           []string     `json:"b,omitempty"`
	OneWay      bool         `json:"one_way,omitempty"`
	From        string       `json:"from,omitempty"`
	To          string       `json:"to,omitempty"`
	Rate        float64      `json:"rate,omitempty"`
	PPM         float64      `json:"ppm,omitempty"`
	Delay       string       `json:"delay,omitempty"`
	Step        string       `json:"step,omitempty"`
	For         string       `json:"for,omitempty"`
	Persistence Persistence  `json:"persistence,omitempty"`
	Host        bool         `json:"host,omitempty"`
}

type wireTrigger struct {
	Op         Op     `json:"op"`
	Phase      Phase  `json:"phase"`
	Client     int    `json:"client,omitempty"`
	Occurrence int    `json:"occurrence,omitempty"`
	After      string `json:"after,omitempty"`
	Until      string `json:"until,omitempty"`
	Seam       Seam   `json:"seam,omitempty"`
	Call       int    `json:"call,omitempty"`
}

type wireSchedule struct {
	Faults []json.RawMessage `json:"faults"`
}

func durString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// MarshalJSON writes the fault with durations as Go duration strings and
// only the fields it uses; "at" is always written for an untriggered fault.
func (f Fault) MarshalJSON() ([]byte, error) {
	w := wireFault{
		Kind: f.Kind, Node: f.Node, A: f.A, B: f.B, OneWay: f.OneWay,
		From: f.From, To: f.To, Rate: f.Rate, Delay: durString(f.Delay),
		Step: durString(f.Step), For: durString(f.For), Persistence: f.Persistence,
		Host: f.Host,
	}
	if f.When == nil {
		w.At = f.At.String()
	} else {
		tr := f.When
		w.When = &wireTrigger{
			Op: tr.Op, Phase: tr.Phase, Client: tr.Client, Occurrence: tr.Occurrence,
			After: durString(tr.After), Until: durString(tr.Until),
			Seam: tr.Seam, Call: tr.Call,
		}
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads one fault; see Parse for the errors.
func (f *Fault) UnmarshalJSON(data []byte) error {
	g, err := decodeFault(data, "fault")
	if err != nil {
		return err
	}
	*f = g
	return nil
}

// MarshalJSON writes {"faults":[...]}; an empty schedule has "faults":[].
func (s Schedule) MarshalJSON() ([]byte, error) {
	fs := s.Faults
	if fs == nil {
		fs = []Fault{}
	}
	return json.Marshal(struct {
		Faults []Fault `json:"faults"`
	}{fs})
}

// UnmarshalJSON reads a schedule; see Parse for the errors. It does not
// validate beyond the syntax.
func (s *Schedule) UnmarshalJSON(data []byte) error {
	var w wireSchedule
	if err := strictDecode(data, &w, "schedule", ""); err != nil {
		return err
	}
	out := Schedule{}
	for i, raw := range w.Faults {
		f, err := decodeFault(raw, fmt.Sprintf("faults[%d]", i))
		if err != nil {
			return err
		}
		out.Faults = append(out.Faults, f)
	}
	*s = out
	return nil
}

// Parse reads a JSON schedule and checks everything that does not depend
// on the topology (Validate checks the rest). An error is a *FieldError
// naming the field, e.g. `faults[0].for: must be positive`.
func Parse(data []byte) (Schedule, error) {
	var s Schedule
	if err := json.Unmarshal(data, &s); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return Schedule{}, fe
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return Schedule{}, fieldErr("schedule", "invalid JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
		}
		return Schedule{}, fieldErr("schedule", "%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if err := validate(s, nil); err != nil {
		return Schedule{}, err
	}
	return s, nil
}

func decodeFault(data []byte, path string) (Fault, error) {
	var w wireFault
	if err := strictDecode(data, &w, path, path+"."); err != nil {
		return Fault{}, err
	}
	f := Fault{
		Kind: w.Kind, Node: w.Node, A: w.A, B: w.B, OneWay: w.OneWay,
		From: w.From, To: w.To, Rate: w.Rate, Persistence: w.Persistence,
		Host: w.Host,
	}
	var err error
	dur := func(name, s string) time.Duration {
		if err != nil || s == "" {
			return 0
		}
		d, e := time.ParseDuration(s)
		if e != nil {
			err = fieldErr(path+"."+name, "invalid duration %q (want a Go duration such as \"1.5s\")", s)
		}
		return d
	}
	f.At = dur("at", w.At)
	f.For = dur("for", w.For)
	f.Delay = dur("delay", w.Delay)
	f.Step = dur("step", w.Step)
	if w.When != nil {
		f.When = &Trigger{
			Op: w.When.Op, Phase: w.When.Phase, Client: w.When.Client, Occurrence: w.When.Occurrence,
			After: dur("when.after", w.When.After), Until: dur("when.until", w.When.Until),
			Seam: w.When.Seam, Call: w.When.Call,
		}
		if err == nil && w.At != "" {
			err = fieldErr(path+".at", "cannot be used with when")
		}
	}
	if err == nil && w.PPM != 0 {
		switch {
		case w.Rate != 0:
			err = fieldErr(path+".ppm", "cannot be used with rate")
		case w.Kind != ClockDrift:
			err = fieldErr(path+".ppm", "not used by %s", kindName(w.Kind))
		case !(w.PPM > -1e6 && w.PPM < 1e6):
			err = fieldErr(path+".ppm", "must be between -1000000 and 1000000, not %g", w.PPM)
		default:
			f.Rate = w.PPM / 1e6
		}
	}
	return f, err
}

// strictDecode decodes one JSON object into v, rejecting unknown fields
// and trailing data, with errors naming the field under prefix.
func strictDecode(data []byte, v any, what, prefix string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, e := dec.Token(); e != io.EOF {
			return fieldErr(what, "unexpected data after the JSON value")
		}
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return fieldErr(what, "must be a JSON object, not %s", article(te.Value))
		}
		return fieldErr(prefix+te.Field, "must be %s, not %s", jsonType(te.Type.Kind().String()), article(te.Value))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fieldErr(prefix+strings.Trim(name, `"`), "unknown field")
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fieldErr(what, "invalid JSON: %s", strings.TrimPrefix(se.Error(), "json: "))
	}
	if err == io.EOF {
		return fieldErr(what, "empty input")
	}
	return fieldErr(what, "%s", strings.TrimPrefix(err.Error(), "json: "))
}

func jsonType(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "a list of node names"
	case "struct", "ptr":
		return "an object"
	case "int", "int64":
		return "an integer"
	case "float64":
		return "a number"
	}
	return "a " + goKind
}

func article(v string) string {
	switch v {
	case "array", "object":
		return "an " + v
	case "number", "string", "bool":
		return "a " + v
	}
	return v
}

func kindName(k Kind) string {
	if k == "" {
		return "this kind"
	}
	return string(k)
}
