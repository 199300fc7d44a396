// Package report prints per-repetition benchmark results in the line format
// that benchmarks/compare_with_go.sh parses:
//
//	name=BM_SpawnJoin items=10000 seconds=0.001234 items_per_second=8.1e6
package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rep prints one result line for a timed repetition that processed items
// items in d.
func Rep(name string, items int64, d time.Duration) {
	secs := d.Seconds()
	fmt.Printf("name=%s items=%d seconds=%.6f items_per_second=%s\n",
		name, items, secs, Rate(float64(items)/secs))
}

// Rate formats v with 4 significant digits in compact exponent form, e.g.
// 8100000 -> "8.1e6", 1234567 -> "1.235e6".
func Rate(v float64) string {
	s := strconv.FormatFloat(v, 'e', 3, 64) // e.g. "8.100e+06", "+Inf"
	i := strings.IndexByte(s, 'e')
	if i < 0 {
		return s
	}
	mant := strings.TrimRight(strings.TrimRight(s[:i], "0"), ".")
	exp, err := strconv.Atoi(s[i+1:])
	if err != nil {
		return s
	}
	return mant + "e" + strconv.Itoa(exp)
}
