#include "troupe/metrics/actor_metrics.h"

#include <string>
#include <vector>

namespace troupe::metrics {

absl::StatusOr<CollectorHandle> RegisterActorMetrics(Registry& registry,
                                                     const ActorSystem& system) {
  std::vector<std::string> names = {
      "troupe_actors_live",          "troupe_actors_registered",
      "troupe_actor_dead_letters_total", "troupe_actor_restarts_total",
      "troupe_actor_mailbox_depth",  "troupe_actor_processed_total"};
  return registry.AddCollector(std::move(names), [&system](std::vector<MetricFamily>& out) {
    const std::vector<ActorSystem::RegisteredActorStats> actors = system.RegisteredActors();
    out.emplace_back(MetricFamily{"troupe_actors_live", "Live actors.", MetricType::kGauge, {}})
        .Add({}, static_cast<double>(system.live_actors()));
    out.emplace_back(MetricFamily{"troupe_actors_registered", "Actors registered by name.", MetricType::kGauge,
                   {}})
        .Add({}, static_cast<double>(actors.size()));
    out.emplace_back(MetricFamily{"troupe_actor_dead_letters_total",
                   "Messages that could not be delivered (see ActorSystem::OnDeadLetter).",
                   MetricType::kCounter,
                   {}})
        .Add({}, static_cast<double>(system.dead_letters()));
    out.emplace_back(MetricFamily{"troupe_actor_restarts_total",
                   "Actor instances replaced after a failure by their supervisor.",
                   MetricType::kCounter,
                   {}})
        .Add({}, static_cast<double>(system.restarts()));
    MetricFamily depth{"troupe_actor_mailbox_depth",
                       "Messages waiting per registered actor (approximate).",
                       MetricType::kGauge,
                       {}};
    MetricFamily processed{"troupe_actor_processed_total",
                           "Messages handled per registered actor.", MetricType::kCounter, {}};
    for (std::size_t i = 0; i < actors.size() && i < static_cast<std::size_t>(kMaxActorSeries);
         ++i) {
      depth.Add({{"actor", actors[i].name}}, static_cast<double>(actors[i].mailbox_depth));
      processed.Add({{"actor", actors[i].name}}, static_cast<double>(actors[i].processed));
    }
    out.push_back(std::move(depth));
    out.push_back(std::move(processed));
  });
}

}  // namespace troupe::metrics
