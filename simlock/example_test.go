package simlock_test

import (
	"fmt"

	"github.com/locksim/locksim/simlock"
)

// The published libraries' scripts that run as Go code in the simulator,
// each under the SHA-1 of its exact body at the version shown; any other
// body runs in the Lua interpreter.
func ExampleLibraryScripts() {
	for _, ls := range simlock.LibraryScripts() {
		fmt.Printf("%s %s %-20s %s %s\n", ls.Module, ls.Version, ls.Var, ls.SHA1, ls.FastPath.Name())
	}
	// Output:
	// github.com/go-redsync/redsync/v4 v4.18.1 deleteScript         e950836ed1e694540c503ef9972b8de518044d3b redsync.deleteScript
	// github.com/go-redsync/redsync/v4 v4.18.1 touchScript          d75bb8b5bd13532ddedd17762e772346e39b321e redsync.touchScript
	// github.com/go-redsync/redsync/v4 v4.18.1 touchWithSetNXScript b6b55c439e02c6f52ffb8be7ec8c0d0ac816ea79 redsync.touchWithSetNXScript
	// github.com/bsm/redislock v0.9.4 luaObtain            80a1b5f2cfccec3b7119ba7721d2127682b691a7 redislock.luaObtain
	// github.com/bsm/redislock v0.9.4 luaPTTL              6484da7d58920897fdc22b7f9afd1a3d47524ea8 redislock.luaPTTL
	// github.com/bsm/redislock v0.9.4 luaRefresh           a7aba3bc5d6e99b3003da8b9d80a63b9f4092ecf extend
	// github.com/bsm/redislock v0.9.4 luaRelease           cf0e94b2e9ffc7e04395cf88f7583fc309985910 release
}
