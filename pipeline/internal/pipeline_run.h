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
//
// Batches. Outside ordered mode a stage's fiber takes up to BatchSize items from its
// input channel at once (one blocking Recv, then TryRecv while items are there),
// runs the function on each, then sends the results on. Done item by item, every
// Recv and Send contends for the channel's lock and ring with the fibers on the
// other cores, and the cache lines holding them move between cores for each item;
// in a batch they stay put for several (measured: about 15% more throughput on the
// pattern comparison's pipeline with 2 processors, BENCHMARKS.md). A stage therefore
// holds at most capacity + parallelism x BatchSize items: with BatchSize at most
// capacity / (2 x parallelism), that is 1.5 x capacity (or capacity + parallelism
// for tiny capacities), so the pipeline's memory stays bounded. Ordered mode takes
// one item at a time: its window must stay in step with what each fiber holds.
//
// Every fiber of a stage carries the pprof label stage=<name> (profiling/labels.h),
// so CPU and fiber profiles split by stage.
//
// Tracing. A record that carries a Context (a member `context` of type
// troupe::Context) whose trace context is set is handled in a span named after the
// stage (tracing/span.h), and reaches the stage's function carrying the span's
// context: what the function asks with it continues the trace, and a result record
// that keeps it makes the next stage's span a child of this one. Other records cost
// nothing: the check is made at compile time.
#ifndef TROUPE_PIPELINE_INTERNAL_PIPELINE_RUN_H_
#define TROUPE_PIPELINE_INTERNAL_PIPELINE_RUN_H_

#include <algorithm>
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
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "troupe/pipeline/pipeline_options.h"
#include "troupe/pipeline/pipeline_stats.h"
#include "troupe/profiling/labels.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/semaphore.h"
#include "troupe/scheduler/trace_context.h"
#include "troupe/tracing/span.h"

