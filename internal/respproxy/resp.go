package respproxy

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// readValue reads one whole RESP2 or RESP3 value from r and returns its
// bytes as they came, so that it is forwarded unchanged; args are its
// elements when it is an array of bulk strings (a command), else nil. The
// proxy never re-encodes anything: it only decides where a value ends.
func readValue(r *bufio.Reader) (raw []byte, args []string, err error) {
	raw, args, err = readInto(r, nil, true)
	return raw, args, err
}

// maxLen bounds a declared length, so that a corrupt stream cannot make the
// proxy allocate without limit (Redis's own proto-max-bulk-len is 512 MB).
const maxLen = 512 << 20

func readInto(r *bufio.Reader, raw []byte, top bool) ([]byte, []string, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return nil, nil, err
	}
	raw = append(raw, line...)
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return nil, nil, fmt.Errorf("respproxy: malformed line %q", line)
	}
	body := string(line[1 : len(line)-2])
	switch line[0] {
	case '+', '-', ':', '_', '#', ',', '(':
		return raw, nil, nil
	case '$', '!', '=':
		n, err := length(body)
		if err != nil || n < 0 {
			return raw, nil, err // a null bulk string has no payload
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, nil, err
		}
		return append(raw, buf...), nil, nil
	case '*', '~', '>', '%', '|':
		n, err := length(body)
		if err != nil || n < 0 {
			return raw, nil, err
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2 // a map or attribute holds n pairs
		}
		var args []string
		for i := 0; i < n; i++ {
			start := len(raw)
			raw, _, err = readInto(r, raw, false)
			if err != nil {
				return nil, nil, err
			}
			if top && line[0] == '*' {
				if a, ok := bulkPayload(raw[start:]); ok {
					args = append(args, a)
				}
			}
		}
		if len(args) != n {
			args = nil
		}
		return raw, args, nil
	}
	return nil, nil, fmt.Errorf("respproxy: unknown RESP type %q", line[0])
}

// bulkPayload returns the payload of one encoded bulk string.
func bulkPayload(b []byte) (string, bool) {
	if len(b) == 0 || b[0] != '$' {
		return "", false
	}
	for i := 1; i+1 < len(b); i++ {
		if b[i] == '\r' && b[i+1] == '\n' {
			return string(b[i+2 : len(b)-2]), true
		}
	}
	return "", false
}

func length(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("respproxy: bad length %q: %w", s, err)
	}
	if n > maxLen {
		return 0, errors.New("respproxy: length beyond 512 MB")
	}
	return n, nil
}
