// Command tickers1000 is the Go peer of troupe's BM_Tickers1000: 1,000
// goroutines each receive 20 ticks of their own 1 ms time.Ticker. Wall time is
// bound by the period; the figure that matters is the process CPU time per tick,
// printed as cpu_ns_per_tick. Items = ticks.
package main

import (
	"flag"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"troupe/benchmarks/peers/go/internal/report"
)

func cpuNanos() int64 {
	var usage syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return usage.Utime.Nano() + usage.Stime.Nano()
}

func rep(tickers, ticks int) (int64, time.Duration) {
	start := time.Now()
	cpu := cpuNanos()
	var wg sync.WaitGroup
	wg.Add(tickers)
	for t := 0; t < tickers; t++ {
		go func() {
			defer wg.Done()
			ticker := time.NewTicker(time.Millisecond)
			defer ticker.Stop()
			for i := 0; i < ticks; i++ {
				<-ticker.C
			}
		}()
	}
	wg.Wait()
	return cpuNanos() - cpu, time.Since(start)
}

func main() {
	b := report.New("BM_Tickers1000")
	tickers := flag.Int("tickers", 1000, "tickers (one goroutine each)")
	ticks := flag.Int("ticks", 20, "ticks each receives")
	flag.Parse()
	b.Init(*tickers >= 1 && *ticks >= 1, "tickers1000: -tickers and -ticks must be >= 1")
	var cpu int64
	b.Run(int64(*tickers**ticks), func() (d time.Duration, err error) {
		cpu, d = rep(*tickers, *ticks)
		fmt.Fprintf(os.Stderr, "tickers1000: cpu_ns_per_tick=%.0f\n",
			float64(cpu)/float64(*tickers**ticks))
		return d, nil
	}, func() {
		fmt.Fprintf(os.Stderr, "tickers1000: ticks=%d (ok)\n", *tickers**ticks)
	})
}
