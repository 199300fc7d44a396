// Command actortimers is the Go peer of troupe's BM_ActorTimersFixedRate and
// BM_ActorTimersFixedDelay (benchmarks/micro/actor_timer_bench.cc): -actors
// (default 100000) goroutines, started once, each handle -ticks (default 3) ticks
// of their own 1 s timer per repetition, then stop it.
//
//   - BM_ActorTimersFixedRate: each goroutine receives from its own time.Ticker.
//   - BM_ActorTimersFixedDelay: each goroutine is an actor draining its mailbox (a
//     buffered channel); a time.AfterFunc puts a tick into the mailbox, and the actor
//     re-arms it (Reset) once it has handled the tick, as troupe's fixed-delay timer
//     and CAF's delayed_send do.
//
// That asks for 100,000 ticks a second: a runtime that keeps up takes about 3 s per
// repetition, and the figure that tells them apart is cpu_ns_per_item, the process's
// CPU time per tick, which each line carries. Items = ticks handled.
package main

import (
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	"troupe/benchmarks/peers/go/internal/report"
)

const period = time.Second

type message int

const (
	begin message = iota
	tick
)

// An actor: a goroutine draining its mailbox.
type actor struct {
	mailbox chan message
}

// runFixedRate: on begin, handles ticks ticks of a Ticker, then stops it.
func (a *actor) runFixedRate(ticks int, done *sync.WaitGroup) {
	for range a.mailbox {
		ticker := time.NewTicker(period)
		for i := 0; i < ticks; i++ {
			<-ticker.C
		}
		ticker.Stop()
		done.Done()
	}
}

// runFixedDelay: on begin, arms an AfterFunc that mails it a tick; re-arms it after
// each tick it handles, until ticks ticks.
func (a *actor) runFixedDelay(ticks int, done *sync.WaitGroup) {
	var timer *time.Timer
	remaining := 0
	for m := range a.mailbox {
		if m == begin {
			remaining = ticks
			timer = time.AfterFunc(period, func() { a.mailbox <- tick })
			continue
		}
		if remaining--; remaining == 0 {
			done.Done()
		} else {
			timer.Reset(period)
		}
	}
}

// spawn starts n actors running body; they live for the whole program.
func spawn(n int, body func(*actor)) []*actor {
	actors := make([]*actor, n)
	for i := range actors {
		actors[i] = &actor{mailbox: make(chan message, 16)}
		go body(actors[i])
	}
	return actors
}

// round sends begin to every actor and waits until each handled its ticks.
func round(actors []*actor, done *sync.WaitGroup) (time.Duration, error) {
	start := time.Now()
	done.Add(len(actors))
	for _, a := range actors {
		a.mailbox <- begin
	}
	done.Wait()
	return time.Since(start), nil
}

func main() {
	rate := report.New("BM_ActorTimersFixedRate")
	actors := flag.Int("actors", 100000, "actors (one goroutine each)")
	ticks := flag.Int("ticks", 3, "ticks each actor handles per repetition")
	flag.Parse()
	rate.Init(*actors >= 1 && *ticks >= 1, "actortimers: -actors and -ticks must be >= 1")
	rate.CPU = true
	delay := &report.Bench{Name: "BM_ActorTimersFixedDelay", Procs: rate.Procs, Reps: rate.Reps,
		CPU: true}
	items := int64(*actors) * int64(*ticks)
	warmed := func() {
		fmt.Fprintf(os.Stderr, "actortimers: actors=%d ticks=%d (ok)\n", *actors, *ticks)
	}

	var done sync.WaitGroup
	n := *ticks
	fixedRate := spawn(*actors, func(a *actor) { a.runFixedRate(n, &done) })
	rate.Run(items, func() (time.Duration, error) { return round(fixedRate, &done) }, warmed)
	for _, a := range fixedRate {
		close(a.mailbox)
	}
	fixedDelay := spawn(*actors, func(a *actor) { a.runFixedDelay(n, &done) })
	delay.Run(items, func() (time.Duration, error) { return round(fixedDelay, &done) }, warmed)
}
