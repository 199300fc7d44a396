// The designs of the pattern comparison for a plain workload — worker pool, pipeline,
// staged actors — and the choice of designs for each workload shape
// (compare_designs.h). Every design shares the source and sink of design_run.h, so
// only the coordination in between differs. The keyed designs are in
// keyed_designs.cc, the reordering pool in reordering_pool.cc, the plain-thread
// references in reference_designs.cc.
#include "troupe/benchmarks/compare/compare_designs.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/benchmarks/compare/design_actors.h"
#include "troupe/benchmarks/compare/design_pipeline.h"
#include "troupe/benchmarks/compare/design_run.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/mutex.h"
#include "troupe/scheduler/semaphore.h"

namespace troupe::benchmarks {

using design_internal::CheckOk;
using design_internal::ItemPtr;
using design_internal::Measure;
using design_internal::Run;
using design_internal::RunStage;
using design_internal::RunStages;

std::vector<DesignSpec> DesignsFor(const ErasedWorkload& workload) {
  if (workload.has_state()) {
    return {
        {"actors", DesignKind::kKeyActors,
         "parallelism actors, each owning the keys k with k % parallelism == its index; the "
         "source sends a record to its key's owner, which runs every stage and the update"},
        {"worker_pool/sharded", DesignKind::kWorkerPool,
         "a worker pool (jobs channel, workers running every stage, results channel); the "
         "update under the troupe::Mutex of the key's shard (--shards of them)"},
        {"worker_pool/global", DesignKind::kLockedPool,
         "the same worker pool; the whole state behind one troupe::Mutex"},
        {"pipeline", DesignKind::kPartitionedPipeline,
         "troupe::Pipeline for the stages, then the update partitioned by key: parallelism "
         "fibers, each owning a shard, fed through channels of their own"},
    };
  }
  if (workload.ordered) {
    return {
        {"pipeline", DesignKind::kPipeline,
         "troupe::Pipeline in ordered mode (each parallel stage reorders within a window)"},
        {"worker_pool", DesignKind::kReorderingPool,
         "a worker pool whose sink reorders by id within a window of 2 x capacity + "
         "parallelism records (the source waits for room in it)"},
        {"actors", DesignKind::kKeyActors,
         "parallelism actors, each running every stage for the keys it owns (key % "
         "parallelism): a key's records keep their order"},
    };
  }
  return {
      {"worker_pool", DesignKind::kWorkerPool,
       "a jobs channel, parallelism workers running every stage, a results channel"},
      {"pipeline", DesignKind::kPipeline,
       "troupe::Pipeline, one stage per workload stage, parallelism fibers each"},
      {"actors", DesignKind::kActors,
       "parallelism actors per stage, each telling the next stage's actors round-robin, "
       "then a sink actor"},
  };
}

const DesignResult* FindResult(const std::vector<DesignResult>& results,
                               const std::string& design, const std::string& runtime) {
  for (const DesignResult& r : results) {
    if (r.design == design && r.runtime == runtime && r.error.empty()) return &r;
  }
  return nullptr;
}

DesignResult RunDesign(const DesignSpec& spec, Runtime& runtime, const ErasedWorkload& workload,
                       const DesignOptions& options) {
  using namespace design_internal;
  switch (spec.kind) {
    case DesignKind::kWorkerPool:
      return RunWorkerPool(runtime, workload, options, spec.name,
                           workload.has_state() ? options.shards : 0);
    case DesignKind::kLockedPool:
      return RunWorkerPool(runtime, workload, options, spec.name, 1);
    case DesignKind::kPipeline:
      return RunPipeline(runtime, workload, options, spec.name);
    case DesignKind::kPartitionedPipeline:
      return RunPartitionedPipeline(runtime, workload, options, spec.name);
    case DesignKind::kActors:
      return RunStagedActors(runtime, workload, options, spec.name);
    case DesignKind::kKeyActors:
      return RunKeyActors(runtime, workload, options, spec.name);
    case DesignKind::kReorderingPool:
      return RunReorderingPool(runtime, workload, options, spec.name);
  }
  DesignResult result;
  result.design = spec.name;
  result.error = "unknown design kind";
  return result;
}

namespace design_internal {

DesignResult RunWorkerPool(Runtime& runtime, const ErasedWorkload& workload,
                           const DesignOptions& options, const std::string& name, int shards) {
  return Measure(runtime, workload, options, name, [&](Run& run) {
    if (shards > 0) run.shards() = MakeShards(workload, shards);
    std::unique_ptr<Mutex[]> locks(shards > 0 ? new Mutex[shards] : nullptr);
    Channel<ItemPtr> jobs(options.capacity);
    Channel<ItemPtr> results(options.capacity);
    // The last worker to finish closes the results; acq_rel so that it is ordered after
    // every other worker's last send (the channel itself orders the sends).
    std::atomic<int> working{options.parallelism};
    std::vector<JoinHandle> fibers;
    fibers.push_back(Spawn([&] {
      while (ItemPtr item = run.Next()) CheckOk(jobs.Send(std::move(item)));
      CheckOk(jobs.Close());
    }));
    for (int w = 0; w < options.parallelism; ++w) {
      fibers.push_back(Spawn([&] {
        while (std::optional<ItemPtr> item = jobs.Recv()) {
          RunStages(workload, **item);
          if (shards > 0) {
            const auto shard = static_cast<std::size_t>((*item)->key % static_cast<uint64_t>(shards));
            MutexLock lock(locks[shard]);
            run.shards()[shard]->Update((*item)->record, (*item)->key);
          }
          CheckOk(results.Send(std::move(*item)));
        }
        if (working.fetch_sub(1, std::memory_order_acq_rel) == 1) CheckOk(results.Close());
      }));
    }
    while (std::optional<ItemPtr> item = results.Recv()) run.Sink(std::move(*item));
    for (JoinHandle& fiber : fibers) CheckOk(fiber.Join());
  });
}

DesignResult RunPipeline(Runtime& runtime, const ErasedWorkload& workload,
                         const DesignOptions& options, const std::string& name) {
  return Measure(runtime, workload, options, name, [&](Run& run) {
    CheckOk(RunStagesAsPipeline(run, workload.ordered, "sink",
                                [&run](ItemPtr item) { run.Sink(std::move(item)); }));
  });
}

namespace {

// A stage actor: runs its stage, then tells the next stage (round-robin) or the sink.
class StageActor : public Actor<ItemPtr> {
 public:
  StageActor(const ErasedStage* stage, std::vector<ActorRef<ItemPtr>>* next)
      : stage_(stage), next_(next) {}
  void Receive(ItemPtr& item) override {
    RunStage(*stage_, *item);
    const ActorRef<ItemPtr>& to = (*next_)[turn_++ % next_->size()];
    CheckOk(to.Tell(std::move(item)));
  }

