package mutants

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	return p
}

const sample = `name: off-by-one
why: the loop stops one early
file: pkg/a.go
test: ./pkg ./other
run: TestA
<<<<
for i := 0; i < n; i++ {
	sum += i
====
for i := 0; i < n-1; i++ {
	sum += i
>>>>
<<<<
return sum
====
return 0
>>>>
`

func TestParseAndApply(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "defs/a.mutant", sample)
	m, err := Parse(p)
	require.NoError(t, err)
	require.Equal(t, "off-by-one", m.Name)
	require.Equal(t, []string{"./pkg", "./other"}, m.Tests)
	require.Equal(t, "TestA", m.Run)
	require.Len(t, m.Edits, 2)
	require.Equal(t, "for i := 0; i < n; i++ {\n\tsum += i", m.Edits[0].From)

	root := filepath.Join(dir, "root")
	write(t, root, "pkg/a.go", "func f(n int) int {\n\tsum := 0\nfor i := 0; i < n; i++ {\n\tsum += i\n}\nreturn sum\n}\n")
	require.NoError(t, m.Apply(root))
	got, err := os.ReadFile(filepath.Join(root, "pkg/a.go"))
	require.NoError(t, err)
	require.Equal(t, "func f(n int) int {\n\tsum := 0\nfor i := 0; i < n-1; i++ {\n\tsum += i\n}\nreturn 0\n}\n", string(got))
}

func TestApplyReportsStale(t *testing.T) {
	dir := t.TempDir()
	m, err := Parse(write(t, dir, "a.mutant", sample))
	require.NoError(t, err)
	for name, src := range map[string]string{
		"missing": "func f() {}\n",
		"twice":   "for i := 0; i < n; i++ {\n\tsum += i\nfor i := 0; i < n; i++ {\n\tsum += i\nreturn sum\n",
	} {
		root := filepath.Join(dir, name)
		write(t, root, "pkg/a.go", src)
		err := m.Apply(root)
		require.ErrorIs(t, err, ErrStale, name)
		require.Contains(t, err.Error(), "off-by-one", name)
	}
}

func TestParseRejects(t *testing.T) {
	for name, text := range map[string]string{
		"no block":      "name: a\nfile: f.go\ntest: ./x\n",
		"no name":       "file: f.go\ntest: ./x\n<<<<\na\n====\nb\n>>>>\n",
		"unterminated":  "name: a\nfile: f.go\ntest: ./x\n<<<<\na\n====\nb\n",
		"unknown key":   "name: a\nfile: f.go\ntest: ./x\ncolour: red\n<<<<\na\n====\nb\n>>>>\n",
		"empty from":    "name: a\nfile: f.go\ntest: ./x\n<<<<\n====\nb\n>>>>\n",
		"not key value": "name: a\nfile f.go\n",
	} {
		_, err := Parse(write(t, t.TempDir(), "m.mutant", text))
		require.Error(t, err, name)
	}
}

// TestRepositoryMutantsParse keeps the mutants of the repository readable
// and unique; whether each is still killed is scripts/mutants' job.
func TestRepositoryMutantsParse(t *testing.T) {
	ms, err := Load(filepath.Join("..", "..", "scripts", "mutants.d"))
	require.NoError(t, err)
	root := filepath.Join("..", "..")
	for _, m := range ms {
		src, err := os.ReadFile(filepath.Join(root, m.File))
		require.NoError(t, err, "mutant %s names a missing file", m.Name)
		for i, e := range m.Edits {
			require.Equal(t, 1, countOf(string(src), e.From), "mutant %s block %d is stale: its original text must occur once in %s", m.Name, i+1, m.File)
		}
	}
}
