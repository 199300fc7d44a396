// Command timerstartstop is the Go peer of troupe's BM_TimerStartStop: n times,
// time.NewTimer(time.Hour) and Stop it before it fires. Items = timers.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"troupe/benchmarks/peers/go/internal/report"
)

func rep(n int) (int, time.Duration) {
	start := time.Now()
	stopped := 0
	for i := 0; i < n; i++ {
		if time.NewTimer(time.Hour).Stop() {
			stopped++
		}
	}
	return stopped, time.Since(start)
}

func main() {
	b := report.New("BM_TimerStartStop")
	n := flag.Int("n", 100000, "timers per repetition")
	flag.Parse()
	b.Init(*n >= 1, "timerstartstop: -n must be >= 1")
	var stopped int
	b.Run(int64(*n), func() (d time.Duration, err error) {
		if stopped, d = rep(*n); stopped != *n {
			err = fmt.Errorf("timerstartstop: stopped %d of %d", stopped, *n)
		}
		return d, err
	}, func() {
		fmt.Fprintf(os.Stderr, "timerstartstop: timers=%d (ok)\n", *n)
	})
}
