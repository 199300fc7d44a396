// Command spawnjoin is the Go peer of troupe's BM_SpawnJoin: one goroutine
// spawns N empty goroutines and then waits for all of them to finish.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	"troupe/benchmarks/go/internal/report"
)

func rep(n int) time.Duration {
	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() { wg.Done() }()
	}
	wg.Wait()
	return time.Since(start)
}

func main() {
	procs := flag.Int("procs", 2, "GOMAXPROCS")
	reps := flag.Int("reps", 5, "number of timed repetitions")
	n := flag.Int("n", 10000, "goroutines spawned per repetition")
	flag.Parse()
	if *procs < 1 || *reps < 1 || *n < 1 {
		fmt.Fprintln(os.Stderr, "spawnjoin: -procs, -reps and -n must be >= 1")
		os.Exit(2)
	}
	runtime.GOMAXPROCS(*procs)

	rep(*n) // untimed warm-up
	for r := 0; r < *reps; r++ {
		d := rep(*n)
		report.Rep("BM_SpawnJoin", int64(*n), d)
	}
}
