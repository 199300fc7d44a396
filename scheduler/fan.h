// Fan-in and fan-out over channels.
//
//   troupe::JoinHandle merged = troupe::Merge<int>({&a, &b, &c}, out);  // fan-in
//   troupe::JoinHandle workers = troupe::FanOut(jobs, 8, [](Job job) { Do(job); });
//
// Both run in fibers of the calling fiber's runtime (fiber context only) and return a
// handle that completes when they are done: Merge when every input is closed and
// drained and `output` has been closed; FanOut when `input` is closed and drained and
// every worker has returned. The channels must outlive that moment.
//
// Nothing is dropped silently: if Merge's output is closed by someone else while
// values are still arriving, the forwarders stop, and joining the handle reports how
// many values could not be forwarded (they are lost with the inputs' remaining
// contents, which stay in the inputs).
#ifndef TROUPE_SCHEDULER_FAN_H_
#define TROUPE_SCHEDULER_FAN_H_

#include <atomic>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/join_handle.h"
#include "troupe/scheduler/runtime.h"

namespace troupe {

template <typename T>
JoinHandle Merge(std::vector<Channel<T>*> inputs, Channel<T>& output) {
  return Spawn([inputs = std::move(inputs), &output]() {
    std::atomic<int64_t> unforwarded{0};
    std::vector<JoinHandle> forwarders;
    forwarders.reserve(inputs.size());
    for (Channel<T>* input : inputs) {
      forwarders.push_back(Spawn([input, &output, &unforwarded] {
        while (std::optional<T> value = input->Recv()) {
          if (!output.Send(std::move(*value)).ok()) {
            unforwarded.fetch_add(1, std::memory_order_relaxed);
            return;
          }
        }
      }));
    }
    for (JoinHandle& forwarder : forwarders) {
      if (!forwarder.Join().ok()) unforwarded.fetch_add(1, std::memory_order_relaxed);
    }
    const absl::Status closed = output.Close();
    if (unforwarded.load() != 0 || !closed.ok()) {
      throw std::runtime_error("Merge: output closed by someone else; " +
                               std::to_string(unforwarded.load()) +
                               " value(s) could not be forwarded");
    }
  });
}

template <typename T, typename Work>
JoinHandle FanOut(Channel<T>& input, int workers, Work work) {
  return Spawn([&input, workers, work = std::move(work)]() {
    std::vector<JoinHandle> running;
    running.reserve(workers);
    for (int i = 0; i < workers; ++i) {
      running.push_back(Spawn([&input, &work] {
        while (std::optional<T> value = input.Recv()) work(std::move(*value));
      }));
    }
    std::string failures;
    for (JoinHandle& worker : running) {
      absl::Status status = worker.Join();
      if (!status.ok()) failures += std::string(status.message()) + "; ";
    }
    if (!failures.empty()) throw std::runtime_error("FanOut: " + failures);
  });
}

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_FAN_H_
