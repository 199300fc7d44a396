// Command skynet is the Go peer of troupe's BM_Skynet: the classic skynet
// benchmark. Every node of a tree with fan-out 10 is a goroutine; leaf i
// reports i to its parent over the parent's unbuffered channel, and every
// inner node sums its 10 children's results and reports to its own parent.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"troupe/benchmarks/peers/go/internal/report"
)

const fanout = 10

func skynet(parent chan<- int64, num, size int64) {
	if size == 1 {
		parent <- num
		return
	}
	c := make(chan int64) // one unbuffered channel per parent
	sub := size / fanout
	for i := int64(0); i < fanout; i++ {
		go skynet(c, num+i*sub, sub)
	}
	var sum int64
	for i := 0; i < fanout; i++ {
		sum += <-c
	}
	parent <- sum
}

func rep(leaves int64) (int64, time.Duration) {
	start := time.Now()
	c := make(chan int64)
	go skynet(c, 0, leaves)
	sum := <-c
	return sum, time.Since(start)
}

func main() {
	b := report.New("BM_Skynet")
	leaves := flag.Int64("leaves", 1000000, "number of leaves (a power of 10)")
	flag.Parse()
	b.Init(true, "skynet: -procs and -reps must be >= 1")
	for l := *leaves; l != 1; l /= fanout {
		if l < 1 || l%fanout != 0 {
			report.Exit(2, "skynet: -leaves must be a power of 10, got %d", *leaves)
		}
	}
	want := *leaves * (*leaves - 1) / 2

	var sum int64
	b.Run(*leaves, func() (d time.Duration, err error) {
		if sum, d = rep(*leaves); sum != want {
			err = fmt.Errorf("skynet: wrong sum %d, want %d", sum, want)
		}
		return d, err
	}, func() {
		fmt.Fprintf(os.Stderr, "skynet: leaves=%d sum=%d (ok)\n", *leaves, sum)
	})
}
