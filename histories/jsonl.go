package histories

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Format and Version identify the JSON Lines encoding. The first line of a
// history file is the header {"format":"locksim-history","version":1};
// every following line is one Event.
const (
	Format  = "locksim-history"
	Version = 1
)

// MaxLineBytes bounds one line of a history file.
const MaxLineBytes = 1 << 20

type header struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
}

// Write encodes h as JSON Lines: the header, then one event per line.
func Write(w io.Writer, h History) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(header{Format: Format, Version: Version}); err != nil {
		return fmt.Errorf("write history header: %w", err)
	}
	for i := range h {
		if err := enc.Encode(&h[i]); err != nil {
			return fmt.Errorf("write history event %d: %w", i+1, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write history: %w", err)
	}
	return nil
}

// Load decodes and validates a JSON Lines history read from r. name is the
// file name used in errors: the first bad line is reported as
// "name:line: what is wrong". Blank lines are not allowed.
func Load(r io.Reader, name string) (History, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), MaxLineBytes)
	line := 0
	bad := func(err error) error { return &PositionError{File: name, N: line, Err: err} }
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return nil, fmt.Errorf("%s: %w", name, invalid("empty file, expected a %q header line", Format))
	}
	line = 1
	if err := decodeHeader(sc.Bytes()); err != nil {
		return nil, bad(err)
	}
	v := newValidator()
	var h History
	for sc.Scan() {
		line++
		e, err := decodeEvent(sc.Bytes())
		if err == nil {
			err = v.add(e)
		}
		if err != nil {
			return nil, bad(err)
		}
		h = append(h, e)
	}
	if err := sc.Err(); err != nil {
		line++
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, bad(invalid("line longer than %d bytes", MaxLineBytes))
		}
		return nil, bad(err)
	}
	return h, nil
}

func decodeHeader(b []byte) error {
	var hd header
	if err := strictUnmarshal(b, &hd); err != nil {
		return invalid("header: %w", err)
	}
	if hd.Format != Format {
		return invalid("header: format is %q, want %q", hd.Format, Format)
	}
	if hd.Version != Version {
		return invalid("header: unsupported version %d (this build reads version %d)", hd.Version, Version)
	}
	return nil
}

func decodeEvent(b []byte) (Event, error) {
	var e Event
	if len(bytes.TrimSpace(b)) == 0 {
		return e, invalid("blank line")
	}
	if err := strictUnmarshal(b, &e); err != nil {
		return e, invalid("%w", err)
	}
	return e, nil
}

// strictUnmarshal decodes exactly one JSON value and rejects unknown fields
// and trailing data.
func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
