// The ordered workload's worker pool (compare_designs.h): workers finish records in
// any order, and the sink puts them back in id order before sinking them.
//
// The window. Records wait at the sink for every earlier one, so one slow record
// holds up all later ones (head-of-line blocking): without a bound, the records
// behind it would pile up without limit. The source takes a permit of a
// Semaphore(window) before it emits a record, and the sink gives one back as it
// sinks a record in order, so at most `window` records are in flight between them:
// ids next..next+window-1, where `next` is the sink's next id. Each has its own slot
// of a ring of `window` slots (id % window), so the sink finds the next record
// without searching.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "troupe/benchmarks/compare/design_run.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/semaphore.h"

namespace troupe::benchmarks::design_internal {

DesignResult RunReorderingPool(Runtime& runtime, const ErasedWorkload& workload,
                               const DesignOptions& options, const std::string& name) {
  return Measure(runtime, workload, options, name, [&](Run& run) {
    const int64_t window = 2 * static_cast<int64_t>(options.capacity) + options.parallelism;
    Semaphore room(window);
    Channel<ItemPtr> jobs(options.capacity);
    Channel<ItemPtr> results(options.capacity);
    // The last worker to finish closes the results; acq_rel so that it is ordered after
    // every other worker's last send.
    std::atomic<int> working{options.parallelism};
    std::vector<JoinHandle> fibers;
    fibers.push_back(Spawn([&] {
      for (;;) {
        room.Acquire();
        ItemPtr item = run.Next();
        if (item == nullptr) break;
        CheckOk(jobs.Send(std::move(item)));
      }
      CheckOk(jobs.Close());
    }));
    for (int w = 0; w < options.parallelism; ++w) {
      fibers.push_back(Spawn([&] {
        while (std::optional<ItemPtr> item = jobs.Recv()) {
          RunStages(workload, **item);
          CheckOk(results.Send(std::move(*item)));
        }
        if (working.fetch_sub(1, std::memory_order_acq_rel) == 1) CheckOk(results.Close());
      }));
    }
    std::vector<ItemPtr> ring(static_cast<std::size_t>(window));
    int64_t next = 0;
    while (std::optional<ItemPtr> item = results.Recv()) {
      ring[static_cast<std::size_t>((*item)->id % window)] = std::move(*item);
      for (ItemPtr* slot = &ring[static_cast<std::size_t>(next % window)]; *slot != nullptr;
           slot = &ring[static_cast<std::size_t>(next % window)]) {
        run.Sink(std::move(*slot));
        ++next;
        room.Release();
      }
    }
    for (JoinHandle& fiber : fibers) CheckOk(fiber.Join());
  });
}

}  // namespace troupe::benchmarks::design_internal
