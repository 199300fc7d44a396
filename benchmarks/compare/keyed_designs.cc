// The designs that route records by key (compare_designs.h): actors that each own a
// share of the keys, and a pipeline whose keyed update is partitioned by key.
//
// Routing by key is what lets a design keep per-key state without locks (one owner
// per key) and keep a key's records in order (one path per key: the source sends a
// key's records to one owner in id order, the owner handles them in that order, and
// its messages to the sink arrive in the order it sent them). Its cost is balance:
// a hot key's owner gets more than its share, and nothing else can help it.
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

namespace troupe::benchmarks::design_internal {

namespace {

// Runs every stage for the keys it owns, updates its shard of the state (if the
// workload has one), and tells the sink.
class KeyActor : public Actor<ItemPtr> {
 public:
  KeyActor(const ErasedWorkload* workload, ErasedStateShard* shard, ActorRef<ItemPtr>* sink)
      : workload_(workload), shard_(shard), sink_(sink) {}
  void Receive(ItemPtr& item) override {
    RunStages(*workload_, *item);
    if (shard_ != nullptr) shard_->Update(item->record, item->key);
    CheckOk(sink_->Tell(std::move(item)));
  }

 private:
  const ErasedWorkload* workload_;
  ErasedStateShard* shard_;  // owned by the Run; only this actor touches it
  ActorRef<ItemPtr>* sink_;
};

}  // namespace

DesignResult RunKeyActors(Runtime& runtime, const ErasedWorkload& workload,
                          const DesignOptions& options, const std::string& name) {
  return Measure(runtime, workload, options, name, [&](Run& run) {
    const int owners = options.parallelism;
    if (workload.has_state()) run.shards() = MakeShards(workload, owners);
    ActorSystem system(runtime);
    const ActorOptions mailbox = MailboxOptions(options);
    Semaphore done(0);
    std::vector<std::vector<ActorRef<ItemPtr>>> groups(2);  // the owners, then the sink
    groups[1].push_back(system.Spawn<SinkActor>(mailbox, &run, options.records, &done));
    for (int i = 0; i < owners; ++i) {
      ErasedStateShard* shard = workload.has_state() ? run.shards()[i].get() : nullptr;
      groups[0].push_back(system.Spawn<KeyActor>(mailbox, &workload, shard, &groups[1][0]));
    }
    while (ItemPtr item = run.Next()) {
      const uint64_t owner = item->key % static_cast<uint64_t>(owners);
      CheckOk(groups[0][owner].Tell(std::move(item)));
    }
    done.Acquire();
    StopAll(groups);
  });
}

DesignResult RunPartitionedPipeline(Runtime& runtime, const ErasedWorkload& workload,
                                    const DesignOptions& options, const std::string& name) {
  return Measure(runtime, workload, options, name, [&](Run& run) {
    const int partitions = options.parallelism;
    run.shards() = MakeShards(workload, partitions);
    std::vector<std::unique_ptr<Channel<ItemPtr>>> inputs;
    for (int i = 0; i < partitions; ++i) {
      inputs.push_back(std::make_unique<Channel<ItemPtr>>(options.capacity));
    }
    Channel<ItemPtr> results(options.capacity);
    // The last partition to finish closes the results; acq_rel so that it is ordered
    // after every other partition's last send.
    std::atomic<int> running{partitions};
    std::vector<JoinHandle> fibers;
    for (int i = 0; i < partitions; ++i) {
      fibers.push_back(Spawn([&, i] {
        ErasedStateShard& shard = *run.shards()[i];
        while (std::optional<ItemPtr> item = inputs[i]->Recv()) {
          shard.Update((*item)->record, (*item)->key);
          CheckOk(results.Send(std::move(*item)));
        }
        if (running.fetch_sub(1, std::memory_order_acq_rel) == 1) CheckOk(results.Close());
      }));
    }
    // The stages as a troupe::Pipeline whose sink routes each record to its key's
    // partition (one routing fiber: the Pipeline API has no partitioned stage).
    fibers.push_back(Spawn([&] {
      CheckOk(RunStagesAsPipeline(run, /*ordered=*/false, "route", [&](ItemPtr item) {
        const uint64_t p = item->key % static_cast<uint64_t>(partitions);
        CheckOk(inputs[p]->Send(std::move(item)));
      }));
      for (auto& input : inputs) CheckOk(input->Close());
    }));
    while (std::optional<ItemPtr> item = results.Recv()) run.Sink(std::move(*item));
    for (JoinHandle& fiber : fibers) CheckOk(fiber.Join());
  });
}

}  // namespace troupe::benchmarks::design_internal
