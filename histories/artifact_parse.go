package histories

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ParseArtifact decodes and validates an artifact held in data; name is the
// file name used in errors. Every problem is an error wrapping ErrInvalid
// (never a panic): not JSON, truncated, unknown or duplicate fields, a
// missing or unsupported format or version, a missing seed, configuration,
// schedule, trace hash or history, or an invalid history event.
func ParseArtifact(data []byte, name string) (*Artifact, error) {
	p := artifactParser{data: data, name: name, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.DisallowUnknownFields()
	p.dec.UseNumber()
	a, err := p.parse()
	if err != nil {
		return nil, err
	}
	return a, nil
}

type artifactParser struct {
	data []byte
	name string
	dec  *json.Decoder
	seen map[string]bool
}

// fail reports a problem at the decoder's position.
func (p *artifactParser) fail(format string, args ...any) error {
	return p.failAt(p.dec.InputOffset(), format, args...)
}

func (p *artifactParser) failAt(off int64, format string, args ...any) error {
	return &PositionError{File: p.name, N: p.line(off), Err: invalid(format, args...)}
}

// line returns the 1-based line of the first significant byte at or after
// off.
func (p *artifactParser) line(off int64) int {
	if off > int64(len(p.data)) {
		off = int64(len(p.data))
	}
	for off < int64(len(p.data)) {
		c := p.data[off]
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != ',' && c != ':' {
			break
		}
		off++
	}
	return 1 + bytes.Count(p.data[:off], []byte("\n"))
}

// jsonErr turns a decoding error into a positioned, readable error.
func (p *artifactParser) jsonErr(context string, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return p.failAt(int64(len(p.data)), "%sunexpected end of file (truncated artifact?)", context)
	case errors.As(err, &syn):
		return p.failAt(syn.Offset, "%snot valid JSON: %v", context, err)
	case errors.As(err, &typ):
		return p.failAt(typ.Offset, "%sfield %q: cannot use JSON %s as %v", context, typ.Field, typ.Value, typ.Type)
	default:
		return p.fail("%s%v", context, err)
	}
}

func (p *artifactParser) delim(want json.Delim, what string) error {
	off := p.dec.InputOffset()
	tok, err := p.dec.Token()
	if err != nil {
		return p.jsonErr("", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return p.failAt(off, "expected %s", what)
	}
	return nil
}

func (p *artifactParser) parse() (*Artifact, error) {
	a := &Artifact{}
	p.seen = make(map[string]bool)
	if len(bytes.TrimSpace(p.data)) == 0 {
		return nil, fmt.Errorf("%s: %w", p.name, invalid("empty file"))
	}
	if err := p.delim('{', "a JSON object (a locksim artifact)"); err != nil {
		return nil, err
	}
	for p.dec.More() {
		off := p.dec.InputOffset()
		tok, err := p.dec.Token()
		if err != nil {
			return nil, p.jsonErr("", err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, p.failAt(off, "expected a field name")
		}
		if p.seen[key] {
			return nil, p.failAt(off, "duplicate field %q", key)
		}
		p.seen[key] = true
		if err := p.field(a, key, off); err != nil {
			return nil, err
		}
	}
	if err := p.delim('}', "the end of the artifact object"); err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, p.fail("trailing data after the artifact object")
	}
	for _, f := range []string{"format", "version", "seed", "trace_hash", "config", "schedule", "history"} {
		if !p.seen[f] {
			return nil, fmt.Errorf("%s: %w", p.name, invalid("missing field %q", f))
		}
	}
	return a, nil
}

func (p *artifactParser) field(a *Artifact, key string, off int64) error {
	switch key {
	case "format":
		var s string
		if err := p.dec.Decode(&s); err != nil {
			return p.jsonErr("format: ", err)
		}
		if s != ArtifactFormat {
			return p.failAt(off, "format is %q, want %q", s, ArtifactFormat)
		}
	case "version":
		n, err := p.integer("version")
		if err != nil {
			return err
		}
		if n != ArtifactVersion {
			return p.failAt(off, "unsupported artifact version %d (this build reads version %d)", n, ArtifactVersion)
		}
	case "seed":
		var n json.Number
		if err := p.dec.Decode(&n); err != nil {
			return p.jsonErr("seed: ", err)
		}
		var seed uint64
		if _, err := fmt.Sscan(n.String(), &seed); err != nil || fmt.Sprint(seed) != n.String() {
			return p.failAt(off, "seed %s is not an unsigned 64-bit integer", n)
		}
		a.Seed = seed
	case "trace_hash":
		if err := p.dec.Decode(&a.TraceHash); err != nil {
			return p.jsonErr("trace_hash: ", err)
		}
	case "config", "schedule":
		var raw json.RawMessage
		if err := p.dec.Decode(&raw); err != nil {
			return p.jsonErr(key+": ", err)
		}
		if string(raw) == "null" {
			return p.failAt(off, "%s is null", key)
		}
		if key == "config" {
			a.Config = raw
		} else {
			a.Schedule = raw
		}
	case "verdicts":
		if err := p.dec.Decode(&a.Verdicts); err != nil {
			return p.jsonErr("verdicts: ", err)
		}
	case "history":
		return p.history(a)
	default:
		return p.failAt(off, "unknown field %q", key)
	}
	return nil
}

func (p *artifactParser) integer(name string) (int64, error) {
	off := p.dec.InputOffset()
	var n json.Number
	if err := p.dec.Decode(&n); err != nil {
		return 0, p.jsonErr(name+": ", err)
	}
	v, err := n.Int64()
	if err != nil {
		return 0, p.failAt(off, "%s %s is not an integer", name, n)
	}
	return v, nil
}

func (p *artifactParser) history(a *Artifact) error {
	if err := p.delim('[', "history to be a JSON array of events"); err != nil {
		return err
	}
	v := newValidator()
	a.History = History{}
	for i := 1; p.dec.More(); i++ {
		off := p.dec.InputOffset()
		var e Event
		if err := p.dec.Decode(&e); err != nil {
			return p.jsonErr(fmt.Sprintf("history event %d: ", i), err)
		}
		if err := v.add(e); err != nil {
			return &PositionError{File: p.name, N: p.line(off), Err: fmt.Errorf("history event %d: %w", i, err)}
		}
		a.History = append(a.History, e)
	}
	return p.delim(']', "the end of the history array")
}
