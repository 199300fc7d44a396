// Command actorpingpong is the Go peer of troupe's BM_ActorPingPong: two
// goroutine-actors, each draining its own mailbox (a buffered channel), play
// -n round trips. The main goroutine sends a serve message to the server,
// which hits ball 0 to the returner; the returner sends every ball straight
// back, and the server hits the next ball until the last one returns, then
// reports on the serve's done channel. The two actors live for the whole
// program, as troupe's do. Items = messages (2 per round trip).
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"troupe/benchmarks/peers/go/internal/report"
)

// mailboxCapacity is the buffer of each actor's mailbox channel. Ping-pong
// never has more than one message in flight, so the capacity only decides
// that a send never parks the sender (1024, as in actorfanin).
const mailboxCapacity = 1024

// playerMsg is the player's mailbox message: a ball (serve == nil) or a serve.
// One struct type rather than an interface so that a ball is copied into the
// channel without a heap allocation.
type playerMsg struct {
	round int64  // the ball's round
	serve *serve // non-nil: start a rally
}

// serve starts a rally of rounds round trips; the server sends the number of
// balls it received on done when the last ball comes back.
type serve struct {
	rounds int64
	done   chan<- int64
}

type player struct {
	mailbox  chan playerMsg
	partner  *player
	received int64  // balls received; owned by the player's goroutine
	rally    *serve // the current rally (server only)
}

func newPlayer() *player {
	return &player{mailbox: make(chan playerMsg, mailboxCapacity)}
}

// run is the actor loop: one message at a time, until the mailbox is closed.
func (p *player) run() {
	for m := range p.mailbox {
		p.receive(m)
	}
}

func (p *player) receive(m playerMsg) {
	if m.serve != nil {
		p.rally = m.serve
		p.received = 0
		p.partner.mailbox <- playerMsg{round: 0}
		return
	}
	p.received++
	switch {
	case p.rally == nil: // the returner
		p.partner.mailbox <- playerMsg{round: m.round}
	case m.round+1 == p.rally.rounds:
		p.rally.done <- p.received
		p.rally = nil
	default:
		p.partner.mailbox <- playerMsg{round: m.round + 1}
	}
}

// rep plays one rally of n round trips and returns the balls the server
// received and the time taken.
func rep(server *player, n int64) (int64, time.Duration) {
	done := make(chan int64, 1)
	start := time.Now()
	server.mailbox <- playerMsg{serve: &serve{rounds: n, done: done}}
	received := <-done
	return received, time.Since(start)
}

func main() {
	b := report.New("BM_ActorPingPong")
	n := flag.Int64("n", 100000, "round trips per repetition")
	flag.Parse()
	b.Init(*n >= 1, "actorpingpong: -procs, -reps and -n must be >= 1")

	server, returner := newPlayer(), newPlayer()
	server.partner, returner.partner = returner, server
	go server.run()
	go returner.run()

	// The returner's count is read after the server's report: the returner
	// increments it before sending the ball the server receives before
	// reporting, so the channel operations order the write before this read.
	b.Run(2**n, func() (time.Duration, error) {
		received, d := rep(server, *n)
		if received != *n || returner.received != *n {
			return d, fmt.Errorf("actorpingpong: server received %d, returner %d balls, want %d each",
				received, returner.received, *n)
		}
		returner.received = 0 // the returner is idle until the next serve
		return d, nil
	}, func() {
		fmt.Fprintf(os.Stderr, "actorpingpong: round_trips=%d messages=%d (ok)\n", *n, 2**n)
	})
}
