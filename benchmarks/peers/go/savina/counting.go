package main

import (
	"fmt"
	"sync"
)

// counting is Savina's Counting (benchmarks/savina/counting.cc): the producer sends
// messages increments to the counter, then a retrieve carrying its own mailbox; the
// counter answers with its count and exits, the producer records it and exits.
func counting(messages int64) error {
	type counterMsg struct {
		retrieve chan int64 // nil: an increment
	}
	counterBox := make(chan counterMsg, mailboxCapacity)
	producerBox := make(chan int64, mailboxCapacity) // the start (-1), then the result
	var wg sync.WaitGroup
	wg.Add(2)
	var result int64

	go func() { // counter
		defer wg.Done()
		var count int64
		for m := range counterBox {
			if m.retrieve == nil {
				count++
				continue
			}
			m.retrieve <- count
			return
		}
	}()
	go func() { // producer
		defer wg.Done()
		for m := range producerBox {
			if m < 0 {
				for i := int64(0); i < messages; i++ {
					counterBox <- counterMsg{}
				}
				counterBox <- counterMsg{retrieve: producerBox}
				continue
			}
			result = m
			return
		}
	}()
	producerBox <- -1
	wg.Wait()
	if result != messages {
		return fmt.Errorf("the counter's count: %d, want %d", result, messages)
	}
	return nil
}
