package main

import (
	"sync"
	"time"
)

// The designs that route by key or restore order (benchmarks/compare/
// keyed_designs.cc, reordering_pool.cc): actors owning keys, a pipeline whose keyed
// update is partitioned by key, and a worker pool that reorders at its sink.

// keyActors: -parallelism actors, each owning the keys k with k % parallelism == its
// index; the source sends each record to its key's owner, which runs every stage
// (and, stateful, updates its shard) and tells the sink.
func (w *run) keyActors() {
	owners := w.parallelism
	if w.p.stateful() {
		w.state = newShards(&w.p, owners)
	}
	sink := &actor{mailbox: make(chan *Record, w.capacity)}
	go w.sink(sink.mailbox)
	actors := make([]*actor, owners)
	var wg sync.WaitGroup
	wg.Add(owners)
	for i := range actors {
		a := &actor{mailbox: make(chan *Record, w.capacity)}
		actors[i] = a
		var shard *stateShard
		if w.state != nil {
			shard = w.state[i]
		}
		go func() {
			defer wg.Done()
			for r := range a.mailbox {
				w.processAll(r)
				if shard != nil {
					shard.update(r)
				}
				sink.mailbox <- r
			}
		}()
	}
	go func() { wg.Wait(); close(sink.mailbox) }()
	w.start = time.Now()
	go func() {
		w.source(func(r *Record) { actors[r.key%uint64(owners)].mailbox <- r })
		for _, a := range actors {
			close(a.mailbox)
		}
	}()
}

// partitionedPipeline: the stages as a pipeline, then one routing goroutine sending
// each record to its key's partition: -parallelism goroutines, each owning a shard
// of the state, feeding the sink.
func (w *run) partitionedPipeline() {
	partitions := w.parallelism
	w.state = newShards(&w.p, partitions)
	in := make(chan *Record, w.capacity)
	staged := w.stagesAsPipeline(in)
	inputs := make([]chan *Record, partitions)
	results := make(chan *Record, w.capacity)
	var wg sync.WaitGroup
	wg.Add(partitions)
	for i := range inputs {
		inputs[i] = make(chan *Record, w.capacity)
		shard, input := w.state[i], inputs[i]
		go func() {
			defer wg.Done()
			for r := range input {
				shard.update(r)
				results <- r
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()
	go func() {
		for r := range staged {
			inputs[r.key%uint64(partitions)] <- r
		}
		for _, input := range inputs {
			close(input)
		}
	}()
	go w.sink(results)
	w.startSource(in)
}

// reorderingPool: the worker pool, with the sink putting records back in id order
// within a window of 2 x capacity + parallelism records; the source takes a token
// per record and the sink gives one back per record sunk in order.
func (w *run) reorderingPool() {
	window := 2*w.capacity + w.parallelism
	room := make(chan struct{}, window)
	jobs := make(chan *Record, w.capacity)
	results := make(chan *Record, w.capacity)
	stage(w.parallelism, jobs, results, w.processAll)
	go func() {
		ring := make([]*Record, window)
		next := int64(0)
		for r := range results {
			ring[r.id%int64(window)] = r
			for ring[next%int64(window)] != nil {
				slot := next % int64(window)
				w.sinkOne(ring[slot])
				ring[slot] = nil
				next++
				<-room
			}
		}
		close(w.done)
	}()
	w.start = time.Now()
	go func() {
		w.source(func(r *Record) {
			room <- struct{}{}
			jobs <- r
		})
		close(jobs)
	}()
}
