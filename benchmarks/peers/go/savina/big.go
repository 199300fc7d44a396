package main

import (
	"fmt"
	"sync"
)

// big is Savina's Big (benchmarks/savina/big.cc): n actors that all know each other
// each send pings pings, one at a time, to neighbours picked by Savina's
// pseudo-random generator, and answer every ping with a pong; after its last pong
// each tells the sink, which tells them all to exit once all have.
func big(n, pings int64) error {
	const (
		ping = iota
		pong
		exitNow
	)
	type bigMsg struct {
		kind   int
		sender int64 // the pinging or answering actor's index; -1 for the start
	}
	// A mailbox holds at most one ping from each actor, a pong and an exit: with
	// room for all of them no send ever waits, whatever n is.
	capacity := mailboxCapacity
	if int(n)+2 > capacity {
		capacity = int(n) + 2
	}
	mailboxes := make([]chan bigMsg, n)
	for i := range mailboxes {
		mailboxes[i] = make(chan bigMsg, capacity)
	}
	sinkBox := make(chan struct{}, capacity)
	var wg sync.WaitGroup
	wg.Add(int(n) + 1)
	answered := make([]int64, n) // each written only by its actor
	sent := make([]int64, n)
	unexpected := make([]int64, n)

	go func() { // the sink
		defer wg.Done()
		done := int64(0)
		for range sinkBox {
			done++
			if done == n {
				for _, mailbox := range mailboxes {
					mailbox <- bigMsg{kind: exitNow}
				}
				return
			}
		}
	}()
	for i := range mailboxes {
		go func(i int64) {
			defer wg.Done()
			random := pseudoRandom{value: i}
			expected := int64(-1)
			for m := range mailboxes[i] {
				switch m.kind {
				case ping:
					mailboxes[m.sender] <- bigMsg{kind: pong, sender: i}
					answered[i]++
				case pong:
					if m.sender != expected {
						unexpected[i]++
					}
					if sent[i] == pings {
						sinkBox <- struct{}{}
					} else {
						expected = random.nextBelow(n)
						mailboxes[expected] <- bigMsg{kind: ping, sender: i}
						sent[i]++
					}
				case exitNow:
					return
				}
			}
		}(int64(i))
	}
	for _, mailbox := range mailboxes {
		mailbox <- bigMsg{kind: pong, sender: -1}
	}
	wg.Wait()
	var total int64
	for i := range mailboxes {
		if sent[i] != pings || unexpected[i] != 0 {
			return fmt.Errorf("actor %d sent %d pings (want %d) and got %d pongs from the wrong actor",
				i, sent[i], pings, unexpected[i])
		}
		total += answered[i]
	}
	if total != n*pings {
		return fmt.Errorf("pings answered: %d, want %d", total, n*pings)
	}
	return nil
}
