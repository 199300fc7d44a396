#include "troupe/pipeline/worker_pool.h"

#include <optional>

namespace troupe {

absl::StatusOr<std::unique_ptr<WorkerPool>> WorkerPool::Create(Runtime& runtime,
                                                               WorkerPoolOptions options) {
  if (options.workers < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("workers must be >= 1; got ", options.workers));
  }
  if (options.queue_capacity < 1) {
    return absl::InvalidArgumentError("queue_capacity must be >= 1; got 0");
  }
  return std::unique_ptr<WorkerPool>(new WorkerPool(runtime, options));
}

WorkerPool::WorkerPool(Runtime& runtime, WorkerPoolOptions options)
    : tasks_(options.queue_capacity) {
  for (int i = 0; i < options.workers; ++i) {
    workers_.push_back(runtime.Spawn([this] {
      while (std::optional<absl::AnyInvocable<void() &&>> job = tasks_.Recv()) {
        std::move (*job)();
        completed_.fetch_add(1, std::memory_order_relaxed);  // statistic
      }
    }));
  }
}

WorkerPool::~WorkerPool() {
  Close();
  Wait().IgnoreError();
}

absl::Status WorkerPool::Enqueue(absl::AnyInvocable<void() &&> job, const Context& context,
                                 SubmitMode mode) {
  if (closed_.load(std::memory_order_acquire)) {
    return absl::FailedPreconditionError("submit to a closed worker pool");
  }
  if (mode == SubmitMode::kFailIfFull) {
    switch (tasks_.TrySend(std::move(job))) {
      case ChannelStatus::kOk: return absl::OkStatus();
      case ChannelStatus::kClosed:
        return absl::FailedPreconditionError("submit to a closed worker pool");
      default:
        return absl::ResourceExhaustedError(absl::StrCat(
            "worker pool queue is full (capacity ", tasks_.capacity(), ")"));
    }
  }
  absl::Status sent = tasks_.Send(std::move(job), context);
  if (sent.code() == absl::StatusCode::kFailedPrecondition) {
    return absl::FailedPreconditionError("submit to a closed worker pool");
  }
  return sent;
}

void WorkerPool::Close() {
  if (!closed_.exchange(true, std::memory_order_acq_rel)) tasks_.Close().IgnoreError();
}

absl::Status WorkerPool::Wait() {
  absl::Status first;
  for (JoinHandle& worker : workers_) {
    if (!worker.joinable()) continue;
    absl::Status status = worker.Join();
    if (first.ok() && !status.ok()) first = status;
  }
  return first;
}

}  // namespace troupe
