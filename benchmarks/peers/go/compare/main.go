// Command compare is the Go side of the pattern comparison: the synthetic workload
// of benchmarks/compare/compare_workload.h (workload.go here: records with a
// generated payload, chained FNV-1a rounds for parse, validate and transform, a
// heavy tail, keys, keyed state, an ordered fold) run as one design, chosen with
// -design, the way benchmarks/compare/compare_designs.h describes troupe's:
//
//	plain      worker_pool  source -> jobs chan -> -parallelism workers (every
//	                        stage) -> results chan -> sink
//	           pipeline     one stage per workload stage, -parallelism goroutines
//	                        each, joined by buffered channels
//	           actors       -parallelism actors per stage (a goroutine with a
//	                        buffered-channel mailbox each), forwarding round-robin
//	stateful   actors       actors owning the keys k % parallelism == their index,
//	(-state_words > 0)      each running every stage and its shard's update
//	           worker_pool/sharded  the worker pool, the update under the sync.Mutex
//	                        of the key's shard (-shards of them)
//	           worker_pool/global   the same behind one sync.Mutex
//	           pipeline     the stages, then the update partitioned by key
//	ordered    pipeline     ordered stages (each reorders within capacity +
//	(-ordered=1)            parallelism records)
//	           worker_pool  the worker pool, reordering at the sink within
//	                        2 x capacity + parallelism records
//	           actors       actors per key, as stateful
//
// A design name ending in "/block" makes the validate stage's -io_wait_us wait a
// blocking system call (nanosleep: the runtime hands the goroutine's P to another
// thread) instead of time.Sleep. All channels and mailboxes have capacity
// -capacity; records are recycled through a sync.Pool.
//
// With -rate=0 (closed loop) the source emits as fast as it can and a record's
// latency runs from just before the source sends it. With -rate>0 (open loop)
// record i is due at start + floor(i / burst) x burst / rate; the source waits until
// it is due (sleeping only when more than ~50µs ahead), never skips a record, and
// latency runs from the due time (no coordinated omission).
//
// One run per process; prints one line of JSON to stdout, with the RSS sampled
// during the run (rss.go). With -records <= 100000 the checksum is also checked
// against a sequential reference computed first in the same process (reported on
// stderr). A wrong count, checksum or order exits 1.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// The reference pass costs a full extra run; only done up to this size.
const referenceLimit = 100000

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
// kLatencyQuantiles in compare_workload.h.
var latencyQuantiles = []float64{0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99, 0.999, 0.9999}

// percentile returns the q-quantile of sorted in microseconds: element
// floor(q*(n-1)), the same rank as benchmarks/compare uses.
func percentile(sorted []int64, q float64) float64 {
	return float64(sorted[int(q*float64(len(sorted)-1))]) / 1e3
}

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "compare: "+format+"\n", args...)
	os.Exit(code)
}

// designFor returns the function that starts design on w, or nil if the workload's
// shape has no such design.
func designFor(design string, w *run) func() {
	switch {
	case w.p.stateful():
		switch design {
		case "actors":
			return w.keyActors
		case "worker_pool/sharded":
			return func() { w.workerPool(w.shards) }
		case "worker_pool/global":
			return func() { w.workerPool(1) }
		case "pipeline":
			return w.partitionedPipeline
		}
	case w.p.ordered:
		switch design {
		case "pipeline":
			return w.pipeline
		case "worker_pool":
			return w.reorderingPool
		case "actors":
			return w.keyActors
		}
	default:
		switch design {
		case "worker_pool":
			return func() { w.workerPool(0) }
		case "pipeline":
			return w.pipeline
		case "actors":
			return w.stagedActors
		}
	}
	return nil
}

