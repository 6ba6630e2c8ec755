package redis

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Error is an error reply of a Redis node; its text is the reply's.
// Like go-redis's errors it has a Error method.
type Error string

func (e Error) Error() string { return string(e) }

// Error marks e as a Redis error reply (go-redis's redis.Error).
func (Error) RedisError() {}

var errBadReply = errors.New("malformed reply")

// errNil is the nil reply as a Conn returns it: go-redis's redis.Nil (which
// package locks calls ErrNil), converted to an error once: converting it (a
// string type) at every nil reply would allocate.
var errNil error = redis.Nil

// parseReply decodes one RESP2 reply, shaped as go-redis shapes it.
func parseReply(b []byte) (any, error) {
	if v, err, ok := parseCommon(b); ok {
		return v, err
	}
	v, rest, err := parseValue(b)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("parse reply: %d trailing bytes: %w", len(rest), errBadReply)
	}
	switch v := v.(type) {
	case nil:
		return nil, errNil
	case Error:
		return nil, v
	}
	return v, nil
}

func parseValue(b []byte) (any, []byte, error) {
	i := bytes.Index(b, []byte("\r\n"))
	if len(b) == 0 || i < 0 {
		return nil, nil, fmt.Errorf("parse reply %q: %w", b, errBadReply)
	}
	line, rest := b[1:i], b[i+2:]
	switch b[0] {
	case '+':
		return string(line), rest, nil
	case '-':
		return Error(line), rest, nil
	case ':':
		n, err := strconv.ParseInt(string(line), 10, 64)
		if err != nil {
			return nil, nil, fmt.Errorf("parse integer reply: %w", err)
		}
		return n, rest, nil
	case '$':
		n, err := strconv.Atoi(string(line))
		if err != nil {
			return nil, nil, fmt.Errorf("parse bulk length: %w", err)
		}
		if n < 0 {
			return nil, rest, nil
		}
		if len(rest) < n+2 {
			return nil, nil, fmt.Errorf("parse bulk reply: short: %w", errBadReply)
		}
		return string(rest[:n]), rest[n+2:], nil
	case '*':
		n, err := strconv.Atoi(string(line))
		if err != nil {
			return nil, nil, fmt.Errorf("parse array length: %w", err)
		}
		if n < 0 {
			return nil, rest, nil
		}
		arr := make([]any, n)
		for k := range arr {
			var v any
			v, rest, err = parseValue(rest)
			if err != nil {
				return nil, nil, err
			}
			arr[k] = v
		}
		return arr, rest, nil
	}
	return nil, nil, fmt.Errorf("parse reply type %q: %w", b[0], errBadReply)
}

// argString renders one command argument as go-redis does.
func argString(a any) string {
	switch v := a.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case int32:
		return strconv.FormatInt(int64(v), 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	case uint32:
		return strconv.FormatUint(uint64(v), 10)
	case uint:
		return strconv.FormatUint(uint64(v), 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(v), 'f', -1, 32)
	case bool:
		if v {
			return "1"
		}
		return "0"
	case time.Duration:
		return strconv.FormatInt(v.Nanoseconds(), 10)
	case time.Time:
		return v.Format(time.RFC3339Nano)
	case nil:
		return ""
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprint(a)
}

// replyString renders a reply for the trace.
func replyString(v any, err error) string {
	if err != nil {
		return "!" + err.Error()
	}
	switch v := v.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case nil:
		return "(nil)"
	case []any:
		var b []byte
		b = append(b, '[')
		for i, x := range v {
			if i > 0 {
				b = append(b, ' ')
			}
			b = append(b, replyString(x, nil)...)
		}
		return string(append(b, ']'))
	case Error:
		return "!" + string(v)
	}
	return fmt.Sprint(v)
}

// parseCommon decodes, without allocating, the replies a lock gets most:
// +OK, a nil bulk and small integers (boxing an int64 below 256 does not
// allocate). ok is false for any other reply.
func parseCommon(b []byte) (v any, err error, ok bool) {
	switch {
	case len(b) < 4 || b[len(b)-2] != '\r' || b[len(b)-1] != '\n':
		return nil, nil, false
	case string(b) == "+OK\r\n":
		return "OK", nil, true
	case string(b) == "$-1\r\n":
		return nil, errNil, true
	case b[0] == ':' && len(b) == 4 && b[1] >= '0' && b[1] <= '9':
		return int64(b[1] - '0'), nil, true
	}
	return nil, nil, false
}
