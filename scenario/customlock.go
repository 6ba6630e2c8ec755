package scenario

import (
	"errors"
	"fmt"
	"strings"

	"github.com/locksim/locksim/locks"
)

// ErrCustomLock is wrapped by the error of a run (Run, Replay, Shrink)
// whose config names a custom lock (Config.CustomLock) but whose options
// give no constructor (Options.NewLock): only the user's Go code can build
// that lock.
var ErrCustomLock = errors.New("custom lock")

// CustomLockHint is the one sentence that says how to replay the artifact
// at path of the custom lock name, which no command-line tool can build.
func CustomLockHint(name, path string) string {
	return fmt.Sprintf("the artifact records the custom lock %q, which only its constructor builds: replay it from Go with scenario.CheckArtifact(t, %q, yourConstructor)", name, path)
}

// customLock resolves the name of the lock under test in a run of cfg with
// opts: "" for a built-in lock, else the custom lock's name, from
// opts.LockName, else cfg.CustomLock, else "custom-" + cfg.Lock.
func customLock(cfg Config, opts Options) (string, error) {
	if opts.NewLock == nil {
		switch {
		case opts.LockName != "":
			return "", fmt.Errorf("%w: Options.LockName %q is set, but Options.NewLock is not", ErrBadConfig, opts.LockName)
		case cfg.CustomLock != "":
			return "", fmt.Errorf("%w %q: the config names it, but Options.NewLock gives no constructor (replay it from Go: scenario.CheckArtifact or scenario.ReplayFile with Options.NewLock)", ErrCustomLock, cfg.CustomLock)
		}
		return "", nil
	}
	name := opts.LockName
	if name == "" {
		name = cfg.CustomLock
	}
	if name == "" {
		name = "custom-" + cfg.Lock
	}
	if err := validLockName(name); err != nil {
		return "", err
	}
	return name, nil
}

// validLockName: a custom lock's name goes into file names and must never
// be taken for a built-in lock.
func validLockName(name string) error {
	for _, n := range locks.Names() {
		if strings.EqualFold(n, name) {
			return fmt.Errorf("%w: lock name %q is a built-in lock's: name the custom lock otherwise", ErrBadConfig, name)
		}
	}
	if len(name) > 64 {
		return fmt.Errorf("%w: lock name %q is longer than 64 bytes", ErrBadConfig, name)
	}
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || i > 0 && (r == '-' || r == '_' || r == '.')
		if !ok {
			return fmt.Errorf("%w: lock name %q: want letters, digits, and '-', '_', '.' after the first", ErrBadConfig, name)
		}
	}
	return nil
}

// customFilePrefix is the start of the artifact name of a custom lock: it
// always starts with "custom", which no built-in lock's name does, so a
// custom lock's artifacts never overwrite a built-in lock's.
func customFilePrefix(name string) string {
	if strings.HasPrefix(strings.ToLower(name), "custom") {
		return name
	}
	return "custom-" + name
}
