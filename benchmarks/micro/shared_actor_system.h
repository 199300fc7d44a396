// The one ActorSystem that all actor micro-benchmarks of a benchmark binary share,
// on SharedRuntime(): created on first use, never destroyed, so that every benchmark
// measures a warm system and none pays for its start.
#ifndef TROUPE_BENCHMARKS_SHARED_ACTOR_SYSTEM_H_
#define TROUPE_BENCHMARKS_SHARED_ACTOR_SYSTEM_H_

#include "troupe/actors/actor_system.h"
#include "troupe/benchmarks/micro/shared_runtime.h"

namespace troupe::benchmarks {

inline ActorSystem& SharedSystem() {
  static ActorSystem* system = new ActorSystem(SharedRuntime());
  return *system;
}

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_SHARED_ACTOR_SYSTEM_H_
