package scenario

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Config.Tries reaches every built-in lock's options; 0 leaves the lock's
// own default.
func TestTriesReachTheLockOptions(t *testing.T) {
	for _, lock := range []string{"setnx", "lua", "fenced", "redlock"} {
		assert.Equal(t, 0, Config{Lock: lock}.lockOptions().Tries, lock)
		assert.Equal(t, 3, Config{Lock: lock, Tries: 3}.lockOptions().Tries, lock)
	}
}
