// troupe's Savina benchmarks (Imam & Sarkar, "Savina — An Actor Benchmark Suite:
// Enabling Empirical Evaluation of Actor Libraries", AGERE! 2014): seven of the
// suite's micro-benchmarks with Savina's message flows, on troupe's public actor API.
//
// Each RunBenchmark runs one repetition: it spawns the benchmark's actors, starts
// the flow from the calling thread, waits until every actor has stopped (Savina's
// actors "exit" when their part is done; here they StopSelf) and checks the result
// Savina checks. It returns OK only for a correct result, else an error saying what
// was wrong. The Go and CAF twins (benchmarks/peers/go/savina,
// benchmarks/peers/caf/savina) have the same flows, counts and checks.
//
// Where these differ from Savina's Akka versions, and why:
// - Actors are spawned and started by the calling thread, and the time covers the
//   spawns; the actor system and runtime are made once per process, not per run.
//   (Fork-Join creation from a fiber, as Go's twin spawns from its main goroutine,
//   was measured: faster when the VM's cores are far apart, slower when they are
//   near; BENCHMARKS.md.)
// - Fork-Join throughput sends from a fiber (Go's twin from its main goroutine), not
//   the calling thread: a plain thread is never held back by an unbounded mailbox's
//   soft bound (actor_cell.h), so it would queue the whole flow where Go's sender
//   parks at a full channel of 1,024. CAF's twin sends from the calling thread.
// - Thread Ring passes its exit message around the ring once (actors - 1 hops after
//   the first), so that no actor receives a message after it stopped (Savina's
//   last exit goes to an actor that has already exited: a dead letter in Akka).
// - Chameneos: the program spawns the mall and the creatures (Savina's mall spawns
//   the creatures as it starts); the flow is the same.
#ifndef TROUPE_BENCHMARKS_SAVINA_SAVINA_H_
#define TROUPE_BENCHMARKS_SAVINA_SAVINA_H_

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "troupe/actors/actor_system.h"
#include "troupe/benchmarks/savina/params.h"

namespace troupe::savina {

// Where a repetition runs.
struct TroupeEnv {
  ActorSystem& system;
  // How long a repetition may take before it is an error (a lost message).
  absl::Duration bound = absl::Minutes(5);
};

// Plain thread only (they block it until the actors have stopped).
absl::Status RunBenchmark(const TroupeEnv& env, const PingPongParams& params);
absl::Status RunBenchmark(const TroupeEnv& env, const CountingParams& params);
absl::Status RunBenchmark(const TroupeEnv& env, const ForkJoinCreateParams& params);
absl::Status RunBenchmark(const TroupeEnv& env, const ForkJoinThroughputParams& params);
absl::Status RunBenchmark(const TroupeEnv& env, const ThreadRingParams& params);
absl::Status RunBenchmark(const TroupeEnv& env, const ChameneosParams& params);
absl::Status RunBenchmark(const TroupeEnv& env, const BigParams& params);

}  // namespace troupe::savina

#endif  // TROUPE_BENCHMARKS_SAVINA_SAVINA_H_
