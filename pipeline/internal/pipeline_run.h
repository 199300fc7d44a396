// The machinery behind Pipeline (pipeline.h): a plan of type-erased stages, and the
// fibers and channels of one run.
//
// Items travel as Item<T> {sequence, value}; the source numbers them from 0. In
// ordered mode a stage with several fibers sends its results to a private channel,
// and one reorder fiber forwards them in sequence. A window semaphore of
// capacity + parallelism permits, taken before a fiber receives and given back when
// the item leaves the stage in order, bounds the reorder buffer; items enter each
// stage in order, so the oldest item in the stage always holds a permit and the
// window cannot deadlock.
#ifndef TROUPE_PIPELINE_INTERNAL_PIPELINE_RUN_H_
#define TROUPE_PIPELINE_INTERNAL_PIPELINE_RUN_H_

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "pipeline/pipeline_options.h"
#include "scheduler/channel.h"
#include "scheduler/context.h"
#include "scheduler/runtime.h"
#include "scheduler/semaphore.h"

namespace troupe::pipeline_internal {

template <typename T>
struct Item {
  uint64_t sequence;
  T value;
};

// What every fiber of one run shares: the run's context and its first error.
class RunState {
 public:
  explicit RunState(const Context& parent) : run_(WithCancel(parent)) {}
  const Context& context() const { return run_.context; }
  // The first failure wins; it cancels the run.
  void Fail(absl::Status status) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!first_error_.ok()) return;
      first_error_ = status;
    }
    run_.cancel.Cancel(std::move(status));
  }
  absl::Status first_error() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return first_error_;
  }

 private:
  ContextWithCancel run_;
  mutable std::mutex mutex_;  // never held across a park
  absl::Status first_error_;
};

// Calls `call` (returning void), turning an escaping exception into a status.
template <typename Call>
absl::Status GuardedCall(const std::string& stage, Call&& call) {
  try {
    call();
    return absl::OkStatus();
  } catch (const std::exception& error) {
    return absl::InternalError(absl::StrCat("stage ", stage, " threw: ", error.what()));
  } catch (...) {
    return absl::InternalError(absl::StrCat("stage ", stage, " threw a non-std exception"));
  }
}

// As GuardedCall, for a call returning a value (or a StatusOr of one).
template <typename Result, typename Call>
absl::StatusOr<Result> Guarded(const std::string& stage, Call&& call) {
  std::optional<absl::StatusOr<Result>> result;
  absl::Status thrown = GuardedCall(stage, [&] { result.emplace(call()); });
  if (!thrown.ok()) return thrown;
  return *std::move(result);
}

inline absl::Status Annotate(const std::string& stage, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat("stage ", stage, ": ", status.message()));
}

struct StagePlan {
  std::string name;
  // Makes the channel in front of this stage (not used for the source).
  std::function<std::shared_ptr<void>()> make_input;
  // Starts the stage's fibers: `input` is the channel in front (null for the source),
  // `output` the one after (null for the sink).
  std::function<void(RunState&, void* input, void* output, bool ordered,
                     std::vector<JoinHandle>&)>
      start;
};

struct Plan {
  PipelineOptions options;
  std::vector<StagePlan> stages;
};

template <typename T, typename Source>
StagePlan MakeSource(Source source) {
  StagePlan plan;
  plan.name = "source";
  plan.start = [source = std::move(source)](RunState& run, void*, void* output, bool,
                                            std::vector<JoinHandle>& fibers) mutable {
    auto* out = static_cast<Channel<Item<T>>*>(output);
    fibers.push_back(Spawn([&run, out, &source] {
      uint64_t sequence = 0;
      while (run.context().Err().ok()) {
        using Result = std::invoke_result_t<Source&, const Context&>;
        absl::StatusOr<Result> next =
            Guarded<Result>("source", [&] { return source(run.context()); });
        std::optional<T> value;
        if (!next.ok()) {
          run.Fail(Annotate("source", next.status()));
          break;
        }
        if constexpr (std::is_same_v<Result, std::optional<T>>) {
          value = std::move(*next);
        } else {  // absl::StatusOr<std::optional<T>>
          if (!next->ok()) {
            run.Fail(Annotate("source", next->status()));
            break;
          }
          value = std::move(**next);
        }
        if (!value.has_value()) break;
        if (!out->Send(Item<T>{sequence++, std::move(*value)}, run.context()).ok()) break;
      }
      out->Close().IgnoreError();
    }));
  };
  return plan;
}

