// Command chanstream is the Go peer of troupe's BM_ChanStream: a producer
// goroutine sends 0..n-1 over a channel of capacity 64 and closes it; the main
// goroutine receives and sums them until the channel is closed, then joins the
// producer. Items = messages.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"troupe/benchmarks/peers/go/internal/report"
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
	b := report.New("BM_ChanStream")
	n := flag.Int("n", 1000000, "messages per repetition")
	flag.Parse()
	b.Init(*n >= 1 && *n <= 1<<31-1, "chanstream: -procs, -reps and -n must be >= 1 (-n < 2^31)")
	want := int64(*n) * int64(*n-1) / 2

	var sum int64
	b.Run(int64(*n), func() (d time.Duration, err error) {
		if sum, d = rep(*n); sum != want {
			err = fmt.Errorf("chanstream: wrong sum %d, want %d", sum, want)
		}
		return d, err
	}, func() {
		fmt.Fprintf(os.Stderr, "chanstream: messages=%d sum=%d (ok)\n", *n, sum)
	})
}
