// Command actorfanin is the Go peer of troupe's BM_ActorFanIn/1024: -senders
// goroutines each send -per-sender messages to one sink actor, a goroutine
// draining its mailbox, a buffered channel of capacity 1024 (troupe's bounded
// mailbox: a full mailbox parks the sender). The main goroutine tells the sink
// how many messages to expect, starts the senders, joins them and waits for the
// sink's report. The sink lives for the whole program, as troupe's does; the
// senders are started inside the timed region, as troupe's sender fibers are.
// Items = messages.
package main

import (
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	"troupe/benchmarks/peers/go/internal/report"
)

// mailboxCapacity matches troupe's bounded sink (BM_ActorFanIn/1024).
const mailboxCapacity = 1024

// sinkMsg is the sink's mailbox message: a count (the zero value) or, when
// done is non-nil, an expect.
type sinkMsg struct {
	expect int64        // messages to expect
	done   chan<- int64 // receives the messages counted once all have arrived
}

type sink struct {
	mailbox   chan sinkMsg
	remaining int64 // owned by the sink's goroutine
	counted   int64
	done      chan<- int64
}

// run is the actor loop: one message at a time, until the mailbox is closed.
func (s *sink) run() {
	for m := range s.mailbox {
		if m.done != nil {
			// The expect may arrive after some counts: remaining goes
			// negative, then back to 0.
			s.remaining += m.expect
			s.done = m.done
		} else {
			s.remaining--
			s.counted++
		}
		if s.remaining == 0 && s.done != nil {
			s.done <- s.counted
			s.done, s.counted = nil, 0
		}
	}
}

// rep runs one fan-in and returns the messages the sink counted and the time
// taken.
func rep(s *sink, senders int, perSender int64) (int64, time.Duration) {
	done := make(chan int64, 1)
	start := time.Now()
	s.mailbox <- sinkMsg{expect: int64(senders) * perSender, done: done}
	var wg sync.WaitGroup
	wg.Add(senders)
	for i := 0; i < senders; i++ {
		go func() {
			defer wg.Done()
			for j := int64(0); j < perSender; j++ {
				s.mailbox <- sinkMsg{}
			}
		}()
	}
	wg.Wait() // join the senders
	counted := <-done
	return counted, time.Since(start)
}

func main() {
	b := report.New("BM_ActorFanIn")
	senders := flag.Int("senders", 100, "sender goroutines")
	perSender := flag.Int64("per-sender", 10000, "messages per sender")
	flag.Parse()
	b.Init(*senders >= 1 && *perSender >= 1, "actorfanin: -procs, -reps, -senders and -per-sender must be >= 1")
	want := int64(*senders) * *perSender

	s := &sink{mailbox: make(chan sinkMsg, mailboxCapacity)}
	go s.run()

	var counted int64
	b.Run(want, func() (d time.Duration, err error) {
		if counted, d = rep(s, *senders, *perSender); counted != want {
			err = fmt.Errorf("actorfanin: sink counted %d messages, want %d", counted, want)
		}
		return d, err
	}, func() {
		fmt.Fprintf(os.Stderr, "actorfanin: senders=%d messages=%d capacity=%d (ok)\n", *senders, counted, mailboxCapacity)
	})
}
