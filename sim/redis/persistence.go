package redis

import (
	"fmt"
	"time"
)

// Persistence is what a Redis node keeps across a crash.
type Persistence int

const (
	// PersistNone keeps nothing: the node restarts empty.
	PersistNone Persistence = iota
	// PersistEverysec (appendfsync everysec) keeps every acknowledged
	// write across a process crash (it reached the kernel before the
	// reply) and, across a host crash, the writes up to the last fsync,
	// which runs once a second.
	PersistEverysec
	// PersistAlways keeps every acknowledged write (appendfsync always).
	PersistAlways
)

// EverysecWindow is the period of PersistEverysec's fsyncs: at most how far
// back before a host crash it loses acknowledged writes.
const EverysecWindow = time.Second

func (p Persistence) String() string {
	switch p {
	case PersistNone:
		return "none"
	case PersistEverysec:
		return "everysec"
	case PersistAlways:
		return "always"
	}
	return fmt.Sprintf("Persistence(%d)", int(p))
}

// ParsePersistence parses "none", "everysec" or "always".
func ParsePersistence(s string) (Persistence, error) {
	switch s {
	case "none":
		return PersistNone, nil
	case "everysec":
		return PersistEverysec, nil
	case "always":
		return PersistAlways, nil
	}
	return 0, fmt.Errorf("persistence %q is not none, everysec or always: %w", s, ErrBadPersistence)
}

// ErrBadPersistence is wrapped by ParsePersistence's errors.
var ErrBadPersistence = fmt.Errorf("unknown persistence mode")

// MarshalText encodes p as its name.
func (p Persistence) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText decodes a name written by MarshalText.
func (p *Persistence) UnmarshalText(b []byte) error {
	v, err := ParsePersistence(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// surviving returns the part of log that p keeps after a crash at crashAt:
// of the host if host, when everysec's fsyncs ran at phase + k·EverysecWindow.
func (p Persistence) surviving(log *writeLog, crashAt time.Duration, host bool, phase time.Duration) writeLog {
	switch {
	case p == PersistAlways, p == PersistEverysec && !host:
		return log.prefix(log.Len())
	case p == PersistEverysec:
		cut := lastFsync(crashAt, phase)
		// compaction kept in the tail every entry that may be after cut
		n := log.Len()
		for n > log.base() && log.at(n-1) > cut {
			n--
		}
		return log.prefix(n)
	}
	return writeLog{}
}

// lastFsync is the last instant at or before crashAt of the fsyncs at
// phase + k·EverysecWindow (k >= 0); before the first, -1.
func lastFsync(crashAt, phase time.Duration) time.Duration {
	if crashAt < phase {
		return -1
	}
	return crashAt - (crashAt-phase)%EverysecWindow
}
