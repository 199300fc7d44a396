// Command chanpingpong is the Go peer of troupe's BM_ChanPingPong: two
// goroutines bounce an integer over two unbuffered channels. The main
// goroutine sends the value on ping, the responder sends it back plus one on
// pong, until ping is closed. Items = round trips.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"troupe/benchmarks/go/internal/report"
)

func rep(n int) (int32, time.Duration) {
	start := time.Now()
	ping := make(chan int32) // unbuffered, like troupe's Channel<int>
	pong := make(chan int32)
	done := make(chan struct{})
	go func() { // the responder
		for v := range ping {
			pong <- v + 1
		}
		close(done)
	}()
	var value int32
	for i := 0; i < n; i++ {
		ping <- value
		value = <-pong
	}
	close(ping)
	<-done // join the responder
	return value, time.Since(start)
}

func main() {
	procs := flag.Int("procs", 2, "GOMAXPROCS")
	reps := flag.Int("reps", 5, "number of timed repetitions")
	n := flag.Int("n", 100000, "round trips per repetition")
	flag.Parse()
	if *procs < 1 || *reps < 1 || *n < 1 || *n > 1<<31-1 {
		fmt.Fprintln(os.Stderr, "chanpingpong: -procs, -reps and -n must be >= 1 (-n < 2^31)")
		os.Exit(2)
	}
	runtime.GOMAXPROCS(*procs)

	check := func(value int32) {
		if int(value) != *n {
			fmt.Fprintf(os.Stderr, "chanpingpong: final value %d, want %d\n", value, *n)
			os.Exit(1)
		}
	}
	value, _ := rep(*n) // untimed warm-up
	check(value)
	fmt.Fprintf(os.Stderr, "chanpingpong: round_trips=%d value=%d (ok)\n", *n, value)
	for r := 0; r < *reps; r++ {
		value, d := rep(*n)
		check(value)
		report.Rep("BM_ChanPingPong", int64(*n), d)
	}
}
