// Command scale is the Go twin of troupe's scale benchmark
// (benchmarks/savina/scale.cc, scale_harness.h): -count goroutines, each started
// from the main goroutine, run once and park receiving from one channel that
// nobody sends on; all alive at once. It reports the resident bytes per goroutine
// (the growth of the process's resident set, /proc/self/statm, divided by the
// count) and the rate at which they were created and ran:
//
//	name=ParkedGoroutines items=1000000 seconds=1.89 items_per_second=5.291e5 bytes_per_item=2734
//
// A Go actor (a goroutine draining its mailbox channel) that is idle is such a
// parked goroutine, plus its channel. Flags: -count (default 1000000), -procs
// (GOMAXPROCS, default 2).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	"troupe/benchmarks/peers/go/internal/report"
)

// residentBytes is the process's resident set (/proc/self/statm).
func residentBytes() int64 {
	f, err := os.Open("/proc/self/statm")
	if err != nil {
		report.Exit(1, "scale: %v", err)
	}
	defer f.Close()
	var size, resident int64
	if _, err := fmt.Fscan(bufio.NewReader(f), &size, &resident); err != nil {
		report.Exit(1, "scale: reading /proc/self/statm: %v", err)
	}
	return resident * int64(os.Getpagesize())
}

func main() {
	count := flag.Int64("count", 1_000_000, "goroutines alive at once")
	procs := flag.Int("procs", 2, "GOMAXPROCS")
	flag.Parse()
	if *count < 1 || *count > 100_000_000 {
		report.Exit(2, "scale: --count must be in [1, 100000000]; got %d", *count)
	}
	if *procs < 1 || *procs > 1024 {
		report.Exit(2, "scale: --procs must be in [1, 1024]; got %d", *procs)
	}
	runtime.GOMAXPROCS(*procs)

	never := make(chan struct{}) // nobody sends: every goroutine parks receiving
	var started sync.WaitGroup
	started.Add(int(*count))
	before := residentBytes()
	start := time.Now()
	for i := int64(0); i < *count; i++ {
		go func() {
			started.Done()
			<-never
		}()
	}
	started.Wait()
	elapsed := time.Since(start)
	growth := residentBytes() - before
	fmt.Printf("name=ParkedGoroutines items=%d seconds=%.6f items_per_second=%s bytes_per_item=%d\n",
		*count, elapsed.Seconds(), report.Rate(float64(*count)/elapsed.Seconds()), growth / *count)
}