func main() {
	design := flag.String("design", "", "the design (see the top of main.go); \"/block\" makes the wait block")
	records := flag.Int64("records", 1000000, "records to process")
	size := flag.Int("size", 256, "payload bytes per record")
	parseRounds := flag.Int("parse_rounds", 2, "FNV-1a rounds in parse")
	validateRounds := flag.Int("validate_rounds", 1, "FNV-1a rounds in validate")
	transformRounds := flag.Int("transform_rounds", 3, "FNV-1a rounds in transform")
	heavyBP := flag.Int("heavy_bp", 0, "heavy records, in basis points")
	heavyFactor := flag.Int("heavy_factor", 100, "a heavy record's cost multiplier")
	ioWaitUs := flag.Int64("io_wait_us", 0, "the validate stage's wait per record, in us")
	keys := flag.Int64("keys", 0, "keys (0: unkeyed)")
	hotKeyPercent := flag.Int("hot_key_percent", 0, "percent of records on the hottest 1% of keys")
	stateWords := flag.Int("state_words", 0, "lanes of each key's state (0: stateless)")
	ordered := flag.Int("ordered", 0, "1: each key's records must reach the sink in order")
	capacity := flag.Int("capacity", 64, "capacity of every channel / mailbox")
	procs := flag.Int("procs", 2, "GOMAXPROCS")
	parallelism := flag.Int("parallelism", 0, "goroutines (actors) per stage; 0 = -procs")
	shards := flag.Int("shards", 64, "worker_pool/sharded: mutex-guarded shards of the state")
	rate := flag.Int64("rate", 0, "records/second; 0 = closed loop, >0 = open loop")
	burst := flag.Int64("burst", 1, "open loop: records due at the same instant")
	flag.Parse()

	if *parallelism == 0 {
		*parallelism = *procs
	}
	if *records < 1 || *size < 1 || *parseRounds < 0 || *validateRounds < 0 ||
		*transformRounds < 0 || *capacity < 1 || *procs < 1 || *parallelism < 1 || *rate < 0 ||
		*burst < 1 || *shards < 1 || *heavyBP < 0 || *heavyBP > 10000 || *heavyFactor < 1 ||
		*ioWaitUs < 0 || *keys < 0 || *hotKeyPercent < 0 || *hotKeyPercent > 100 ||
		*stateWords < 0 || (*stateWords > 0 && *keys < 1) || *ordered < 0 || *ordered > 1 {
		fail(2, "-records, -size, -capacity, -procs, -parallelism, -burst, -shards and "+
			"-heavy_factor must be >= 1; rounds, -rate, -io_wait_us and -keys >= 0; -heavy_bp "+
			"in [0, 10000]; -hot_key_percent in [0, 100]; -state_words >= 0 and only with "+
			"-keys >= 1; -ordered 0 or 1")
	}
	runtime.GOMAXPROCS(*procs)

	base := strings.TrimSuffix(*design, "/block")
	p := params{count: *records, size: *size, parseRounds: *parseRounds,
		validateRounds: *validateRounds, transRounds: *transformRounds,
		heavyBasisPoints: *heavyBP, heavyFactor: *heavyFactor, ioWaitUs: *ioWaitUs,
		ioBlock: base != *design, keys: *keys, hotKeyPercent: *hotKeyPercent,
		stateWords: *stateWords, ordered: *ordered == 1}
	w := newRun(p, *capacity, *parallelism, *shards, *rate, *burst)
	start := designFor(base, w)
	if start == nil {
		fail(2, "-design %q is not a design of this workload: worker_pool, pipeline or actors "+
			"(plain, ordered; \"/block\" variants with -io_wait_us), or actors, "+
			"worker_pool/sharded, worker_pool/global or pipeline (stateful)", *design)
	}

	var want uint64
	checkRef := *records <= referenceLimit
	if checkRef {
		want = reference(&w.p)
	}

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rss := startRSSSampler()

	start()
	<-w.done

	samples := rss.stopRSS()
	runtime.ReadMemStats(&after)
	if w.received != *records {
		fail(1, "%s: sink received %d records, want %d", *design, w.received, *records)
	}
	if w.outOfOrder > 0 {
		fail(1, "%s: %d records reached the sink behind a later record of their key",
			*design, w.outOfOrder)
	}
	checksum := w.total()
	if checkRef {
		if checksum != want {
			fail(1, "%s: checksum 0x%016x != sequential reference 0x%016x", *design, checksum, want)
		}
		fmt.Fprintf(os.Stderr, "compare: %s: checksum 0x%016x == sequential reference (ok)\n", *design, checksum)
	}

	secs := float64(w.lastNs) / 1e9
	lat := w.sortedLatencies()
	quantiles := make([]string, len(latencyQuantiles))
	for i, q := range latencyQuantiles {
		quantiles[i] = strconv.FormatFloat(percentile(lat, q), 'f', 3, 64)
	}
	rssStart, rssPeak, growth, window := rssSummary(samples)
	if hwm := peakRSSKiB(); hwm > rssPeak {
		rssPeak = hwm
	}
	growthJSON := "null"
	if !math.IsNaN(growth) {
		growthJSON = strconv.FormatFloat(growth, 'f', 1, 64)
	}
	seriesSeconds, seriesMiB := rssSeries(samples)
	fmt.Printf("{\"design\": %q, \"runtime\": \"go\", \"records\": %d, \"seconds\": %.6f, "+
		"\"throughput_rps\": %.1f, \"p50_us\": %.3f, \"p95_us\": %.3f, \"p99_us\": %.3f, "+
		"\"max_us\": %.3f, \"peak_rss_kb\": %d, \"rss_start_kb\": %d, \"rss_peak_kb\": %d, "+
		"\"rss_growth_kb_per_min\": %s, \"rss_window_s\": %.2f, \"allocs_per_record\": %.4f, "+
		"\"checksum\": \"0x%016x\", \"procs\": %d, \"parallelism\": %d, \"capacity\": %d, "+
		"\"rate\": %d, \"burst\": %d, \"gc_cycles\": %d, \"latency_quantiles_us\": [%s], "+
		"\"rss_seconds\": [%s], \"rss_mib\": [%s]}\n",
		*design, *records, secs, float64(*records)/secs,
		percentile(lat, 0.50), percentile(lat, 0.95), percentile(lat, 0.99),
		float64(w.maxLatency)/1e3, peakRSSKiB(), rssStart, rssPeak, growthJSON, window,
		float64(after.Mallocs-before.Mallocs)/float64(*records),
		checksum, *procs, *parallelism, *capacity, *rate, *burst, after.NumGC-before.NumGC,
		strings.Join(quantiles, ", "), strings.Join(seriesSeconds, ", "),
		strings.Join(seriesMiB, ", "))
}
