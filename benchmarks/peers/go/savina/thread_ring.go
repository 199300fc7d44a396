package main

import (
	"fmt"
	"sync"
)

// threadRing is Savina's Thread Ring (benchmarks/savina/thread_ring.cc): n actors
// in a ring pass a token hops times, then an exit once around the ring.
func threadRing(n, hops int64) error {
	type ringMsg struct {
		next     chan ringMsg // non-nil: set the successor
		exit     bool         // false: a token
		hopsLeft int64
	}
	var wg sync.WaitGroup
	wg.Add(int(n))
	tokens := make([]int64, n) // each written only by its actor
	ring := make([]chan ringMsg, n)
	for i := range ring {
		ring[i] = make(chan ringMsg, mailboxCapacity)
	}
	for i := range ring {
		go func(i int) {
			defer wg.Done()
			var next chan ringMsg
			for m := range ring[i] {
				switch {
				case m.next != nil:
					next = m.next
				case !m.exit:
					tokens[i]++
					if m.hopsLeft > 0 {
						next <- ringMsg{hopsLeft: m.hopsLeft - 1}
					} else {
						next <- ringMsg{exit: true, hopsLeft: n - 1}
					}
				default:
					if m.hopsLeft > 0 {
						next <- ringMsg{exit: true, hopsLeft: m.hopsLeft - 1}
					}
					return
				}
			}
		}(i)
	}
	for i := range ring {
		ring[i] <- ringMsg{next: ring[(i+1)%len(ring)]}
	}
	ring[0] <- ringMsg{hopsLeft: hops}
	wg.Wait()
	var total int64
	for _, t := range tokens {
		total += t
	}
	if total != hops+1 {
		return fmt.Errorf("tokens received: %d, want %d", total, hops+1)
	}
	return nil
}
