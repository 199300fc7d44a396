// Command router is the Go peer of troupe's BM_RouterRoundRobin,
// BM_RouterSmallestMailbox and BM_RouterConsistentHash
// (benchmarks/micro/router_bench.cc): -producers (default 4) goroutines, started
// inside the timed region, each send -per-producer (default 100000) jobs to a pool
// of -workers (default 4) worker goroutines, each draining its own buffered channel
// of capacity 1024 (the senders block when it is full). The sender picks the worker,
// as troupe's routers do:
//
//   - round robin: one shared atomic counter;
//   - smallest mailbox: the worker whose channel holds the fewest jobs (len), the
//     first empty one at once;
//   - consistent hash: a ring of 64 points per worker, the job's key hashed onto it.
//
// After the producers finish, every worker receives a flush and reports how many
// jobs it handled; the total is checked (exit 1 if wrong). Items = jobs.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"troupe/benchmarks/peers/go/internal/report"
)

type job struct {
	key   uint64
	flush chan<- int64 // non-nil: report the jobs handled since the last flush
}

type pool struct {
	workers []chan job
	next    uint64   // round robin
	points  []uint64 // the hash ring, sorted
	owners  []int    // owners[i]: the worker of points[i]
}

func mix(x uint64) uint64 { // splitmix64's finaliser
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

func newPool(workers int) *pool {
	p := &pool{}
	type point struct {
		at    uint64
		owner int
	}
	var ring []point
	for w := 0; w < workers; w++ {
		mailbox := make(chan job, 1024)
		p.workers = append(p.workers, mailbox)
		go func() {
			var sum uint64
			var handled int64
			for j := range mailbox {
				if j.flush != nil {
					j.flush <- handled
					handled = 0
					continue
				}
				sum += j.key
				handled++
			}
			_ = sum
		}()
		for v := 0; v < 64; v++ {
			ring = append(ring, point{mix(uint64(w)<<32 | uint64(v)), w})
		}
	}
	sort.Slice(ring, func(i, j int) bool { return ring[i].at < ring[j].at })
	for _, pt := range ring {
		p.points = append(p.points, pt.at)
		p.owners = append(p.owners, pt.owner)
	}
	return p
}

func (p *pool) roundRobin(uint64) chan job {
	return p.workers[(atomic.AddUint64(&p.next, 1)-1)%uint64(len(p.workers))]
}

func (p *pool) smallestMailbox(uint64) chan job {
	best, depth := p.workers[0], int(^uint(0)>>1)
	for _, w := range p.workers {
		if n := len(w); n < depth {
			best, depth = w, n
			if n == 0 {
				break
			}
		}
	}
	return best
}

func (p *pool) consistentHash(key uint64) chan job {
	at := mix(key)
	i := sort.Search(len(p.points), func(i int) bool { return p.points[i] >= at })
	if i == len(p.points) {
		i = 0
	}
	return p.workers[p.owners[i]]
}

func (p *pool) rep(route func(uint64) chan job, producers, perProducer int) (time.Duration, error) {
	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(producers)
	for s := 0; s < producers; s++ {
		first := uint64(s) * uint64(perProducer)
		go func() {
			defer wg.Done()
			for i := uint64(0); i < uint64(perProducer); i++ {
				route(first + i) <- job{key: first + i}
			}
		}()
	}
	wg.Wait()
	reports := make(chan int64, len(p.workers))
	for _, w := range p.workers {
		w <- job{flush: reports}
	}
	var handled int64
	for range p.workers {
		handled += <-reports
	}
	d := time.Since(start)
	if want := int64(producers) * int64(perProducer); handled != want {
		return d, fmt.Errorf("router: workers handled %d jobs, want %d", handled, want)
	}
	return d, nil
}

func main() {
	rr := report.New("BM_RouterRoundRobin")
	workers := flag.Int("workers", 4, "worker goroutines")
	producers := flag.Int("producers", 4, "producer goroutines")
	perProducer := flag.Int("per-producer", 100000, "jobs each producer sends")
	flag.Parse()
	rr.Init(*workers >= 1 && *producers >= 1 && *perProducer >= 1,
		"router: -workers, -producers and -per-producer must be >= 1")
	items := int64(*producers) * int64(*perProducer)
	p := newPool(*workers)
	for _, policy := range []struct {
		name  string
		route func(uint64) chan job
	}{
		{"BM_RouterRoundRobin", p.roundRobin},
		{"BM_RouterSmallestMailbox", p.smallestMailbox},
		{"BM_RouterConsistentHash", p.consistentHash},
	} {
		b := &report.Bench{Name: policy.name, Procs: rr.Procs, Reps: rr.Reps}
		route := policy.route
		b.Run(items, func() (time.Duration, error) {
			return p.rep(route, *producers, *perProducer)
		}, func() {
			fmt.Fprintf(os.Stderr, "router: %s jobs=%d (ok)\n", policy.name, items)
		})
	}
}
