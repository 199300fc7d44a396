// The scale benchmark on troupe (scale_harness.h): --count idle actors
// (--kind=actors: each spawned and sent one message, which it handles, then idle
// with an empty mailbox) or --count fibers parked on one channel (--kind=fibers:
// each spawned, runs, and parks receiving from it), all alive at once: resident
// bytes per actor or fiber, and the rate at which they were created and run once.
// --kind=first_touch measures what a fresh page costs on this machine instead
// (first_touch.h), which bounds the rate of anything that needs fresh memory.
//
//   bazel run -c opt //benchmarks/savina:scale -- --kind=actors --count=500000
//
// Everything is created from the main thread. The handles (ActorRefs) are held in a
// vector filled before the first measurement, so they are not counted. Prints one
// result line (IdleActors or ParkedFibers); see scale_harness.h for a run that hits
// a resource limit.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/benchmarks/savina/first_touch.h"
#include "troupe/benchmarks/savina/scale_harness.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/wait_group.h"

ABSL_FLAG(int64_t, stall_s, 10,
          "seconds without one more actor or fiber run after which the measurement stops "
          "and reports how far it got");
ABSL_FLAG(std::string, kind, "actors",
          "actors (idle actors), fibers (parked on a channel) or first_touch (what --count "
          "fresh pages cost to touch, populate, or back with huge pages: first_touch.h)");

namespace troupe::savina {
namespace {

struct Wake {};

// Handles its one message, then waits for more, as an idle actor does.
class IdleActor : public Actor<Wake> {
 public:
  explicit IdleActor(WaitGroup* ran) : ran_(ran) {}
  void Receive(Wake&) override { ran_->Done(); }

 private:
  WaitGroup* const ran_;
};

// Every this many creations the measurement records how many have run.
constexpr int64_t kProgressInterval = 4096;

// Records that `created` of `count` were created, and that `to_run` (counting down
// from `count`) have not run yet.
void RecordProgress(ScaleProgress& progress, int64_t created, int64_t count,
                    const WaitGroup& to_run) {
  progress.created.store(created, std::memory_order_relaxed);  // read after our death
  progress.ran.store(count - to_run.count(), std::memory_order_relaxed);
}

// Waits until every one of `count` has run (true), recording the progress
// meanwhile, or until none more has run for --stall_s (false). A runtime that cannot
// get a stack leaves the rest unrun instead of aborting: troupe's fibers then finish
// with ResourceExhausted without running, its actors wait for a stack.
bool AwaitRun(ScaleProgress& progress, int64_t count, WaitGroup& to_run) {
  const absl::Duration stall_bound = absl::Seconds(absl::GetFlag(FLAGS_stall_s));
  int64_t waiting = to_run.count();
  absl::Time last_progress = absl::Now();
  while (!to_run.WaitUntil(absl::Now() + absl::Milliseconds(20))) {
    RecordProgress(progress, count, count, to_run);
    if (to_run.count() != waiting) {
      waiting = to_run.count();
      last_progress = absl::Now();
    } else if (absl::Now() - last_progress > stall_bound) {
      return false;
    }
  }
  return true;
}

std::unique_ptr<Runtime> CreateRuntimeOrExit(int procs) {
  absl::StatusOr<std::unique_ptr<Runtime>> runtime = Runtime::Create({.procs = procs});
  if (!runtime.ok()) {
    std::fprintf(stderr, "scale: %s\n", runtime.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(runtime);
}

int MeasureIdleActors(const ScaleConfig& config, ScaleProgress& progress) {
  std::unique_ptr<Runtime> runtime = CreateRuntimeOrExit(config.procs);
  ActorSystem system(*runtime);
  std::vector<ActorRef<Wake>> actors(config.count);  // touched before the baseline
  WaitGroup ran(config.count);
  const int64_t resident_before = ResidentBytes();
  const auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < config.count; ++i) {
    actors[i] = system.Spawn<IdleActor>({}, &ran);
    if (absl::Status told = actors[i].Tell(Wake{}); !told.ok()) {
      std::fprintf(stderr, "scale: actor %lld: %s\n", static_cast<long long>(i),
                   told.ToString().c_str());
      EndChild(1);
    }
    if (i % kProgressInterval == 0) RecordProgress(progress, i + 1, config.count, ran);
  }
  if (!AwaitRun(progress, config.count, ran)) {
    EndChild(ReportStalled("IdleActors", config.count, progress, runtime->Stats().ToString()));
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ReportScale("IdleActors", config.count, elapsed, ResidentBytes() - resident_before);
  EndChild(0);
}

int MeasureParkedFibers(const ScaleConfig& config, ScaleProgress& progress) {
  std::unique_ptr<Runtime> runtime = CreateRuntimeOrExit(config.procs);
  Channel<int> never(0);  // nobody sends: every fiber parks in Recv
  WaitGroup started(config.count);
  std::vector<JoinHandle> fibers(config.count);  // touched before the baseline
  const int64_t resident_before = ResidentBytes();
  const auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < config.count; ++i) {
    fibers[i] = runtime->Spawn([&] {
      started.Done();
      (void)never.Recv();
    });
    if (i % kProgressInterval == 0) RecordProgress(progress, i + 1, config.count, started);
  }
  if (!AwaitRun(progress, config.count, started)) {
    // The last fiber is the likeliest not to have run: if it has finished, its Join
    // says why.
    auto [context, cancel] = WithTimeout(Context(), absl::Milliseconds(100));
    const absl::Status last = fibers.back().Join(context);
    cancel.Cancel();
    EndChild(ReportStalled("ParkedFibers", config.count, progress,
                           absl::StrCat("the last fiber: ", last.ToString(), "; ",
                                        runtime->Stats().ToString())));
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ReportScale("ParkedFibers", config.count, elapsed, ResidentBytes() - resident_before);
  EndChild(0);
}

}  // namespace
}  // namespace troupe::savina

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const troupe::savina::ScaleConfig config =
      troupe::savina::ScaleConfigFromFlagsOrExit("scale");
  const std::string kind = absl::GetFlag(FLAGS_kind);
  if (kind == "actors") {
    return troupe::savina::MeasureInChild("IdleActors", config.count, [&](auto& progress) {
      return troupe::savina::MeasureIdleActors(config, progress);
    });
  }
  if (kind == "fibers") {
    return troupe::savina::MeasureInChild("ParkedFibers", config.count, [&](auto& progress) {
      return troupe::savina::MeasureParkedFibers(config, progress);
    });
  }
  if (kind == "first_touch") {
    troupe::savina::MeasureFirstTouch(config.count);
    return 0;
  }
  std::fprintf(stderr, "scale: --kind must be actors, fibers or first_touch; got \"%s\"\n",
               kind.c_str());
  return 2;
}
