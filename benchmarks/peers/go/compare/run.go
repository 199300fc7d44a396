package main

import (
	"runtime"
	"sort"
	"sync"
	"syscall"
	"time"
)

// The open-loop source sleeps only when it is at least this far ahead.
const sleepThreshold = 50 * time.Microsecond

// maxLatencySamples bounds the latencies kept: beyond it, a uniform sample
// (reservoir sampling), as LatencyRecorder in benchmarks/compare does.
const maxLatencySamples = 1 << 21

// run holds one run's configuration, the source's state and the sink's results.
type run struct {
	p           params
	capacity    int
	parallelism int
	shards      int
	rate        int64
	burst       int64
	pool        sync.Pool
	start       time.Time

	// Written by the sink only; read after done is closed.
	latencies  []int64 // the reservoir
	seen       uint64
	maxLatency int64
	random     uint64
	received   int64
	checksum   uint64
	chains     []uint64 // ordered: each key's chain
	lastID     []int64  // ordered: each key's last id seen
	outOfOrder int64
	lastNs     int64 // sink receive time of the last record, since start
	done       chan struct{}

	// The keyed state's shards (stateful designs); their digests join the checksum.
	state []*stateShard
}

func newRun(p params, capacity, parallelism, shards int, rate, burst int64) *run {
	w := &run{p: p, capacity: capacity, parallelism: parallelism, shards: shards, rate: rate,
		burst: burst, done: make(chan struct{}), random: 0x9e3779b97f4a7c15}
	w.pool.New = func() any { return &Record{payload: make([]byte, p.size)} }
	n := p.count
	if n > maxLatencySamples {
		n = maxLatencySamples
	}
	w.latencies = make([]int64, n)
	for i := range w.latencies { // touch the pages outside the timed region
		w.latencies[i] = 0
	}
	if p.ordered {
		keys := p.keys
		if keys < 1 {
			keys = 1
		}
		for k := int64(0); k < keys; k++ {
			w.chains = append(w.chains, chainStart(uint64(k)))
			w.lastID = append(w.lastID, -1)
		}
	}
	return w
}

func (w *run) sinceStart() int64 { return int64(time.Since(w.start)) } // monotonic

// dueNs is when record id is due, open loop: bursts of w.burst records at once.
func (w *run) dueNs(id int64) int64 {
	first := id / w.burst * w.burst
	return int64(float64(first) * 1e9 / float64(w.rate))
}

// source emits records 0..count-1 to emit, then returns (the caller closes).
func (w *run) source(emit func(*Record)) {
	for id := int64(0); id < w.p.count; id++ {
		r := w.pool.Get().(*Record)
		fillRecord(id, r, &w.p)
		if w.rate > 0 {
			due := w.dueNs(id)
			if ahead := time.Duration(due - w.sinceStart()); ahead > sleepThreshold {
				time.Sleep(ahead - sleepThreshold)
			}
			for w.sinceStart() < due {
				runtime.Gosched()
			}
			r.emittedNs = due
		} else {
			r.emittedNs = w.sinceStart()
		}
		emit(r)
	}
}

// wait is the validate stage's I/O: parking the goroutine (time.Sleep) or blocking
// its thread in a system call (the runtime hands its P to another thread).
func (w *run) wait() {
	if w.p.ioWaitUs <= 0 {
		return
	}
	if w.p.ioBlock {
		ts := syscall.NsecToTimespec(w.p.ioWaitUs * 1000)
		for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
		}
		return
	}
	time.Sleep(time.Duration(w.p.ioWaitUs) * time.Microsecond)
}

// The workload's stages, as the designs run them.
func (w *run) stages() []func(*Record) {
	p := &w.p
	return []func(*Record){
		func(r *Record) { parse(r, p) },
		func(r *Record) { validate(r, p); w.wait() },
		func(r *Record) { transform(r, p) },
	}
}

func (w *run) processAll(r *Record) {
	parse(r, &w.p)
	validate(r, &w.p)
	w.wait()
	transform(r, &w.p)
}

// sinkOne folds one record; called only from the sink goroutine.
func (w *run) sinkOne(r *Record) {
	now := w.sinceStart()
	latency := now - r.emittedNs
	if latency > w.maxLatency {
		w.maxLatency = latency
	}
	if w.seen < uint64(len(w.latencies)) {
		w.latencies[w.seen] = latency
	} else {
		w.random ^= w.random << 13
		w.random ^= w.random >> 7
		w.random ^= w.random << 17
		if slot := w.random % (w.seen + 1); slot < uint64(len(w.latencies)) {
			w.latencies[slot] = latency
		}
	}
	w.seen++
	w.received++
	if w.p.ordered {
		if r.id < w.lastID[r.key] {
			w.outOfOrder++
		}
		if r.id > w.lastID[r.key] {
			w.lastID[r.key] = r.id
		}
		w.chains[r.key] = chain(w.chains[r.key], r.hash)
	} else {
		w.checksum += r.hash
	}
	w.lastNs = now
	w.pool.Put(r)
}

// sink drains in until it is closed, then closes done.
func (w *run) sink(in <-chan *Record) {
	for r := range in {
		w.sinkOne(r)
	}
	close(w.done)
}

// total is the checksum: the fold, every chain and every state shard's digest.
func (w *run) total() uint64 {
	sum := w.checksum
	for _, c := range w.chains {
		sum += c
	}
	for _, s := range w.state {
		sum += s.digest()
	}
	return sum
}

// sortedLatencies returns the kept latencies, sorted.
func (w *run) sortedLatencies() []int64 {
	n := w.seen
	if n > uint64(len(w.latencies)) {
		n = uint64(len(w.latencies))
	}
	lat := w.latencies[:n]
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat
}
