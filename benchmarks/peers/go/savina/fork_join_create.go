package main

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// forkJoinCreate is Savina's Fork-Join creation (benchmarks/savina/fork_join_create.cc):
// the calling goroutine creates n actors one after another and sends each one
// message; each computes one sine on it and exits.
func forkJoinCreate(n int64) error {
	var wg sync.WaitGroup
	var failures int64
	wg.Add(int(n))
	for i := int64(0); i < n; i++ {
		mailbox := make(chan struct{}, mailboxCapacity)
		go func() {
			defer wg.Done()
			<-mailbox
			if !computeSine() {
				atomic.AddInt64(&failures, 1)
			}
		}()
		mailbox <- struct{}{}
	}
	wg.Wait()
	if failures != 0 {
		return fmt.Errorf("%d sines were not positive", failures)
	}
	return nil
}
