package redis

import (
	"strconv"
	"strings"
)

// cmdInfo is what exec needs to know about a command name.
type cmdInfo struct {
	readOnly bool
	keys     keyPos
	rescan   bool // may touch keys it does not name
}

// keyPos says which arguments of a command name keys.
type keyPos uint8

const (
	keysFirst keyPos = iota // args[1]
	keysNone
	keysAll  // args[1:]
	keysEval // numkeys at args[2], then the keys
	keysPairs
)

func (rn *Node) cmdInfo(name string) cmdInfo {
	if ci, ok := rn.info[name]; ok {
		return ci
	}
	ci := cmdInfo{readOnly: rn.m.Server().IsReadOnlyCommand(name)}
	switch strings.ToUpper(name) {
	case "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO":
		ci.keys = keysEval
	case "DEL", "UNLINK", "EXISTS", "MGET", "TOUCH", "WATCH":
		ci.keys = keysAll
	case "MSET", "MSETNX":
		ci.keys = keysPairs
	case "EXEC", "FLUSHALL", "FLUSHDB", "SWAPDB", "RENAME", "RENAMENX", "MOVE", "COPY":
		ci.keys = keysNone
		ci.rescan = true
	case "PING", "SCRIPT", "MULTI", "DISCARD", "TIME", "INFO", "SELECT", "ECHO", "DBSIZE", "KEYS", "SCAN":
		ci.keys = keysNone
	}
	rn.info[name] = ci
	return ci
}

// commandKeys returns the arguments of a command that name keys: the KEYS
// of EVAL and EVALSHA, every argument of multi-key commands, else the first.
func commandKeys(kp keyPos, args []string) []string {
	if len(args) < 2 {
		return nil
	}
	switch kp {
	case keysEval:
		if len(args) < 3 {
			return nil
		}
		n, err := strconv.Atoi(args[2])
		if err != nil || n < 0 || 3+n > len(args) {
			return nil
		}
		return args[3 : 3+n]
	case keysAll:
		return args[1:]
	case keysPairs:
		var ks []string
		for i := 1; i < len(args); i += 2 {
			ks = append(ks, args[i])
		}
		return ks
	case keysNone:
		return nil
	}
	return args[1:2]
}
