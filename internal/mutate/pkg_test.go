package mutate

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func writeFile(t *testing.T, dir, rel, text string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
}

// A package shaped like locks/: a registry of named constructors, two locks
// sharing a helper file, and a method nobody in the package calls.
const (
	regSrc = `package p

type entry struct {
	name  string
	build func() any
}

var registry = []entry{
	{"a", func() any { return NewA() }},
	{"b", func() any { return NewB() }},
}
`
	aSrc = `package p

type A struct{ n int }

func NewA() *A { return &A{n: 1} }

func (a *A) Lock() bool { return shared(a.n) }

func (a *A) Unlock() error {
	n := a.n
	if n != 1 {
		return errOwner
	}
	return nil
}
`
	bSrc = `package p

import "errors"

var errOwner = errors.New("not owner")

type B struct{}

func NewB() *B { return &B{} }

func (b *B) Lock() bool { return true }
`
	sharedSrc = `package p

const limit = 3

func shared(n int) bool { return n < limit }

func unused(n int) bool { return n > 0 }
`
)

func fakePackage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "p/registry.go", regSrc)
	writeFile(t, dir, "p/a.go", aSrc)
	writeFile(t, dir, "p/b.go", bSrc)
	writeFile(t, dir, "p/shared.go", sharedSrc)
	writeFile(t, dir, "p/a_test.go", "package p\n\nfunc broken( {\n") // test files are not the package
	return dir
}

func TestReachAssignsLocksByReference(t *testing.T) {
	dir := fakePackage(t)
	ms, err := Generate(dir, []string{"p/a.go", "p/b.go", "p/shared.go"})
	require.NoError(t, err)
	p, err := LoadPackage(dir, "p")
	require.NoError(t, err)
	require.NoError(t, p.Reach(ms))
	got := map[string][]string{}
	for _, m := range ms {
		got[m.Func] = m.Locks
	}
	require.Equal(t, map[string][]string{
		"NewA":     {"a"},
		"A.Unlock": {"a"},
		"limit":    {"a"}, // a constant, reached through shared
		"shared":   {"a"},
		"unused":   {"a"}, // reached by nothing: every lock reaching its file
	}, got)
}

func TestReachNeedsARegistry(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "p/shared.go", sharedSrc)
	ms, err := Generate(dir, []string{"p/shared.go"})
	require.NoError(t, err)
	p, err := LoadPackage(dir, "p")
	require.NoError(t, err)
	require.ErrorContains(t, p.Reach(ms), "registry")
}

func TestCompilesFindsNewTypeErrorsOnly(t *testing.T) {
	dir := fakePackage(t)
	// An import the importer cannot load: its errors are the baseline's and
	// must not make every mutant "not compiled".
	writeFile(t, dir, "p/ext.go", "package p\n\nimport \"example.com/nowhere/v2\"\n\nvar _ = nowhere.X\n")
	p, err := LoadPackage(dir, "p")
	require.NoError(t, err)
	require.NotEmpty(t, p.baseErrs)

	ok, why, err := p.Compiles(Mutant{ID: "M1", File: "p/a.go", Src: []byte(aSrc)})
	require.NoError(t, err)
	require.True(t, ok, why)

	unusedN := []byte(`package p

type A struct{ n int }

func NewA() *A { return &A{n: 1} }

func (a *A) Lock() bool { return shared(a.n) }

func (a *A) Unlock() error {
	n := a.n
	return nil
}
`)
	ok, why, err = p.Compiles(Mutant{ID: "M2", File: "p/a.go", Src: unusedN})
	require.NoError(t, err)
	require.False(t, ok)
	require.Contains(t, why, "declared and not used")

	ok, _, err = p.Compiles(Mutant{ID: "M3", File: "p/a.go", Src: []byte("package p\nfunc (")})
	require.NoError(t, err)
	require.False(t, ok, "a mutant that does not parse does not compile")

	_, _, err = p.Compiles(Mutant{ID: "M4", File: "q/a.go", Src: []byte(aSrc)})
	require.Error(t, err)
}

func TestDropsInTheFakeLockCompileOrNot(t *testing.T) {
	dir := fakePackage(t)
	ms, err := Generate(dir, []string{"p/a.go"})
	require.NoError(t, err)
	p, err := LoadPackage(dir, "p")
	require.NoError(t, err)
	var drops []string
	for _, m := range ms {
		if m.Operator != OpDrop {
			continue
		}
		ok, _, err := p.Compiles(m)
		require.NoError(t, err)
		drops = append(drops, m.Desc+map[bool]string{true: " ok", false: " broken"}[ok])
	}
	require.Equal(t, []string{
		"drop n := a.n broken", // n is used below
		"drop if n != 1 { return errOwner } (keeping n used) ok",
		"drop return errOwner ok",
		"drop return nil broken", // missing return
	}, drops)
}

func TestCopyTreeLeavesOutGitOutAndTheWorkDir(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "go.mod", "module m\n")
	writeFile(t, root, "locks/a.go", "package locks\n")
	writeFile(t, root, ".git/HEAD", "ref\n")
	writeFile(t, root, "out/artifact.json", "{}\n")
	writeFile(t, root, "work/w0/x", "x\n")
	writeFile(t, root, "scenario/out/kept.json", "{}\n") // only the top-level out is artifacts
	dst := filepath.Join(t.TempDir(), "tree")
	require.NoError(t, CopyTree(root, dst, filepath.Join(root, "work")))
	var got []string
	require.NoError(t, filepath.WalkDir(dst, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dst, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return err
	}))
	require.ElementsMatch(t, []string{"go.mod", "locks/a.go", "scenario/out/kept.json"}, got)
}
