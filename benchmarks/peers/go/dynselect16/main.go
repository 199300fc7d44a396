// Command dynselect16 is the Go peer of troupe's BM_DynamicSelect16: sixteen
// producer goroutines each send 0..n/16-1 on their own channel of capacity 16;
// the main goroutine does n reflect.Selects over a slice of sixteen receive
// cases (Go's select over a set built at run time), summing what it receives.
// Items = messages.
package main

import (
	"flag"
	"fmt"
	"os"
	"reflect"
	"sync"
	"time"

	"troupe/benchmarks/peers/go/internal/report"
)

const (
	producers = 16
	capacity  = 16
)

func rep(n int) (int64, time.Duration) {
	start := time.Now()
	cases := make([]reflect.SelectCase, producers)
	var wg sync.WaitGroup
	wg.Add(producers)
	for p := range cases {
		c := make(chan int32, capacity)
		cases[p] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(c)}
		go func() {
			defer wg.Done()
			for i := 0; i < n/producers; i++ {
				c <- int32(i)
			}
		}()
	}
	var sum int64
	for i := 0; i < n; i++ {
		_, v, _ := reflect.Select(cases)
		sum += v.Int()
	}
	wg.Wait()
	return sum, time.Since(start)
}

func main() {
	b := report.New("BM_DynamicSelect16")
	n := flag.Int("n", 320000, "messages per repetition (a multiple of 16)")
	flag.Parse()
	b.Init(*n >= producers && *n%producers == 0, "dynselect16: -n a positive multiple of 16")
	per := int64(*n / producers)
	want := producers * (per * (per - 1) / 2)
	var sum int64
	b.Run(int64(*n), func() (d time.Duration, err error) {
		if sum, d = rep(*n); sum != want {
			err = fmt.Errorf("dynselect16: wrong sum %d, want %d", sum, want)
		}
		return d, err
	}, func() {
		fmt.Fprintf(os.Stderr, "dynselect16: messages=%d sum=%d (ok)\n", *n, sum)
	})
}
