#include "troupe/metrics/runtime_metrics.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "troupe/scheduler/runtime_stats.h"

namespace troupe::metrics {

namespace {

// One series of a runtime figure.
struct RuntimeSeries {
  const char* name;
  const char* help;
  MetricType type;
  double (*read)(const RuntimeStats&);
};

double Runnable(const RuntimeStats& stats) {
  double runnable = stats.runnable_global;
  for (uint32_t queued : stats.runnable_per_processor) runnable += queued;
  return runnable;
}

constexpr MetricType kCounter = MetricType::kCounter;
constexpr MetricType kGauge = MetricType::kGauge;

const RuntimeSeries kSeries[] = {
    {"troupe_runtime_fibers", "Live fibers.", kGauge,
     [](const RuntimeStats& s) { return static_cast<double>(s.fibers_alive()); }},
    {"troupe_runtime_fibers_runnable", "Fibers queued to run (approximate).", kGauge, Runnable},
    {"troupe_runtime_fibers_spawned_total", "Fibers spawned.", kCounter,
     [](const RuntimeStats& s) { return static_cast<double>(s.fibers_spawned); }},
    {"troupe_runtime_processors_idle", "Processors (Ps) idle, waiting for work.", kGauge,
     [](const RuntimeStats& s) { return static_cast<double>(s.processors_idle); }},
    {"troupe_runtime_machines_spinning", "Threads (Ms) spinning in search of work.", kGauge,
     [](const RuntimeStats& s) { return static_cast<double>(s.machines_spinning); }},
    {"troupe_runtime_machines", "Threads (Ms) started.", kGauge,
     [](const RuntimeStats& s) { return static_cast<double>(s.machines); }},
    {"troupe_runtime_switches_total", "Fiber switches.", kCounter,
     [](const RuntimeStats& s) { return static_cast<double>(s.switches); }},
    {"troupe_runtime_steals_total", "Fibers moved by work stealing.", kCounter,
     [](const RuntimeStats& s) { return static_cast<double>(s.fibers_stolen); }},
    {"troupe_runtime_steal_attempts_total", "Attempts to steal work from another processor.",
     kCounter, [](const RuntimeStats& s) { return static_cast<double>(s.steal_attempts); }},
    {"troupe_runtime_parks_total", "Times an idle thread went to sleep.", kCounter,
     [](const RuntimeStats& s) { return static_cast<double>(s.machine_parks); }},
    {"troupe_runtime_netpoll_wakeups_total", "Fibers made runnable by the netpoller.", kCounter,
     [](const RuntimeStats& s) { return static_cast<double>(s.netpoll_wakeups); }},
    {"troupe_runtime_timers_fired_total", "Timers fired.", kCounter,
     [](const RuntimeStats& s) { return static_cast<double>(s.timers_fired); }},
    {"troupe_runtime_blocking_calls_total", "troupe::Blocking calls.", kCounter,
     [](const RuntimeStats& s) { return static_cast<double>(s.blocking_calls); }},
    {"troupe_runtime_stacks_in_use", "Fiber stacks held by fibers.", kGauge,
     [](const RuntimeStats& s) { return static_cast<double>(s.stacks_in_use); }},
};

constexpr char kRunQueue[] = "troupe_runtime_runqueue";
constexpr char kScheduleLatency[] = "troupe_runtime_schedule_latency_seconds";

MetricFamily ScheduleLatency(const RuntimeStats& stats) {
  MetricFamily family{kScheduleLatency,
                      "Time from runnable to running of a sample of wake-ups and spawns "
                      "(1 in 64 per waking thread).",
                      MetricType::kHistogram,
                      {}};
  Sample sample;
  HistogramValue& histogram = sample.histogram;
  for (uint64_t bound_ns : RuntimeStats::kScheduleLatencyBoundsNs) {
    histogram.bounds.push_back(static_cast<double>(bound_ns) / 1e9);
  }
  for (uint64_t count : stats.schedule_latency_counts) {
    histogram.count += count;
    histogram.cumulative_counts.push_back(histogram.count);
  }
  histogram.sum = static_cast<double>(stats.schedule_latency_sum_ns) / 1e9;
  family.samples.push_back(std::move(sample));
  return family;
}

}  // namespace

absl::StatusOr<CollectorHandle> RegisterRuntimeMetrics(Registry& registry,
                                                       const Runtime& runtime) {
  std::vector<std::string> names;
  for (const RuntimeSeries& series : kSeries) names.push_back(series.name);
  names.push_back(kRunQueue);
  names.push_back(kScheduleLatency);
  return registry.AddCollector(std::move(names), [&runtime](std::vector<MetricFamily>& out) {
    const RuntimeStats stats = runtime.Stats();
    for (const RuntimeSeries& series : kSeries) {
      out.emplace_back(MetricFamily{series.name, series.help, series.type, {}})
          .Add({}, series.read(stats));
    }
    MetricFamily queues{kRunQueue, "Runnable fibers queued per processor (approximate).",
                        kGauge, {}};
    for (std::size_t p = 0; p < stats.runnable_per_processor.size(); ++p) {
      queues.Add({{"processor", absl::StrCat(p)}}, stats.runnable_per_processor[p]);
    }
    out.push_back(std::move(queues));
    out.push_back(ScheduleLatency(stats));
  });
}

}  // namespace troupe::metrics
