// Package mutants reads the hand-written mutants of locksim's oracles and
// applies them to a copy of the source tree.
//
// A mutant is a small, deliberate bug in the code that judges the simulator
// (the trace hash, the scheduler's seed, the aging guard, the way a timed-out
// acquire is recorded...). Each one must make a package's ordinary
// `go test` fail: a mutant that survives is an oracle that cannot fail.
//
// A mutant file (scripts/mutants.d/NAME.mutant) is plain text:
//
//	name: seed-ignored
//	why: the world's random source ignores the seed
//	file: sim/world.go
//	test: ./sim
//	run: TestSeed            (optional: a -run pattern)
//	<<<<
//	exact original text
//	====
//	replacement text
//	>>>>
//
// Several blocks may follow; each original text must occur exactly once in
// the file, so that a mutant whose code moved is reported stale instead of
// silently mutating nothing.
package mutants

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Mutant is one deliberate bug.
type Mutant struct {
	Name  string   // short name, unique
	Why   string   // what it breaks
	File  string   // path relative to the repository root
	Tests []string // packages to test, e.g. ./sim
	Run   string   // optional -run pattern
	Edits []Edit   // replacements, applied in order
	Path  string   // the mutant file it was read from
}

// Edit replaces the only occurrence of From with To.
type Edit struct{ From, To string }

// ErrStale means a mutant's original text is not in its file exactly once:
// the code it mutates has changed, and the mutant must be rewritten.
var ErrStale = errors.New("stale mutant")

// Load reads every *.mutant file of dir, sorted by name.
func Load(dir string) ([]Mutant, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.mutant"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var ms []Mutant
	seen := map[string]string{}
	for _, p := range paths {
		m, err := Parse(p)
		if err != nil {
			return nil, err
		}
		if prev, ok := seen[m.Name]; ok {
			return nil, fmt.Errorf("%s: name %q already used by %s", p, m.Name, prev)
		}
		seen[m.Name] = p
		ms = append(ms, m)
	}
	return ms, nil
}

// Parse reads one mutant file.
func Parse(path string) (Mutant, error) {
	f, err := os.Open(path)
	if err != nil {
		return Mutant{}, err
	}
	defer f.Close()
	m := Mutant{Path: path}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	const (
		header = iota
		from
		to
	)
	state, line := header, 0
	var cur Edit
	var buf []string
	for sc.Scan() {
		line++
		text := sc.Text()
		switch {
		case state == header && text == "<<<<":
			state, buf = from, nil
		case state == header && strings.TrimSpace(text) == "":
		case state == header:
			key, val, ok := strings.Cut(text, ":")
			if !ok {
				return m, fmt.Errorf("%s:%d: want \"key: value\" or <<<<, got %q", path, line, text)
			}
			val = strings.TrimSpace(val)
			switch strings.TrimSpace(key) {
			case "name":
				m.Name = val
			case "why":
				m.Why = val
			case "file":
				m.File = val
			case "test":
				m.Tests = strings.Fields(val)
			case "run":
				m.Run = val
			default:
				return m, fmt.Errorf("%s:%d: unknown key %q", path, line, key)
			}
		case state == from && text == "====":
			cur.From, state, buf = strings.Join(buf, "\n"), to, nil
		case state == to && text == ">>>>":
			cur.To = strings.Join(buf, "\n")
			m.Edits = append(m.Edits, cur)
			cur, state = Edit{}, header
		default:
			buf = append(buf, text)
		}
	}
	if err := sc.Err(); err != nil {
		return m, err
	}
	switch {
	case state != header:
		return m, fmt.Errorf("%s: unterminated block (want ==== and >>>>)", path)
	case m.Name == "" || m.File == "" || len(m.Tests) == 0:
		return m, fmt.Errorf("%s: name, file and test are required", path)
	case len(m.Edits) == 0:
		return m, fmt.Errorf("%s: no <<<< ==== >>>> block", path)
	}
	for i, e := range m.Edits {
		if e.From == "" {
			return m, fmt.Errorf("%s: block %d has no original text", path, i+1)
		}
	}
	return m, nil
}

// Apply rewrites m.File under root with m's edits. It returns ErrStale,
// naming the block, when an original text is missing or ambiguous.
func (m Mutant) Apply(root string) error {
	path := filepath.Join(root, m.File)
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	text := string(src)
	for i, e := range m.Edits {
		if n := strings.Count(text, e.From); n != 1 {
			return fmt.Errorf("%w %s: block %d occurs %d times in %s (want once)", ErrStale, m.Name, i+1, n, m.File)
		}
		text = strings.Replace(text, e.From, e.To, 1)
	}
	return os.WriteFile(path, []byte(text), 0o644)
}

func countOf(s, sub string) int { return strings.Count(s, sub) }
