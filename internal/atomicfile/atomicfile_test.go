package atomicfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// leftovers lists what is in dir besides name.
func leftovers(t *testing.T, dir, name string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range es {
		if e.Name() != name {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestWriteFileReplacesWholeAndReadable(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.json")
	require.NoError(t, os.WriteFile(p, []byte("old"), 0o600))
	require.NoError(t, WriteFile(p, []byte("new")))
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Equal(t, "new", string(b))
	st, err := os.Stat(p)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644), st.Mode().Perm())
	require.Empty(t, leftovers(t, dir, "f.json"))
}

// Until Commit the target keeps its old content; Abort leaves it so and
// removes the temporary file.
func TestAbortLeavesTheTarget(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.json")
	require.NoError(t, os.WriteFile(p, []byte("old"), 0o644))
	f, err := Create(p)
	require.NoError(t, err)
	_, err = f.Write([]byte("half"))
	require.NoError(t, err)
	b, _ := os.ReadFile(p)
	require.Equal(t, "old", string(b), "the target changed before Commit")
	f.Abort()
	b, _ = os.ReadFile(p)
	require.Equal(t, "old", string(b))
	require.Empty(t, leftovers(t, dir, "f.json"))
}

func TestCreateInAMissingDirectoryFails(t *testing.T) {
	require.Error(t, WriteFile(filepath.Join(t.TempDir(), "no", "f.json"), nil))
}
