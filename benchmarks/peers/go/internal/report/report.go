// Package report holds the driver shared by the Go peer benchmarks: the
// -procs and -reps flags, GOMAXPROCS, the untimed warm-up, the timed
// repetitions, and the per-repetition result lines in the format that
// benchmarks/micro/compare_with_peers.sh parses:
//
//	name=BM_SpawnJoin items=10000 seconds=0.001234 items_per_second=8.1e6
//
// With Bench.CPU set, each line also carries the process's CPU time per item
// (user plus system, all threads), e.g. cpu_ns_per_item=512.
package report

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Bench is one benchmark program's driver. A program calls New before
// registering its own flags, then flag.Parse, Init and Run.
type Bench struct {
	Name  string // the reported name, e.g. "BM_SpawnJoin"
	Procs int    // -procs: GOMAXPROCS
	Reps  int    // -reps: number of timed repetitions
	CPU   bool   // report cpu_ns_per_item too (set before Run)
}

// New registers the -procs (default 2) and -reps (default 5) flags on the
// command line flag set and returns the driver for the benchmark name.
func New(name string) *Bench {
	b := &Bench{Name: name}
	flag.IntVar(&b.Procs, "procs", 2, "GOMAXPROCS")
	flag.IntVar(&b.Reps, "reps", 5, "number of timed repetitions")
	return b
}

// Init is called after flag.Parse. If -procs or -reps is below 1 or ok (the
// program's own flag checks) is false, it prints usage to stderr and exits 2;
// otherwise it sets GOMAXPROCS to -procs.
func (b *Bench) Init(ok bool, usage string) {
	if b.Procs < 1 || b.Reps < 1 || !ok {
		Exit(2, "%s", usage)
	}
	runtime.GOMAXPROCS(b.Procs)
}

// Run calls rep once as an untimed warm-up and then -reps times, printing a
// result line of items items for each timed repetition. rep runs one
// repetition, checks its result and returns the time it measured; a non-nil
// error is printed to stderr and exits 1 (also for the warm-up). If warmed is
// not nil it is called once, after the warm-up passed its check.
func (b *Bench) Run(items int64, rep func() (time.Duration, error), warmed func()) {
	run := func() time.Duration {
		d, err := rep()
		if err != nil {
			Exit(1, "%v", err)
		}
		return d
	}
	run() // untimed warm-up
	if warmed != nil {
		warmed()
	}
	for r := 0; r < b.Reps; r++ {
		if !b.CPU {
			Rep(b.Name, items, run())
			continue
		}
		cpu := cpuNanos()
		d := run()
		repLine(b.Name, items, d, fmt.Sprintf(" cpu_ns_per_item=%.0f",
			float64(cpuNanos()-cpu)/float64(items)))
	}
}

// cpuNanos is the process's user plus system CPU time so far.
func cpuNanos() int64 {
	var usage syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return usage.Utime.Nano() + usage.Stime.Nano()
}

// Exit prints the formatted message and a newline to stderr and exits with
// code.
func Exit(code int, format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(code)
}

// Rep prints one result line for a timed repetition that processed items
// items in d.
func Rep(name string, items int64, d time.Duration) {
	repLine(name, items, d, "")
}

// repLine prints a result line with extra (" key=value" fields) at its end.
func repLine(name string, items int64, d time.Duration, extra string) {
	secs := d.Seconds()
	fmt.Printf("name=%s items=%d seconds=%.6f items_per_second=%s%s\n",
		name, items, secs, Rate(float64(items)/secs), extra)
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