 private:
  const ErasedStage* stage_;
  std::vector<ActorRef<ItemPtr>>* next_;
  std::size_t turn_ = 0;
};

}  // namespace

DesignResult RunStagedActors(Runtime& runtime, const ErasedWorkload& workload,
                             const DesignOptions& options, const std::string& name) {
  return Measure(runtime, workload, options, name, [&](Run& run) {
    ActorSystem system(runtime);
    const ActorOptions mailbox = MailboxOptions(options);
    Semaphore done(0);
    // stages[i] are stage i's actors; the last element is the sink alone.
    std::vector<std::vector<ActorRef<ItemPtr>>> stages(workload.stages.size() + 1);
    stages.back().push_back(
        system.Spawn<SinkActor>(mailbox, &run, options.records, &done));
    for (std::size_t s = workload.stages.size(); s-- > 0;) {
      for (int i = 0; i < options.parallelism; ++i) {
        stages[s].push_back(
            system.Spawn<StageActor>(mailbox, &workload.stages[s], &stages[s + 1]));
      }
    }
    std::size_t turn = 0;
    while (ItemPtr item = run.Next()) {
      CheckOk(stages.front()[turn++ % stages.front().size()].Tell(std::move(item)));
    }
    done.Acquire();
    StopAll(stages);
  });
}

}  // namespace design_internal
}  // namespace troupe::benchmarks