namespace troupe::pipeline_internal {

template <typename T>
struct Item {
  uint64_t sequence;
  T value;
};

// What every fiber of one run shares: the run's context, its first error, and where
// its stages' figures go (null: nowhere).
class RunState {
 public:
  RunState(const Context& parent, PipelineStats* stats)
      : run_(WithCancel(parent)), stats_(stats) {}
  const Context& context() const { return run_.context; }
  // The counters of stage `name`, or null if the run keeps no stats.
  PipelineStats::StageCounters* StageCounters(const std::string& name) {
    return stats_ == nullptr ? nullptr : stats_->ForStage(name);
  }
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
  PipelineStats* const stats_;
  mutable std::mutex mutex_;  // never held across a park
  absl::Status first_error_;
};

// Counts `items` passed on by a stage (if it keeps stats).
inline void CountItems(PipelineStats::StageCounters* counters, uint64_t items) {
  if (counters != nullptr) counters->items.fetch_add(items, std::memory_order_relaxed);  // stat
}

// out.Send(item), parking while the channel is full; with `counters`, the time parked
// is added to the stage's backpressure (a send that finds room reads no clock).
template <typename T>
absl::Status SendCounted(Channel<Item<T>>& out, Item<T>&& item, const RunState& run,
                         PipelineStats::StageCounters* counters) {
  if (counters == nullptr) return out.Send(std::move(item), run.context());
  if (out.TrySend(std::move(item)) == ChannelStatus::kOk) return absl::OkStatus();
  // Full or closed (the value was not moved): the blocking send says which.
  const absl::Time start = absl::Now();
  absl::Status sent = out.Send(std::move(item), run.context());
  counters->backpressure_ns.fetch_add(
      static_cast<uint64_t>(absl::ToInt64Nanoseconds(absl::Now() - start)),
      std::memory_order_relaxed);  // relaxed: a statistic
  return sent;
}

// Whether records of type T carry a Context (see the top of this file).
template <typename T, typename = void>
struct CarriesContext : std::false_type {};
template <typename T>
struct CarriesContext<T, std::void_t<decltype(T::context)>>
    : std::is_same<std::remove_cv_t<decltype(T::context)>, Context> {};

inline absl::Status StatusOfResult(const absl::Status& status) { return status; }
template <typename U>
absl::Status StatusOfResult(const absl::StatusOr<U>& result) {
  return result.status();
}
template <typename U>
absl::Status StatusOfResult(const U&) {
  return absl::OkStatus();
}

// `function(std::move(value))` for stage `stage`: in the stage's span when `value`
// carries a traced Context (see the top of this file).
template <typename T, typename Function>
std::invoke_result_t<Function&, T> CallTraced(const std::string& stage, T& value,
                                              Function& function) {
  using Result = std::invoke_result_t<Function&, T>;
  if constexpr (CarriesContext<T>::value) {
    if (TraceContextOf(value.context) != nullptr) {
      const Context parent = std::move(value.context);
      tracing::ScopedSpan span(parent, stage);
      value.context = span.context();
      // What the span says if the function throws instead of returning.
      span.SetStatus(absl::InternalError("the stage's function threw"));
      if constexpr (std::is_void_v<Result>) {
        function(std::move(value));
        span.SetStatus(absl::OkStatus());
        return;
      } else {
        Result result = function(std::move(value));
        span.SetStatus(StatusOfResult(result));
        return result;
      }
    }
  }
  return function(std::move(value));
}

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

// Items a stage's fiber takes at once (see the top of this file): half the channel's
// capacity shared among the stage's fibers, at least 1, at most 32.
// The pprof labels of a stage's fibers ("stage" = its name: profiling/labels.h),
// interned once per stage and run; null once the process has too many label sets.
inline const profiling::LabelSet* StageLabels(const std::string& stage) {
  return profiling::LabelSet::Intern({{"stage", stage}});
}

inline std::size_t BatchSize(std::size_t capacity, int parallelism) {
  return std::clamp<std::size_t>(capacity / (2 * static_cast<std::size_t>(parallelism)), 1, 32);
}

// Blocks for one item from `in`, then takes up to `batch_size` - 1 more that are
// already there. False once the channel is closed and drained or the run is done.
template <typename T>
bool ReceiveBatch(Channel<Item<T>>& in, const RunState& run, std::size_t batch_size,
                  std::vector<Item<T>>& batch) {
  batch.clear();
  absl::StatusOr<Item<T>> first = in.Recv(run.context());
  if (!first.ok()) return false;
  batch.push_back(*std::move(first));
  std::optional<Item<T>> more;
  while (batch.size() < batch_size && in.TryRecv(&more) == ChannelStatus::kOk) {
    batch.push_back(*std::move(more));
    more.reset();
  }
  return true;
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
    const profiling::LabelSet* labels = StageLabels("source");
    PipelineStats::StageCounters* counters = run.StageCounters("source");
    fibers.push_back(Spawn([&run, out, &source, labels, counters] {
      profiling::SetFiberLabels(labels);
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
        if (!SendCounted(*out, Item<T>{sequence++, std::move(*value)}, run, counters).ok()) {
          break;
        }
        CountItems(counters, 1);
      }
      out->Close().IgnoreError();
    }));
  };
  return plan;
}

// The plan of a stage with a channel in front of it (a Then stage or the sink): its
// name and the channel's maker. Applies the options' floors first: parallelism and
// capacity below 1 mean 1 (pipeline_options.h).
template <typename T>
StagePlan PlanFedByChannel(const std::string& name, StageOptions& options) {
  options.parallelism = std::max(options.parallelism, 1);
  options.capacity = std::max<std::size_t>(options.capacity, 1);
  StagePlan plan;
  plan.name = name;
  plan.make_input = [capacity = options.capacity] {
    return std::make_shared<Channel<Item<T>>>(capacity);
  };
  return plan;
}

