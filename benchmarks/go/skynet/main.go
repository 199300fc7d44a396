// Command skynet is the Go peer of troupe's BM_Skynet: the classic skynet
// benchmark. Every node of a tree with fan-out 10 is a goroutine; leaf i
// reports i to its parent over the parent's unbuffered channel, and every
// inner node sums its 10 children's results and reports to its own parent.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"troupe/benchmarks/go/internal/report"
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
	procs := flag.Int("procs", 2, "GOMAXPROCS")
	reps := flag.Int("reps", 5, "number of timed repetitions")
	leaves := flag.Int64("leaves", 1000000, "number of leaves (a power of 10)")
	flag.Parse()
	if *procs < 1 || *reps < 1 {
		fmt.Fprintln(os.Stderr, "skynet: -procs and -reps must be >= 1")
		os.Exit(2)
	}
	for l := *leaves; l != 1; l /= fanout {
		if l < 1 || l%fanout != 0 {
			fmt.Fprintf(os.Stderr, "skynet: -leaves must be a power of 10, got %d\n", *leaves)
			os.Exit(2)
		}
	}
	runtime.GOMAXPROCS(*procs)
	want := *leaves * (*leaves - 1) / 2

	check := func(sum int64) {
		if sum != want {
			fmt.Fprintf(os.Stderr, "skynet: wrong sum %d, want %d\n", sum, want)
			os.Exit(1)
		}
	}
	sum, _ := rep(*leaves) // untimed warm-up
	check(sum)
	fmt.Fprintf(os.Stderr, "skynet: leaves=%d sum=%d (ok)\n", *leaves, sum)
	for r := 0; r < *reps; r++ {
		sum, d := rep(*leaves)
		check(sum)
		report.Rep("BM_Skynet", *leaves, d)
	}
}
