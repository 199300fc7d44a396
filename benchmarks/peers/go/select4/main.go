// Command select4 is the Go peer of troupe's BM_Select4: four producer
// goroutines each send 0..n/4-1 on their own channel of capacity 16; the main
// goroutine does n selects over the four channels, summing what it receives,
// then joins the producers. The channels are never closed. Items = messages.
package main

import (
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	"troupe/benchmarks/peers/go/internal/report"
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
	b := report.New("BM_Select4")
	n := flag.Int("n", 400000, "messages per repetition (a multiple of 4)")
	flag.Parse()
	b.Init(*n >= producers && *n%producers == 0 && *n/producers <= 1<<31-1,
		"select4: -procs and -reps must be >= 1, -n a positive multiple of 4")
	per := int64(*n / producers)
	want := producers * (per * (per - 1) / 2)

	var sum int64
	b.Run(int64(*n), func() (d time.Duration, err error) {
		if sum, d = rep(*n); sum != want {
			err = fmt.Errorf("select4: wrong sum %d, want %d", sum, want)
		}
		return d, err
	}, func() {
		fmt.Fprintf(os.Stderr, "select4: messages=%d sum=%d (ok)\n", *n, sum)
	})
}
