// Command select4 is the Go peer of troupe's BM_Select4: four producer
// goroutines each send 0..n/4-1 on their own channel of capacity 16; the main
// goroutine does n selects over the four channels, summing what it receives,
// then joins the producers. The channels are never closed. Items = messages.
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

const (
	producers = 4
	capacity  = 16
)

func rep(n int) (int64, time.Duration) {
	start := time.Now()
	var cs [producers]chan int32
	var wg sync.WaitGroup
	wg.Add(producers)
	for p := range cs {
		c := make(chan int32, capacity)
		cs[p] = c
		go func() {
			defer wg.Done()
			for i := 0; i < n/producers; i++ {
				c <- int32(i)
			}
		}()
	}
	var sum int64
	for i := 0; i < n; i++ {
		select {
		case v := <-cs[0]:
			sum += int64(v)
		case v := <-cs[1]:
			sum += int64(v)
		case v := <-cs[2]:
			sum += int64(v)
		case v := <-cs[3]:
			sum += int64(v)
		}
	}
	wg.Wait() // join the producers
	return sum, time.Since(start)
}

func main() {
	procs := flag.Int("procs", 2, "GOMAXPROCS")
	reps := flag.Int("reps", 5, "number of timed repetitions")
	n := flag.Int("n", 400000, "messages per repetition (a multiple of 4)")
	flag.Parse()
	if *procs < 1 || *reps < 1 || *n < producers || *n%producers != 0 || *n/producers > 1<<31-1 {
		fmt.Fprintln(os.Stderr, "select4: -procs and -reps must be >= 1, -n a positive multiple of 4")
		os.Exit(2)
	}
	runtime.GOMAXPROCS(*procs)
	per := int64(*n / producers)
	want := producers * (per * (per - 1) / 2)

	check := func(sum int64) {
		if sum != want {
			fmt.Fprintf(os.Stderr, "select4: wrong sum %d, want %d\n", sum, want)
			os.Exit(1)
		}
	}
	sum, _ := rep(*n) // untimed warm-up
	check(sum)
	fmt.Fprintf(os.Stderr, "select4: messages=%d sum=%d (ok)\n", *n, sum)
	for r := 0; r < *reps; r++ {
		sum, d := rep(*n)
		check(sum)
		report.Rep("BM_Select4", int64(*n), d)
	}
}
