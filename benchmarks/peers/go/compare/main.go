// Command compare is the Go side of the pattern comparison: the workload of
// benchmarks/compare/compare_workload.h (records with a generated payload, chained
// FNV-1a rounds for parse, validate and transform, checksum = sum of the
// results mod 2^64) run as one of three designs, chosen with -design:
//
//	worker_pool  source -> jobs chan -> -parallelism workers (parse+validate+
//	             transform) -> results chan -> sink
//	pipeline     source -> parse stage -> validate stage -> transform stage ->
//	             sink; each stage is -parallelism goroutines, the stages are
//	             joined by buffered channels and each stage closes its output
//	             once all its goroutines are done
//	actors       -parallelism parse, validate and transform actors and one sink
//	             actor, each a goroutine with its own buffered-channel mailbox;
//	             every sender picks the next actor round-robin with its own
//	             counter
//
// All channels and mailboxes have capacity -capacity. Records travel as
// *Record; records and their payload buffers are recycled through a sync.Pool
// (taken at the source, returned at the sink) so allocation is not what is
// measured.
//
// With -rate=0 (closed loop) the source emits as fast as it can and a record's
// latency runs from just before the source sends it. With -rate>0 (open loop)
// record i is due at start + i/rate; the source waits until it is due (it
// sleeps only when more than ~50µs ahead, and spins, yielding, for the rest),
// never skips a record, and latency runs from the due time, so queueing in
// the source is not hidden (no coordinated omission).
//
// One run per process; prints one line of JSON to stdout. With -records <=
// 100000 the checksum is also checked against a sequential reference computed
// first in the same process (reported on stderr). A wrong count or checksum
// exits 1.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211

	// The reference pass costs a full extra run; only done up to this size.
	referenceLimit = 100000
	// The open-loop source sleeps only when it is at least this far ahead.
	sleepThreshold = 50 * time.Microsecond
)

// params is the workload (WorkloadParams in compare_workload.h).
type params struct {
	count                                    int64
	size                                     int
	parseRounds, validateRounds, transRounds int
}

// Record is one record in flight.
type Record struct {
	id        int64
	emittedNs int64 // since start: when it was (closed loop) or should have been (open loop) emitted
	hash      uint64
	payload   []byte
}

func fnvRounds(data []byte, h uint64, rounds int) uint64 {
	for r := 0; r < rounds; r++ {
		for _, b := range data {
			h ^= uint64(b)
			h *= fnvPrime
		}
	}
	return h
}

func fillPayload(id int64, payload []byte) {
	for j := range payload {
		payload[j] = byte((id*131 + int64(j)*7) ^ (id >> 3))
	}
}

func parse(r *Record, p *params) {
	r.hash = fnvRounds(r.payload, fnvOffset^uint64(r.id), p.parseRounds)
}
func validate(r *Record, p *params) { r.hash = fnvRounds(r.payload, r.hash, p.validateRounds) }
func transform(r *Record, p *params) {
	r.hash = fnvRounds(r.payload, r.hash, p.transRounds)
}

// reference computes the checksum sequentially, in one goroutine.
func reference(p *params) uint64 {
	r := &Record{payload: make([]byte, p.size)}
	var sum uint64
	for id := int64(0); id < p.count; id++ {
		r.id = id
		fillPayload(id, r.payload)
		parse(r, p)
		validate(r, p)
		transform(r, p)
		sum += r.hash
	}
	return sum
}

// run holds one run's configuration and the sink's results.
type run struct {
	p           params
	capacity    int
	parallelism int
	rate        int64
	pool        sync.Pool
	start       time.Time

	// Written by the sink only; read after done is closed.
	latencies []int64 // preallocated, p.count entries
	received  int64
	checksum  uint64
	lastNs    int64 // sink receive time of the last record, since start
	done      chan struct{}
}

func (w *run) sinceStart() int64 { return int64(time.Since(w.start)) } // monotonic

