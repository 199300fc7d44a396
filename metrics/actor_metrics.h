// An actor system's figures as metrics, read at scrape time: live actors, dead
// letters, restarts, and for each *registered* actor (ActorSystem::Register) its
// mailbox depth and messages handled, labelled actor="<name>". Anonymous actors are
// counted in the totals only: registered names bound the series, where one per
// actor instance would grow without end.
//
//   absl::StatusOr<troupe::metrics::CollectorHandle> actor_metrics =
//       troupe::metrics::RegisterActorMetrics(registry, system);
//
// The handle must be dropped before `system` is destroyed.
#ifndef TROUPE_METRICS_ACTOR_METRICS_H_
#define TROUPE_METRICS_ACTOR_METRICS_H_

#include "absl/status/statusor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/metrics/registry.h"

namespace troupe::metrics {

// At most this many registered actors get series (the first by name); the rest show
// in troupe_actors_registered and the totals.
inline constexpr int kMaxActorSeries = 256;

// AlreadyExists if `registry` has these names (one actor system per registry).
[[nodiscard]] absl::StatusOr<CollectorHandle> RegisterActorMetrics(Registry& registry,
                                                                   const ActorSystem& system);

}  // namespace troupe::metrics

#endif  // TROUPE_METRICS_ACTOR_METRICS_H_
