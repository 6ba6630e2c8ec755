package redis

import (
	"crypto/sha1"
	"encoding/hex"
	"strings"
)

// Script errors in Redis 7's words. miniredis reports an error raised
// while a script runs as a compile error with a Lua traceback:
//
//	ERR Error compiling script (new function): :1: WRONGTYPE Operation … stack traceback: …
//
// where Redis 7 answers the error of the command, with its own code, and
// where it came from:
//
//	WRONGTYPE Operation … script: <sha>, on @user_script:1.
//
// and, for an error the script raised itself (error("boom")),
//
//	ERR user_script:1: boom script: <sha>, on @user_script:1.
//
// So a client that tells WRONGTYPE from ERR (or matches the text) sees the
// same error from the node as from Redis. Compile errors (a script that
// does not parse) keep miniredis's text.

const (
	luaRuntimePrefix = "ERR Error compiling script (new function): :"
	luaTraceback     = " stack traceback:"
)

// scriptErrorText rewrites the error text msg of an EVAL (arg: the body)
// or EVALSHA (arg: the digest), or their _RO forms, as Redis 7 words it; other texts are returned unchanged.
func scriptErrorText(cmd, arg, msg string) string {
	rest, ok := strings.CutPrefix(msg, luaRuntimePrefix)
	if !ok {
		return msg
	}
	colon := strings.IndexByte(rest, ':')
	if colon <= 0 || strings.Trim(rest[:colon], "0123456789") != "" {
		return msg
	}
	line := rest[:colon]
	body, trace, ok := strings.Cut(strings.TrimPrefix(rest[colon+1:], " "), luaTraceback)
	if !ok {
		return msg
	}
	sha := arg
	if !strings.HasPrefix(strings.ToUpper(cmd), "EVALSHA") {
		sum := sha1.Sum([]byte(arg))
		sha = hex.EncodeToString(sum[:])
	} else {
		sha = strings.ToLower(sha)
	}
	where := " script: " + sha + ", on @user_script:" + line + "."
	if !strings.Contains(trace, "in function 'call'") {
		return "ERR user_script:" + line + ": " + body + where // error() in the script
	}
	// an error reply of redis.call: miniredis's own hints end in "script: <sha>, &c."
	if i := strings.Index(body, " script: "); i >= 0 && strings.HasSuffix(body, ", &c.") {
		body = body[:i]
	}
	if strings.HasPrefix(body, "ERR wrong number of arguments for ") {
		body = "ERR Wrong number of args calling Redis command from script"
	}
	if !hasErrorCode(body) {
		body = "ERR " + body
	}
	return body + where
}

// hasErrorCode reports whether an error text starts with an error code:
// an upper-case word (ERR, WRONGTYPE, NOSCRIPT …).
func hasErrorCode(s string) bool {
	code, _, ok := strings.Cut(s, " ")
	if !ok || code == "" {
		return false
	}
	return strings.ToUpper(code) == code && strings.Trim(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == ""
}

// scriptError is the error reply msg of an interpreted script (args: the
// EVAL or EVALSHA) as Redis 7 gives it. Redis caches a script that
// compiled before it runs it, so an EVAL that failed while running leaves
// its script cached, where miniredis does not: the node loads it.
func (rn *Node) scriptError(args []string, msg string) error {
	text := scriptErrorText(args[0], args[1], msg)
	if text != msg && strings.HasPrefix(strings.ToUpper(args[0]), "EVAL") && !strings.HasPrefix(strings.ToUpper(args[0]), "EVALSHA") {
		rn.scripts.call("SCRIPT", "LOAD", args[1])
	}
	return Error(text)
}