// source emits records 0..count-1 to emit, then returns (the caller closes).
func (w *run) source(emit func(*Record)) {
	var interval float64
	if w.rate > 0 {
		interval = 1e9 / float64(w.rate)
	}
	for id := int64(0); id < w.p.count; id++ {
		r := w.pool.Get().(*Record)
		r.id = id
		r.hash = 0
		fillPayload(id, r.payload)
		if w.rate > 0 {
			due := int64(float64(id) * interval)
			if ahead := time.Duration(due - w.sinceStart()); ahead > sleepThreshold {
				time.Sleep(ahead)
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

// sinkOne folds one record; called only from the sink goroutine.
func (w *run) sinkOne(r *Record) {
	now := w.sinceStart()
	if w.received < int64(len(w.latencies)) {
		w.latencies[w.received] = now - r.emittedNs
	}
	w.received++
	w.checksum += r.hash
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

func (w *run) workerPool() {
	p := &w.p
	jobs := make(chan *Record, w.capacity)
	results := make(chan *Record, w.capacity)
	stage(w.parallelism, jobs, results, func(r *Record) {
		parse(r, p)
		validate(r, p)
		transform(r, p)
	})
	go w.sink(results)
	w.start = time.Now()
	go func() {
		w.source(func(r *Record) { jobs <- r })
		close(jobs)
	}()
}

func (w *run) pipeline() {
	p := &w.p
	in := make(chan *Record, w.capacity)
	parsed := make(chan *Record, w.capacity)
	validated := make(chan *Record, w.capacity)
	transformed := make(chan *Record, w.capacity)
	stage(w.parallelism, in, parsed, func(r *Record) { parse(r, p) })
	stage(w.parallelism, parsed, validated, func(r *Record) { validate(r, p) })
	stage(w.parallelism, validated, transformed, func(r *Record) { transform(r, p) })
	go w.sink(transformed)
	w.start = time.Now()
	go func() {
		w.source(func(r *Record) { in <- r })
		close(in)
	}()
}

// actor is a goroutine draining its own mailbox.
type actor struct {
	mailbox chan *Record
}

// actorStage starts n actors that apply f to each message and forward it to
// next round-robin (each actor with its own counter). Once every actor of the
// stage has seen its mailbox closed, the next stage's mailboxes are closed.
func actorStage(n, capacity int, next []*actor, f func(*Record)) []*actor {
	actors := make([]*actor, n)
	var wg sync.WaitGroup
	wg.Add(n)
	for i := range actors {
		a := &actor{mailbox: make(chan *Record, capacity)}
		actors[i] = a
		go func() {
			defer wg.Done()
			rr := 0
			for r := range a.mailbox {
				f(r)
				next[rr].mailbox <- r
				if rr++; rr == len(next) {
					rr = 0
				}
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

func (w *run) actors() {
	p := &w.p
	sink := &actor{mailbox: make(chan *Record, w.capacity)}
	go w.sink(sink.mailbox)
	transformers := actorStage(w.parallelism, w.capacity, []*actor{sink}, func(r *Record) { transform(r, p) })
	validators := actorStage(w.parallelism, w.capacity, transformers, func(r *Record) { validate(r, p) })
	parsers := actorStage(w.parallelism, w.capacity, validators, func(r *Record) { parse(r, p) })
	w.start = time.Now()
	go func() {
		rr := 0
		w.source(func(r *Record) {
			parsers[rr].mailbox <- r
			if rr++; rr == len(parsers) {
				rr = 0
			}
		})
		for _, a := range parsers {
			close(a.mailbox)
		}
	}()
}

// peakRSSKiB returns VmHWM from /proc/self/status, or -1 if unavailable.
func peakRSSKiB() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if line := s.Text(); strings.HasPrefix(line, "VmHWM:") {
			fields := strings.Fields(line[len("VmHWM:"):]) // e.g. ["12345", "kB"]
			if len(fields) > 0 {
				if v, err := strconv.ParseInt(fields[0], 10, 64); err == nil {
					return v
				}
			}
		}
	}
	return -1
}

// latencyQuantiles are the quantiles printed as latency_quantiles_us, the list of
// kLatencyQuantiles in compare_designs.h.
var latencyQuantiles = []float64{0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99, 0.999, 0.9999}

// percentile returns the q-quantile of sorted in microseconds: element
// floor(q*(n-1)), the same rank as compare_designs.cc uses.
func percentile(sorted []int64, q float64) float64 {
	return float64(sorted[int(q*float64(len(sorted)-1))]) / 1e3
}

func main() {
	design := flag.String("design", "", "worker_pool, pipeline or actors")
	records := flag.Int64("records", 1000000, "records to process")
	size := flag.Int("size", 256, "payload bytes per record")
	parseRounds := flag.Int("parse_rounds", 2, "FNV-1a rounds in parse")
	validateRounds := flag.Int("validate_rounds", 1, "FNV-1a rounds in validate")
	transformRounds := flag.Int("transform_rounds", 3, "FNV-1a rounds in transform")
	capacity := flag.Int("capacity", 64, "capacity of every channel / mailbox")
	procs := flag.Int("procs", 2, "GOMAXPROCS")
	parallelism := flag.Int("parallelism", 0, "goroutines (actors) per stage; 0 = -procs")
	rate := flag.Int64("rate", 0, "records/second; 0 = closed loop, >0 = open loop")
	flag.Parse()

	fail := func(code int, format string, args ...any) {
		fmt.Fprintf(os.Stderr, "compare: "+format+"\n", args...)
		os.Exit(code)
	}
	if *parallelism == 0 {
		*parallelism = *procs
	}
	if *records < 1 || *size < 1 || *parseRounds < 0 || *validateRounds < 0 ||
		*transformRounds < 0 || *capacity < 0 || *procs < 1 || *parallelism < 1 || *rate < 0 {
		fail(2, "-records, -size, -procs and -parallelism must be >= 1; rounds, -capacity and -rate >= 0")
	}
	runtime.GOMAXPROCS(*procs)

	w := &run{
		p: params{count: *records, size: *size, parseRounds: *parseRounds,
			validateRounds: *validateRounds, transRounds: *transformRounds},
		capacity:    *capacity,
		parallelism: *parallelism,
		rate:        *rate,
		done:        make(chan struct{}),
	}
	var start func()
	switch *design {
	case "worker_pool":
		start = w.workerPool
	case "pipeline":
		start = w.pipeline
	case "actors":
		start = w.actors
	default:
		fail(2, "-design must be worker_pool, pipeline or actors, got %q", *design)
	}
	w.pool.New = func() any { return &Record{payload: make([]byte, *size)} }

	var want uint64
	checkRef := *records <= referenceLimit
	if checkRef {
		want = reference(&w.p)
	}

	w.latencies = make([]int64, *records)
	for i := range w.latencies { // touch the pages outside the timed region
		w.latencies[i] = 0
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)

	start()
	<-w.done

	runtime.ReadMemStats(&after)
	if w.received != *records {
		fail(1, "%s: sink received %d records, want %d", *design, w.received, *records)
	}
	if checkRef {
		if w.checksum != want {
			fail(1, "%s: checksum 0x%016x != sequential reference 0x%016x", *design, w.checksum, want)
		}
		fmt.Fprintf(os.Stderr, "compare: %s: checksum 0x%016x == sequential reference (ok)\n", *design, w.checksum)
	}

	secs := float64(w.lastNs) / 1e9
	lat := w.latencies
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	quantiles := make([]string, len(latencyQuantiles))
	for i, q := range latencyQuantiles {
		quantiles[i] = strconv.FormatFloat(percentile(lat, q), 'f', 3, 64)
	}
	fmt.Printf("{\"design\": %q, \"runtime\": \"go\", \"records\": %d, \"seconds\": %.6f, "+
		"\"throughput_rps\": %.1f, \"p50_us\": %.3f, \"p95_us\": %.3f, \"p99_us\": %.3f, "+
		"\"max_us\": %.3f, \"peak_rss_kb\": %d, \"allocs_per_record\": %.4f, "+
		"\"checksum\": \"0x%016x\", \"procs\": %d, \"parallelism\": %d, \"capacity\": %d, "+
		"\"rate\": %d, \"gc_cycles\": %d, \"latency_quantiles_us\": [%s]}\n",
		*design, *records, secs, float64(*records)/secs,
		percentile(lat, 0.50), percentile(lat, 0.95), percentile(lat, 0.99),
		float64(lat[len(lat)-1])/1e3, peakRSSKiB(),
		float64(after.Mallocs-before.Mallocs)/float64(*records),
		w.checksum, *procs, *parallelism, *capacity, *rate, after.NumGC-before.NumGC,
		strings.Join(quantiles, ", "))
}
