package main

import (
	"sync"
	"time"
)

// The designs of a plain workload (worker pool, pipeline, staged actors), the
// worker pool with the keyed state behind sync.Mutex, and the pipeline in ordered
// mode, as benchmarks/compare/compare_designs.h describes them.

// stage runs n goroutines applying f to every record from in and sending it to
// out; out is closed once all n are done.
func stage(n int, in <-chan *Record, out chan<- *Record, f func(*Record)) {
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			defer wg.Done()
			for r := range in {
				f(r)
				out <- r
			}
		}()
	}
	go func() { wg.Wait(); close(out) }()
}

// orderedStage is stage whose output keeps the input's order (every record's id
// follows the previous one's), as troupe's ordered pipeline stages do: a worker takes
// a window token before it takes a record, results go to a reorderer that forwards
// them in id order and gives a token back per record forwarded, so at most
// capacity + n records are between the stage's input and its output.
func orderedStage(n, capacity int, in <-chan *Record, out chan<- *Record, f func(*Record)) {
	window := capacity + n
	tokens := make(chan struct{}, window)
	for i := 0; i < window; i++ {
		tokens <- struct{}{}
	}
	scratch := make(chan *Record, capacity)
	// No deadlock: records enter in id order, so the earliest one not yet forwarded
	// was taken with a token of its own and is being worked on.
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			defer wg.Done()
			for {
				<-tokens
				r, ok := <-in
				if !ok {
					return
				}
				f(r)
				scratch <- r
			}
		}()
	}
	go func() { wg.Wait(); close(scratch) }()
	go func() {
		ring := make([]*Record, window) // ids next..next+window-1, each in slot id % window
		next := int64(0)
		for r := range scratch {
			ring[r.id%int64(window)] = r
			for ring[next%int64(window)] != nil {
				slot := next % int64(window)
				out <- ring[slot]
				ring[slot] = nil
				tokens <- struct{}{}
				next++
			}
		}
		close(out)
	}()
}

// workerPool: source -> jobs -> workers (every stage; with state, the update under
// the mutex of the key's shard, `locks` of them) -> results -> sink.
func (w *run) workerPool(locks int) {
	jobs := make(chan *Record, w.capacity)
	results := make(chan *Record, w.capacity)
	work := w.processAll
	if w.p.stateful() {
		w.state = newShards(&w.p, locks)
		mutexes := make([]sync.Mutex, locks)
		work = func(r *Record) {
			w.processAll(r)
			shard := r.key % uint64(locks)
			mutexes[shard].Lock()
			w.state[shard].update(r)
			mutexes[shard].Unlock()
		}
	}
	stage(w.parallelism, jobs, results, work)
	go w.sink(results)
	w.startSource(jobs)
}

// startSource starts the clock and a goroutine emitting every record to in.
func (w *run) startSource(in chan<- *Record) {
	w.start = time.Now()
	go func() {
		w.source(func(r *Record) { in <- r })
		close(in)
	}()
}

// stagesAsPipeline chains one stage per workload stage, -parallelism goroutines each
// (ordered stages for an ordered workload), from in; returns the last stage's output.
func (w *run) stagesAsPipeline(in chan *Record) chan *Record {
	from := in
	for _, f := range w.stages() {
		to := make(chan *Record, w.capacity)
		if w.p.ordered && w.parallelism > 1 { // one goroutine keeps the order itself
			orderedStage(w.parallelism, w.capacity, from, to, f)
		} else {
			stage(w.parallelism, from, to, f)
		}
		from = to
	}
	return from
}

func (w *run) pipeline() {
	in := make(chan *Record, w.capacity)
	go w.sink(w.stagesAsPipeline(in))
	w.startSource(in)
}

// actor is a goroutine draining its own mailbox.
type actor struct {
	mailbox chan *Record
}

// actorStage starts n actors that apply f to each message and forward it to
// next round-robin (each actor with its own counter). Once every actor of the
// stage has seen its mailbox closed, the next stage's mailboxes are closed.
func actorStage(n, capacity int, next []*actor, f func(*Record)) []*actor {
	return actorGroup(n, capacity, next, f, func(turn *int, r *Record) *actor {
		to := next[*turn]
		if *turn++; *turn == len(next) {
			*turn = 0
		}
		return to
	})
}

// actorGroup starts n actors applying f and forwarding to route's choice among next;
// once all n have seen their mailboxes closed, next's mailboxes are closed.
func actorGroup(n, capacity int, next []*actor, f func(*Record),
	route func(turn *int, r *Record) *actor) []*actor {
	actors := make([]*actor, n)
	var wg sync.WaitGroup
	wg.Add(n)
	for i := range actors {
		a := &actor{mailbox: make(chan *Record, capacity)}
		actors[i] = a
		go func() {
			defer wg.Done()
			turn := 0
			for r := range a.mailbox {
				f(r)
				route(&turn, r).mailbox <- r
			}
		}()
	}
	go func() {
		wg.Wait()
		for _, a := range next {
			close(a.mailbox)
		}
	}()
	return actors
}

func (w *run) stagedActors() {
	sink := &actor{mailbox: make(chan *Record, w.capacity)}
	go w.sink(sink.mailbox)
	stages := w.stages()
	next := []*actor{sink}
	for s := len(stages) - 1; s >= 0; s-- {
		next = actorStage(w.parallelism, w.capacity, next, stages[s])
	}
	first := next
	w.start = time.Now()
	go func() {
		rr := 0
		w.source(func(r *Record) {
			first[rr].mailbox <- r
			if rr++; rr == len(first) {
				rr = 0
			}
		})
		for _, a := range first {
			close(a.mailbox)
		}
	}()
}
