package histories

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteLoadRoundTrip(t *testing.T) {
	h := sampleHistory()
	require.NoError(t, h.Validate())
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, h))
	first, _, _ := strings.Cut(buf.String(), "\n")
	assert.Equal(t, `{"format":"locksim-history","version":1}`, first)
	got, err := Load(&buf, "h.jsonl")
	require.NoError(t, err)
	assert.Equal(t, h, got)
}

func TestLoadReportsFirstBadLine(t *testing.T) {
	const hdr = `{"format":"locksim-history","version":1}` + "\n"
	inv := `{"time":10,"type":"invoke","op":"acquire","op_id":1,"process":1,"node":"c1","key":"L"}` + "\n"
	tests := []struct {
		name, input, want string
	}{
		{"empty file", "", "h.jsonl: empty file"},
		{"not a header", `{"time":1}` + "\n", "h.jsonl:1: header: json: unknown field \"time\""},
		{"wrong format", `{"format":"other","version":1}` + "\n", `h.jsonl:1: header: format is "other", want "locksim-history"`},
		{"wrong version", `{"format":"locksim-history","version":9}` + "\n", "h.jsonl:1: header: unsupported version 9 (this build reads version 1)"},
		{"not json", hdr + "{oops\n", "h.jsonl:2: invalid character 'o'"},
		{"unknown field", hdr + `{"time":1,"type":"invoke","colour":"red"}` + "\n", `h.jsonl:2: json: unknown field "colour"`},
		{"unknown type", hdr + `{"time":1,"type":"maybe","op":"acquire"}` + "\n", `h.jsonl:2: unknown type "maybe"`},
		{"missing type", hdr + `{"time":1,"op":"acquire"}` + "\n", `h.jsonl:2: missing field "type"`},
		{"unknown op", hdr + `{"time":1,"type":"observed","op":"dance"}` + "\n", `h.jsonl:2: unknown op "dance"`},
		{"unknown client op", hdr + `{"time":1,"type":"invoke","op":"dance"}` + "\n", `h.jsonl:2: unknown op "dance"`},
		{"observed op as client op", hdr + `{"time":1,"type":"ok","op":"expire"}` + "\n", `h.jsonl:2: op "expire" must have type observed, not "ok"`},
		{"client op as observed", hdr + `{"time":1,"type":"observed","op":"acquire"}` + "\n", `h.jsonl:2: client op "acquire" cannot have type observed`},
		{"missing op_id", hdr + `{"time":1,"type":"invoke","op":"acquire","process":1,"node":"c1","key":"L"}` + "\n", `h.jsonl:2: invoke acquire: missing field "op_id" (must be > 0)`},
		{"missing node", hdr + `{"time":1,"type":"invoke","op":"acquire","op_id":1,"key":"L"}` + "\n", `h.jsonl:2: invoke acquire: missing field "node"`},
		{"completion without invoke", hdr + `{"time":1,"type":"ok","op":"acquire","op_id":4,"process":1,"node":"c1","key":"L"}` + "\n", "h.jsonl:2: ok acquire: completion without invoke (op_id 4)"},
		{"time backwards", hdr + inv + `{"time":5,"type":"ok","op":"acquire","op_id":1,"process":1,"node":"c1","key":"L"}` + "\n", "h.jsonl:3: time goes backwards: 5ns after 10ns"},
		{"completion mismatch", hdr + inv + `{"time":11,"type":"ok","op":"release","op_id":1,"process":1,"node":"c1","key":"L"}` + "\n", `h.jsonl:3: ok release: op_id 1 was invoked as acquire by process 1 on key "L"`},
		{"reused op_id", hdr + inv + inv, "h.jsonl:3: invoke reuses op_id 1"},
		{"completed after crash", hdr + inv + `{"time":11,"type":"observed","op":"crash","process":1,"node":"c1"}` + "\n" + `{"time":12,"type":"info","op":"acquire","op_id":1,"process":1,"node":"c1","key":"L"}` + "\n", "h.jsonl:4: info acquire: op_id 1 completes after process 1 crashed"},
		{"storage without outcome", hdr + `{"time":1,"type":"observed","op":"storage-read","node":"s","key":"k"}` + "\n", `h.jsonl:2: storage-read: missing field "outcome"`},
		{"fault-end without start", hdr + `{"time":1,"type":"observed","op":"fault-end","fault_id":3}` + "\n", "h.jsonl:2: fault-end without fault-start (fault_id 3)"},
		{"ok read without value", hdr + `{"time":1,"type":"invoke","op":"read","op_id":1,"node":"c","key":"k"}` + "\n" + `{"time":2,"type":"ok","op":"read","op_id":1,"node":"c","key":"k"}` + "\n", `h.jsonl:3: ok read: missing field "counter" or "balances"`},
		{"blank line", hdr + "\n", "h.jsonl:2: blank line"},
		{"trailing data", hdr + `{"time":1,"type":"observed","op":"crash","node":"c"} {}` + "\n", "h.jsonl:2: trailing data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(strings.NewReader(tt.input), "h.jsonl")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.True(t, errors.Is(err, ErrInvalid), "wraps ErrInvalid: %v", err)
		})
	}
}

func TestValidateNamesEvent(t *testing.T) {
	h := sampleHistory()
	h[3].Key = ""
	err := h.Validate()
	require.Error(t, err)
	assert.Equal(t, `event 4: invoke read: missing field "key"`, err.Error())
}

func TestOperationsPairsByOpID(t *testing.T) {
	h := sampleHistory()
	h = append(h, Event{Time: ms(4000), Type: Invoke, Op: OpAcquire, OpID: 9, Process: 3, Node: "c3", Key: "L"})
	ops := h.Operations()
	require.Len(t, ops, 9)
	assert.Equal(t, 1, ops[0].Invoke.OpID)
	assert.Equal(t, OK, ops[0].Status())
	assert.Equal(t, 2, ops[0].CompletionIndex)
	assert.Equal(t, Fail, ops[6].Status())
	assert.Equal(t, Info, ops[8].Status(), "never completed: indeterminate")
	assert.Nil(t, ops[8].Completion)

	storage := h.Filter(func(e Event) bool { return e.IsStorageAccess() })
	assert.Len(t, storage, 4)
}
