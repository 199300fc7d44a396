package main

import (
	"fmt"
	"sync"
)

// forkJoinThroughput is Savina's Fork-Join throughput
// (benchmarks/savina/fork_join_throughput.cc): n actors; the calling goroutine sends
// messages rounds of one message to each actor in turn; each computes one sine per
// message and exits after its messages-th.
func forkJoinThroughput(n, messages int64) error {
	var wg sync.WaitGroup
	wg.Add(int(n))
	handled := make([]int64, n)  // each written only by its actor
	failures := make([]int64, n) // each written only by its actor
	mailboxes := make([]chan struct{}, n)
	for i := range mailboxes {
		mailbox := make(chan struct{}, mailboxCapacity)
		mailboxes[i] = mailbox
		go func(i int) {
			defer wg.Done()
			for range mailbox {
				if !computeSine() {
					failures[i]++
				}
				handled[i]++
				if handled[i] == messages {
					return
				}
			}
		}(i)
	}
	for m := int64(0); m < messages; m++ {
		for _, mailbox := range mailboxes {
			mailbox <- struct{}{}
		}
	}
	wg.Wait()
	for i := range handled {
		if handled[i] != messages || failures[i] != 0 {
			return fmt.Errorf("actor %d handled %d messages (want %d) with %d non-positive sines",
				i, handled[i], messages, failures[i])
		}
	}
	return nil
}
