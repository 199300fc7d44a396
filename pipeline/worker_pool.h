// WorkerPool: N worker fibers taking tasks from one bounded queue.
//
//   auto pool = troupe::WorkerPool::Create(runtime, {.workers = 8, .queue_capacity = 64});
//   absl::StatusOr<troupe::Future<int>> result = (*pool)->Submit([] { return Work(); });
//   absl::StatusOr<int> value = result->Get(ctx);
//   (*pool)->Close();              // no more tasks; the queued ones still run
//   absl::Status done = (*pool)->Wait();
//
// Backpressure: when the queue is full, Submit parks the caller (SubmitMode::kWait,
// bounded by the context) or fails at once with ResourceExhausted
// (SubmitMode::kFailIfFull). Submitting to a closed pool is FailedPrecondition. A task
// is any callable with no arguments returning T, absl::StatusOr<T>, absl::Status or
// void; an exception escaping it becomes an Internal status in its Future.
#ifndef TROUPE_PIPELINE_WORKER_POOL_H_
#define TROUPE_PIPELINE_WORKER_POOL_H_

#include <atomic>
#include <cstddef>
#include <exception>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "troupe/pipeline/future.h"
#include "troupe/pipeline/internal/result_value.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"

namespace troupe {

struct WorkerPoolOptions {
  int workers = 4;                  // >= 1
  std::size_t queue_capacity = 64;  // >= 1
};

enum class SubmitMode { kWait, kFailIfFull };

class WorkerPool {
 public:
  // Validates `options` (InvalidArgument saying what is allowed) and starts the
  // workers on `runtime`.
  static absl::StatusOr<std::unique_ptr<WorkerPool>> Create(Runtime& runtime,
                                                            WorkerPoolOptions options);
  // Closes the pool and waits for the workers.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  template <typename Task>
  using ResultOf =
      typename pipeline_internal::ResultValue<std::invoke_result_t<std::decay_t<Task>&>>::type;

  // Any fiber or thread.
  template <typename Task>
  absl::StatusOr<Future<ResultOf<Task>>> Submit(Task&& task, const Context& context = Context(),
                                                SubmitMode mode = SubmitMode::kWait) {
    using R = ResultOf<Task>;
    using Value = typename Future<R>::Value;
    typename Future<R>::Slot slot(1);
    absl::AnyInvocable<void() &&> job = [slot, task = std::forward<Task>(task)]() mutable {
      // Capacity 1 and one answer per task: the send cannot find the slot full.
      (void)slot.TrySend(Run<Value>(task));
    };
    if (absl::Status queued = Enqueue(std::move(job), context, mode); !queued.ok()) {
      return queued;
    }
    return Future<R>(std::move(slot));
  }

  // No more submissions; queued tasks still run. Idempotent.
  void Close();
  // Parks until every worker has finished (call Close first, or it waits forever).
  absl::Status Wait();

  std::size_t queued() const { return tasks_.size(); }
  uint64_t completed() const { return completed_.load(std::memory_order_relaxed); }

 private:
  WorkerPool(Runtime& runtime, WorkerPoolOptions options);

  absl::Status Enqueue(absl::AnyInvocable<void() &&> job, const Context& context,
                       SubmitMode mode);

  template <typename Value, typename Task>
  static absl::StatusOr<Value> Run(Task& task) {
    using Result = std::invoke_result_t<Task&>;
    try {
      if constexpr (std::is_void_v<Result>) {
        task();
        return Value{};
      } else if constexpr (std::is_same_v<Result, absl::Status>) {
        absl::Status status = task();
        if (!status.ok()) return status;
        return Value{};
      } else {
        return task();
      }
    } catch (const std::exception& error) {
      return absl::InternalError(absl::StrCat("task threw: ", error.what()));
    } catch (...) {
      return absl::InternalError("task threw a non-std exception");
    }
  }

  Channel<absl::AnyInvocable<void() &&>> tasks_;
  std::vector<JoinHandle> workers_;
  std::atomic<uint64_t> completed_{0};
  std::atomic<bool> closed_{false};
};

}  // namespace troupe

#endif  // TROUPE_PIPELINE_WORKER_POOL_H_
