package mutate

import (
	"fmt"
	"path"
)

// Compiles type-checks the package with m applied. It reports false and
// the first new type error when m adds one (an unused variable after a
// dropped statement, a missing return, a constant that overflows): such a
// mutant is "not compiled" and left out of the score. Type-checking in
// memory spares a build of simrun per such mutant; the real build stays
// the last word.
func (p *Package) Compiles(m Mutant) (bool, string, error) {
	if path.Dir(m.File) != p.dir {
		return false, "", fmt.Errorf("mutant %s: %s is not in %s", m.ID, m.File, p.dir)
	}
	_, _, _, _, errs, err := p.check(path.Base(m.File), m.Src)
	if err != nil {
		return false, err.Error(), nil // a mutant that does not parse does not compile
	}
	left := map[string]int{}
	for k, v := range p.baseErrs {
		left[k] = v
	}
	for _, e := range errs {
		if left[e] > 0 {
			left[e]--
			continue
		}
		return false, e, nil
	}
	return true, "", nil
}
