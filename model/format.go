package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// secs renders a true time as seconds with millisecond precision.
func secs(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }

// millis renders a duration in milliseconds, with decimals only when needed.
func millis(d time.Duration) string {
	if d%time.Millisecond == 0 {
		return fmt.Sprintf("%dms", d/time.Millisecond)
	}
	return fmt.Sprintf("%.3fms", float64(d)/float64(time.Millisecond))
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// balancesString renders balances in account order.
func balancesString(b map[string]int64) string {
	parts := make([]string, 0, len(b))
	for _, k := range sortedKeys(b) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, b[k]))
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// plural renders "1 access" or "n accesses".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
