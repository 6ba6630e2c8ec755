package sim

import (
	"fmt"
	"time"
)

// Persistence is what a Redis node keeps across a crash.
type Persistence int

const (
	// PersistNone keeps nothing: the node restarts empty.
	PersistNone Persistence = iota
	// PersistEverysec keeps the writes acknowledged more than a second
	// before the crash (appendfsync everysec).
	PersistEverysec
	// PersistAlways keeps every acknowledged write (appendfsync always).
	PersistAlways
)

// EverysecWindow is how far back before a crash PersistEverysec loses
// acknowledged writes.
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

// surviving returns the part of log that p keeps after a crash at crashAt.
func (p Persistence) surviving(log *writeLog, crashAt time.Duration) writeLog {
	switch p {
	case PersistAlways:
		return log.prefix(log.Len())
	case PersistEverysec:
		cut := crashAt - EverysecWindow
		// compaction kept in the tail every entry that may be after cut
		n := log.Len()
		for n > log.base() && log.at(n-1) > cut {
			n--
		}
		return log.prefix(n)
	}
	return writeLog{}
}
