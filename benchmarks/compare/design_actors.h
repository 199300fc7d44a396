// What the actor designs share (compare_designs.cc, keyed_designs.cc): the sink
// actor, the mailbox every actor gets, and stopping them all.
#ifndef TROUPE_BENCHMARKS_COMPARE_DESIGN_ACTORS_H_
#define TROUPE_BENCHMARKS_COMPARE_DESIGN_ACTORS_H_

#include <cstdint>
#include <vector>

#include "troupe/actors/actor.h"
#include "troupe/actors/actor_options.h"
#include "troupe/benchmarks/compare/design_run.h"
#include "troupe/scheduler/semaphore.h"

namespace troupe::benchmarks::design_internal {

// Bounded: a full mailbox parks its sender (backpressure, as channels give).
inline ActorOptions MailboxOptions(const DesignOptions& options) {
  return ActorOptions{.mailbox_capacity = options.capacity,
                      .overflow = MailboxOverflow::kBlockSender};
}

// Sinks every record; releases `done` after the last one.
class SinkActor : public Actor<ItemPtr> {
 public:
  SinkActor(Run* run, int64_t expected, Semaphore* done)
      : run_(run), remaining_(expected), done_(done) {}
  void Receive(ItemPtr& item) override {
    run_->Sink(std::move(item));
    if (--remaining_ == 0) done_->Release();
  }

 private:
  Run* run_;
  int64_t remaining_;
  Semaphore* done_;
};

// Stops every actor of every group (each drains what it holds), then waits for them.
inline void StopAll(const std::vector<std::vector<ActorRef<ItemPtr>>>& groups) {
  for (const auto& group : groups) {
    for (const auto& actor : group) actor.Stop();
  }
  for (const auto& group : groups) {
    for (const auto& actor : group) CheckOk(actor.AwaitStop());
  }
}

}  // namespace troupe::benchmarks::design_internal

#endif  // TROUPE_BENCHMARKS_COMPARE_DESIGN_ACTORS_H_
