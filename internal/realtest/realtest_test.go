package realtest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// recorder records how Missing ended a test.
type recorder struct{ failed, skipped string }

func (r *recorder) Helper()                        {}
func (r *recorder) Fatalf(format string, a ...any) { r.failed = fmt.Sprintf(format, a...) }
func (r *recorder) Skipf(format string, a ...any)  { r.skipped = fmt.Sprintf(format, a...) }

func TestMissingSkipsLocallyFailsUnderCI(t *testing.T) {
	t.Setenv("CI", "true")
	var r recorder
	Missing(&r, "x is not on the PATH", "the x tests")
	require.Equal(t, "x is not on the PATH, and CI=true requires the x tests to run", r.failed)
	require.Empty(t, r.skipped, "CI=true must fail, not skip")

	t.Setenv("CI", "")
	r = recorder{}
	Missing(&r, "x is not on the PATH", "the x tests")
	require.Empty(t, r.failed, "a local run must not fail")
	require.Equal(t, "x is not on the PATH: the x tests skipped", r.skipped)
}