template <typename T, typename U, typename Function>
StagePlan MakeStage(std::string name, Function function, StageOptions options) {
  StagePlan plan = PlanFedByChannel<T>(name, options);
  const int parallelism = options.parallelism;
  const std::size_t capacity = options.capacity;
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
    const std::size_t batch_size = reorder ? 1 : BatchSize(capacity, parallelism);
    const profiling::LabelSet* labels = StageLabels(name);
    PipelineStats::StageCounters* counters = run.StageCounters(name);
    // In ordered mode the workers' sends go to the reorderer, whose own sends are the
    // stage's (its items and backpressure).
    PipelineStats::StageCounters* worker_counters = reorder ? nullptr : counters;
    for (int i = 0; i < parallelism; ++i) {
      fibers.push_back(Spawn([&run, in, destination, shared, &function, name, batch_size, labels,
                              worker_counters] {
        profiling::SetFiberLabels(labels);
        std::vector<Item<T>> batch;
        std::vector<Item<U>> results;
        batch.reserve(batch_size);
        results.reserve(batch_size);
        bool going = true;
        while (going) {
          // Ordered mode (batch_size 1): a window permit for the one item taken.
          if (shared->window && !shared->window->Acquire(run.context()).ok()) break;
          if (!ReceiveBatch(*in, run, batch_size, batch)) {
            if (shared->window) shared->window->Release();
            break;
          }
          results.clear();
          for (Item<T>& item : batch) {
            using Result = std::invoke_result_t<Function&, T>;
            absl::StatusOr<Result> result =
                Guarded<Result>(name, [&] { return CallTraced(name, item.value, function); });
            if (!result.ok()) {
              run.Fail(Annotate(name, result.status()));
              going = false;
              break;
            }
            if constexpr (std::is_same_v<Result, U>) {
              results.push_back(Item<U>{item.sequence, *std::move(result)});
            } else {  // StatusOr<U>
              if (!result->ok()) {
                run.Fail(Annotate(name, result->status()));
                going = false;
                break;
              }
              results.push_back(Item<U>{item.sequence, **std::move(result)});
            }
          }
          uint64_t sent = 0;
          for (Item<U>& result : results) {
            if (!SendCounted(*destination, std::move(result), run, worker_counters).ok()) {
              going = false;
              break;
            }
            ++sent;
          }
          CountItems(worker_counters, sent);
        }
        if (shared->running.fetch_sub(1) == 1) destination->Close().IgnoreError();
      }));
    }
    if (reorder) {
      fibers.push_back(Spawn([&run, out, shared, labels, counters] {
        profiling::SetFiberLabels(labels);
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
            if (!SendCounted(*out, Item<U>{next, std::move(pending.begin()->second)}, run,
                             counters)
                     .ok()) {
              sent_all = false;
              break;
            }
            CountItems(counters, 1);
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
  StagePlan plan = PlanFedByChannel<T>(name, options);
  const int parallelism = options.parallelism;
  const std::size_t capacity = options.capacity;
  plan.start = [name, function = std::move(function), parallelism, capacity](
                   RunState& run, void* input, void*, bool, std::vector<JoinHandle>& fibers) mutable {
    auto* in = static_cast<Channel<Item<T>>*>(input);
    const std::size_t batch_size = BatchSize(capacity, parallelism);
    const profiling::LabelSet* labels = StageLabels(name);
    PipelineStats::StageCounters* counters = run.StageCounters(name);
    for (int i = 0; i < parallelism; ++i) {
      fibers.push_back(Spawn([&run, in, &function, name, batch_size, labels, counters] {
        profiling::SetFiberLabels(labels);
        std::vector<Item<T>> batch;
        batch.reserve(batch_size);
        while (ReceiveBatch(*in, run, batch_size, batch)) {
          for (Item<T>& item : batch) {
            using Result = std::invoke_result_t<Function&, T>;
            absl::Status status;
            absl::Status thrown = GuardedCall(name, [&] {
              if constexpr (std::is_void_v<Result>) {
                CallTraced(name, item.value, function);
              } else {
                status = CallTraced(name, item.value, function);
              }
            });
            if (!thrown.ok()) status = thrown;
            if (!status.ok()) {
              run.Fail(Annotate(name, status));
              return;
            }
            CountItems(counters, 1);
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
    RunState run(context, plan_.options.stats.get());
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
