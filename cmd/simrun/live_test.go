package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/locksim/locksim/internal/realredis"
)

// childServers lists the PIDs of the redis-servers whose parent is pid.
func childServers(t *testing.T, pid int) []int {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	require.NoError(t, err)
	var out []int
	for _, s := range stats {
		b, err := os.ReadFile(s)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid ...
		line := string(b)
		open, end := strings.IndexByte(line, '('), strings.LastIndexByte(line, ')')
		if open < 0 || end < 0 || !strings.HasPrefix(line[open+1:end], "redis-server") {
			continue
		}
		f := strings.Fields(line[end+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			p, _ := strconv.Atoi(strings.Fields(line)[0])
			out = append(out, p)
		}
	}
	return out
}

// A Ctrl-C of simrun live stops every redis-server it started, by PID,
// before it exits.
func TestLiveCtrlCStopsServers(t *testing.T) {
	realredis.Require(t, false)
	enc, err := json.Marshal([]string{"live", "--lock", "redlock", "--scenario", "gc-pause"})
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childArgsEnv+"="+string(enc))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	var servers []int
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if servers = childServers(t, cmd.Process.Pid); len(servers) == 5 {
			break
		}
	}
	require.Len(t, servers, 5, "redlock's five servers started")
	time.Sleep(500 * time.Millisecond) // the run is under way
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	err = cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 130, ee.ExitCode(), "stderr: %s", stderr.String())
	for _, pid := range servers {
		assert.True(t, gone(pid), "redis-server %d still runs", pid)
	}
}

// gone reports whether process pid has ended: no longer there, or a
// zombie (killed, and waiting for whoever inherited it to reap it).
func gone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	line := string(b)
	f := strings.Fields(line[strings.LastIndexByte(line, ')')+1:])
	return len(f) > 0 && f[0] == "Z"
}
