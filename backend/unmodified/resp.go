package unmodified

import (
	"bytes"
	"errors"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// errProtocol is a request that is not RESP: go-redis never writes one.
var errProtocol = errors.New("unmodified: malformed RESP request")

// parseRequest reads one command from the front of b, as go-redis writes
// it (an array of bulk strings). ok is false when b holds only part of it.
func parseRequest(b []byte) (args []string, rest []byte, ok bool, err error) {
	line, rest, ok := cutLine(b)
	if !ok {
		return nil, b, false, nil
	}
	if len(line) < 2 || line[0] != '*' {
		return nil, b, false, errProtocol
	}
	n, err := strconv.Atoi(string(line[1:]))
	if err != nil || n < 1 {
		return nil, b, false, errProtocol
	}
	args = make([]string, 0, n)
	for range n {
		var hdr []byte
		hdr, rest, ok = cutLine(rest)
		if !ok {
			return nil, b, false, nil
		}
		if len(hdr) < 2 || hdr[0] != '$' {
			return nil, b, false, errProtocol
		}
		l, err := strconv.Atoi(string(hdr[1:]))
		if err != nil || l < 0 {
			return nil, b, false, errProtocol
		}
		if len(rest) < l+2 {
			return nil, b, false, nil
		}
		args = append(args, string(rest[:l]))
		rest = rest[l+2:]
	}
	return args, rest, true, nil
}

func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.Index(b, []byte("\r\n"))
	if i < 0 {
		return nil, b, false
	}
	return b[:i], b[i+2:], true
}

// appendReply encodes a reply, as a Redis node of package sim returns it
// (go-redis's shapes), in RESP2: what go-redis reads off a socket.
func appendReply(b []byte, v any, err error) []byte {
	if err != nil {
		if errors.Is(err, redis.Nil) {
			return append(b, "$-1\r\n"...)
		}
		return append(append(append(b, '-'), err.Error()...), "\r\n"...)
	}
	switch v := v.(type) {
	case nil:
		return append(b, "$-1\r\n"...)
	case string:
		b = append(append(append(b, '$'), strconv.Itoa(len(v))...), "\r\n"...)
		return append(append(b, v...), "\r\n"...)
	case int64:
		return append(append(append(b, ':'), strconv.FormatInt(v, 10)...), "\r\n"...)
	case []any:
		b = append(append(append(b, '*'), strconv.Itoa(len(v))...), "\r\n"...)
		for _, x := range v {
			if e, ok := x.(error); ok {
				b = appendReply(b, nil, e)
				continue
			}
			b = appendReply(b, x, nil)
		}
		return b
	case error:
		return appendReply(b, nil, v)
	}
	return appendReply(b, nil, errors.New("ERR unmodified: unencodable reply"))
}