template <typename T, typename U, typename Function>
StagePlan MakeStage(std::string name, Function function, StageOptions options) {
  const int parallelism = std::max(options.parallelism, 1);
  const std::size_t capacity = std::max<std::size_t>(options.capacity, 1);
  StagePlan plan;
  plan.name = name;
  plan.make_input = [capacity] { return std::make_shared<Channel<Item<T>>>(capacity); };
  plan.start = [name, function = std::move(function), parallelism, capacity](
                   RunState& run, void* input, void* output, bool ordered,
                   std::vector<JoinHandle>& fibers) mutable {
    auto* in = static_cast<Channel<Item<T>>*>(input);
    auto* out = static_cast<Channel<Item<U>>*>(output);
    const bool reorder = ordered && parallelism > 1;
    // Shared by the stage's fibers; kept alive by them.
    struct Shared {
      std::atomic<int> running;
      std::optional<Channel<Item<U>>> scratch;  // reorder mode: workers -> reorderer
      std::optional<Semaphore> window;
    };
    auto shared = std::make_shared<Shared>();
    shared->running.store(parallelism);
    if (reorder) {
      shared->scratch.emplace(capacity);
      shared->window.emplace(static_cast<int64_t>(capacity) + parallelism);
    }
    Channel<Item<U>>* destination = reorder ? &*shared->scratch : out;
    for (int i = 0; i < parallelism; ++i) {
      fibers.push_back(Spawn([&run, in, destination, shared, &function, name] {
        while (true) {
          if (shared->window && !shared->window->Acquire(run.context()).ok()) break;
          absl::StatusOr<Item<T>> item = in->Recv(run.context());
          if (!item.ok()) {
            if (shared->window) shared->window->Release();
            break;
          }
          using Result = std::invoke_result_t<Function&, T>;
          absl::StatusOr<Result> result =
              Guarded<Result>(name, [&] { return function(std::move(item->value)); });
          absl::StatusOr<U> value;
          if (!result.ok()) {
            value = result.status();
          } else if constexpr (std::is_same_v<Result, U>) {
            value = std::move(*result);
          } else {
            value = std::move(*result);  // StatusOr<U> into StatusOr<U>
          }
          if (!value.ok()) {
            run.Fail(Annotate(name, value.status()));
            break;
          }
          if (!destination->Send(Item<U>{item->sequence, std::move(*value)}, run.context()).ok()) {
            break;
          }
        }
        if (shared->running.fetch_sub(1) == 1) destination->Close().IgnoreError();
      }));
    }
    if (reorder) {
      fibers.push_back(Spawn([&run, out, shared] {
        // In ordered mode every stage sees exactly the sequences 0, 1, 2, ...: the
        // source numbers from 0, and no stage drops or reorders items.
        std::map<uint64_t, U> pending;
        uint64_t next = 0;
        while (true) {
          absl::StatusOr<Item<U>> item = shared->scratch->Recv(run.context());
          if (!item.ok()) break;
          pending.emplace(item->sequence, std::move(item->value));
          bool sent_all = true;
          while (!pending.empty() && pending.begin()->first == next) {
            if (!out->Send(Item<U>{next, std::move(pending.begin()->second)}, run.context())
                     .ok()) {
              sent_all = false;
              break;
            }
            pending.erase(pending.begin());
            ++next;
            shared->window->Release();
          }
          if (!sent_all) break;
        }
        out->Close().IgnoreError();
      }));
    }
  };
  return plan;
}

template <typename T, typename Function>
StagePlan MakeSink(std::string name, Function function, StageOptions options) {
  const int parallelism = std::max(options.parallelism, 1);
  const std::size_t capacity = std::max<std::size_t>(options.capacity, 1);
  StagePlan plan;
  plan.name = name;
  plan.make_input = [capacity] { return std::make_shared<Channel<Item<T>>>(capacity); };
  plan.start = [name, function = std::move(function), parallelism](
                   RunState& run, void* input, void*, bool, std::vector<JoinHandle>& fibers) mutable {
    auto* in = static_cast<Channel<Item<T>>*>(input);
    for (int i = 0; i < parallelism; ++i) {
      fibers.push_back(Spawn([&run, in, &function, name] {
        while (true) {
          absl::StatusOr<Item<T>> item = in->Recv(run.context());
          if (!item.ok()) break;
          using Result = std::invoke_result_t<Function&, T>;
          absl::Status status;
          absl::Status thrown = GuardedCall(name, [&] {
            if constexpr (std::is_void_v<Result>) {
              function(std::move(item->value));
            } else {
              status = function(std::move(item->value));
            }
          });
          if (!thrown.ok()) status = thrown;
          if (!status.ok()) {
            run.Fail(Annotate(name, status));
            break;
          }
        }
      }));
    }
  };
  return plan;
}

class RunnablePipeline {
 public:
  explicit RunnablePipeline(Plan plan) : plan_(std::move(plan)) {}

  // Fiber context only. Runs the pipeline to the end; see pipeline.h for the result.
  // May be called again: each Run builds fresh channels (stage functions are shared).
  absl::Status Run(const Context& context = Context()) {
    RunState run(context);
    const std::size_t stages = plan_.stages.size();
    std::vector<std::shared_ptr<void>> channels;
    for (std::size_t i = 1; i < stages; ++i) channels.push_back(plan_.stages[i].make_input());
    std::vector<JoinHandle> fibers;
    for (std::size_t i = 0; i < stages; ++i) {
      void* input = i > 0 ? channels[i - 1].get() : nullptr;
      void* output = i + 1 < stages ? channels[i].get() : nullptr;
      plan_.stages[i].start(run, input, output, plan_.options.ordered, fibers);
    }
    absl::Status joined;
    for (JoinHandle& fiber : fibers) {
      absl::Status status = fiber.Join();
      if (joined.ok() && !status.ok()) joined = status;
    }
    if (absl::Status error = run.first_error(); !error.ok()) return error;
    if (absl::Status error = context.Err(); !error.ok()) return error;
    return joined;
  }

 private:
  Plan plan_;
};

}  // namespace troupe::pipeline_internal

#endif  // TROUPE_PIPELINE_INTERNAL_PIPELINE_RUN_H_
