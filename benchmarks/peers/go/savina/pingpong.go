package main

import (
	"fmt"
	"sync"
)

// pingPong is Savina's PingPong (benchmarks/savina/pingpong.cc): the ping actor
// sends a ping carrying its mailbox, the pong actor answers it, and on each pong
// the ping actor sends itself a note to send the next, until pings pings have been
// answered; then it tells the pong actor to stop, and both exit.
func pingPong(pings int64) error {
	type pingMsg struct {
		kind int // startPing, sendNextPing or pongReply
	}
	const (
		startPing = iota
		sendNextPing
		pongReply
	)
	type pongMsg struct {
		sender chan pingMsg // nil: stop
	}
	pingBox := make(chan pingMsg, mailboxCapacity)
	pongBox := make(chan pongMsg, mailboxCapacity)
	var wg sync.WaitGroup
	wg.Add(2)
	var pongsSent, pongsReceived int64

	go func() { // pong
		defer wg.Done()
		for m := range pongBox {
			if m.sender == nil {
				return
			}
			m.sender <- pingMsg{kind: pongReply}
			pongsSent++
		}
	}()
	go func() { // ping
		defer wg.Done()
		left := pings
		for m := range pingBox {
			switch m.kind {
			case startPing, sendNextPing:
				pongBox <- pongMsg{sender: pingBox}
				left--
			case pongReply:
				pongsReceived++
				if left > 0 {
					pingBox <- pingMsg{kind: sendNextPing}
				} else {
					pongBox <- pongMsg{}
					return
				}
			}
		}
	}()
	pingBox <- pingMsg{kind: startPing}
	wg.Wait()
	if pongsSent != pings || pongsReceived != pings {
		return fmt.Errorf("pong actor sent %d pongs and ping actor received %d, want %d",
			pongsSent, pongsReceived, pings)
	}
	return nil
}
