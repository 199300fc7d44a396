// Command chanstream is the Go peer of troupe's BM_ChanStream: a producer
// goroutine sends 0..n-1 over a channel of capacity 64 and closes it; the main
// goroutine receives and sums them until the channel is closed, then joins the
// producer. Items = messages.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"troupe/benchmarks/go/internal/report"
)

const capacity = 64

func rep(n int) (int64, time.Duration) {
	start := time.Now()
	c := make(chan int32, capacity)
	done := make(chan struct{})
	go func() { // the producer
		for i := 0; i < n; i++ {
			c <- int32(i)
		}
		close(c)
		close(done)
	}()
	var sum int64
	for v := range c {
		sum += int64(v)
	}
	<-done // join the producer
	return sum, time.Since(start)
}

func main() {
	procs := flag.Int("procs", 2, "GOMAXPROCS")
	reps := flag.Int("reps", 5, "number of timed repetitions")
	n := flag.Int("n", 1000000, "messages per repetition")
	flag.Parse()
	if *procs < 1 || *reps < 1 || *n < 1 || *n > 1<<31-1 {
		fmt.Fprintln(os.Stderr, "chanstream: -procs, -reps and -n must be >= 1 (-n < 2^31)")
		os.Exit(2)
	}
	runtime.GOMAXPROCS(*procs)
	want := int64(*n) * int64(*n-1) / 2

	check := func(sum int64) {
		if sum != want {
			fmt.Fprintf(os.Stderr, "chanstream: wrong sum %d, want %d\n", sum, want)
			os.Exit(1)
		}
	}
	sum, _ := rep(*n) // untimed warm-up
	check(sum)
	fmt.Fprintf(os.Stderr, "chanstream: messages=%d sum=%d (ok)\n", *n, sum)
	for r := 0; r < *reps; r++ {
		sum, d := rep(*n)
		check(sum)
		report.Rep("BM_ChanStream", int64(*n), d)
	}
}
