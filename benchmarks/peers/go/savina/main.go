// Command savina is the Go twin of troupe's Savina programs
// (benchmarks/savina/savina.h): the same seven benchmarks of the Savina actor
// suite (Imam & Sarkar, AGERE! 2014), with the same message flows, counts and
// checks, written with goroutine+channel actors: an actor is a goroutine that
// drains its mailbox, a buffered channel (capacity 1024, as in the other Go peers,
// more where a flow could fill it), one message at a time, and "exits" by
// returning. Messages are small structs, not interfaces, so a send copies them into
// the channel without a heap allocation.
//
// Flags: the same as troupe's (benchmarks/savina/flags.h), with the same defaults
// (benchmarks/savina/params.h), e.g.
//
//	savina -benchmark=pingpong -pingpong_pings=4000000 -procs 2 -reps 5
//
// One untimed warm-up, then one result line per timed repetition (package report).
// A wrong result exits 1, a bad flag 2.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"troupe/benchmarks/peers/go/internal/report"
)

// mailboxCapacity is an actor's mailbox (channel) capacity unless its flow needs
// more to never fill (see big.go).
const mailboxCapacity = 1024

// maxCount bounds every count flag, as troupe's params.cc does.
const maxCount = 1_000_000_000

// benchmark is one of the seven: its reported name, its items per repetition and
// one repetition, which returns an error if the result is wrong.
type benchmark struct {
	name  string
	items int64
	run   func() error
}

// flagRange is a count flag and the values it allows.
type flagRange struct {
	name     string
	value    *int64
	min, max int64
}

func main() {
	b := report.New("")
	name := flag.String("benchmark", "", "pingpong, counting, fjcreate, fjthrput, threadring, chameneos or big")
	boundS := flag.Int64("bound_s", 300, "seconds after which an unfinished repetition is an error")
	pings := flag.Int64("pingpong_pings", 4_000_000, "pings")
	countingMessages := flag.Int64("counting_messages", 25_000_000, "increments sent to the counter")
	fjcreateActors := flag.Int64("fjcreate_actors", 200_000, "actors created")
	fjthrputActors := flag.Int64("fjthrput_actors", 60, "actors")
	fjthrputMessages := flag.Int64("fjthrput_messages", 40_000, "messages per actor")
	ringActors := flag.Int64("threadring_actors", 100, "actors in the ring")
	ringHops := flag.Int64("threadring_hops", 5_000_000, "times the token is passed on")
	creatures := flag.Int64("chameneos_creatures", 100, "chameneos")
	meetings := flag.Int64("chameneos_meetings", 2_000_000, "meetings at the mall")
	bigActors := flag.Int64("big_actors", 120, "actors")
	bigPings := flag.Int64("big_pings", 20_000, "pings sent per actor")
	flag.Parse()

	var checks []flagRange
	var bench benchmark
	switch *name {
	case "pingpong":
		checks = []flagRange{{"pingpong_pings", pings, 1, maxCount}}
		bench = benchmark{"PingPong", *pings, func() error { return pingPong(*pings) }}
	case "counting":
		checks = []flagRange{{"counting_messages", countingMessages, 1, maxCount}}
		bench = benchmark{"Counting", *countingMessages, func() error { return counting(*countingMessages) }}
	case "fjcreate":
		checks = []flagRange{{"fjcreate_actors", fjcreateActors, 1, maxCount}}
		bench = benchmark{"ForkJoinCreate", *fjcreateActors, func() error { return forkJoinCreate(*fjcreateActors) }}
	case "fjthrput":
		checks = []flagRange{{"fjthrput_actors", fjthrputActors, 1, 1_000_000},
			{"fjthrput_messages", fjthrputMessages, 1, maxCount}}
		bench = benchmark{"ForkJoinThroughput", *fjthrputActors * *fjthrputMessages,
			func() error { return forkJoinThroughput(*fjthrputActors, *fjthrputMessages) }}
	case "threadring":
		checks = []flagRange{{"threadring_actors", ringActors, 1, 1_000_000},
			{"threadring_hops", ringHops, 1, maxCount}}
		bench = benchmark{"ThreadRing", *ringHops, func() error { return threadRing(*ringActors, *ringHops) }}
	case "chameneos":
		checks = []flagRange{{"chameneos_creatures", creatures, 2, 1_000_000},
			{"chameneos_meetings", meetings, 1, maxCount}}
		bench = benchmark{"Chameneos", *meetings, func() error { return chameneos(*creatures, *meetings) }}
	case "big":
		checks = []flagRange{{"big_actors", bigActors, 1, 65_536}, {"big_pings", bigPings, 1, maxCount}}
		bench = benchmark{"Big", *bigActors * *bigPings, func() error { return big(*bigActors, *bigPings) }}
	default:
		report.Exit(2, "savina: -benchmark must be one of pingpong, counting, fjcreate, fjthrput, "+
			"threadring, chameneos, big; got %q", *name)
	}
	for _, c := range checks {
		if *c.value < c.min || *c.value > c.max {
			report.Exit(2, "savina: --%s must be in [%d, %d]; got %d", c.name, c.min, c.max, *c.value)
		}
	}
	b.Init(*boundS >= 1, "savina: -procs, -reps and -bound_s must be >= 1")
	b.Name = bench.name
	bound := time.Duration(*boundS) * time.Second

	b.Run(bench.items, func() (time.Duration, error) {
		start := time.Now()
		err := withinBound(bench.run, bound)
		return time.Since(start), err
	}, func() {
		fmt.Fprintf(os.Stderr, "savina: %s items=%d (validated)\n", bench.name, bench.items)
	})
}

// withinBound runs one repetition and returns its error, or an error if it has not
// finished after bound (a lost message: its goroutines are left behind).
func withinBound(run func() error, bound time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- run() }()
	select {
	case err := <-done:
		return err
	case <-time.After(bound):
		return fmt.Errorf("the repetition had not finished after %v", bound)
	}
}
