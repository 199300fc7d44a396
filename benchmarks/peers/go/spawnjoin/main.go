// Command spawnjoin is the Go peer of troupe's BM_SpawnJoin: one goroutine
// spawns N empty goroutines and then waits for all of them to finish.
package main

import (
	"flag"
	"sync"
	"time"

	"troupe/benchmarks/peers/go/internal/report"
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
	b := report.New("BM_SpawnJoin")
	n := flag.Int("n", 10000, "goroutines spawned per repetition")
	flag.Parse()
	b.Init(*n >= 1, "spawnjoin: -procs, -reps and -n must be >= 1")

	b.Run(int64(*n), func() (time.Duration, error) { return rep(*n), nil }, nil)
}
