// Command chanpingpong is the Go peer of troupe's BM_ChanPingPong: two
// goroutines bounce an integer over two unbuffered channels. The main
// goroutine sends the value on ping, the responder sends it back plus one on
// pong, until ping is closed. Items = round trips.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"troupe/benchmarks/peers/go/internal/report"
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
	b := report.New("BM_ChanPingPong")
	n := flag.Int("n", 100000, "round trips per repetition")
	flag.Parse()
	b.Init(*n >= 1 && *n <= 1<<31-1, "chanpingpong: -procs, -reps and -n must be >= 1 (-n < 2^31)")

	var value int32
	b.Run(int64(*n), func() (d time.Duration, err error) {
		if value, d = rep(*n); int(value) != *n {
			err = fmt.Errorf("chanpingpong: final value %d, want %d", value, *n)
		}
		return d, err
	}, func() {
		fmt.Fprintf(os.Stderr, "chanpingpong: round_trips=%d value=%d (ok)\n", *n, value)
	})
}
