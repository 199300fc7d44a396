#include "troupe/remote/internal/worker_state.h"

namespace troupe::remote_internal {

bool WorkerState::TryAccept() {
  // relaxed: the bound needs only the value; answers on other threads can only
  // have lowered it since (module comment).
  const int64_t outstanding = outstanding_.load(std::memory_order_relaxed);
  if (outstanding >= max_outstanding_) {
    busy_rejections_.fetch_add(1, std::memory_order_relaxed);  // statistics
    return false;
  }
  holds_.Add(1);  // before the count: Answered's Done never precedes its Add
  outstanding_.fetch_add(1, std::memory_order_relaxed);
  if (outstanding + 1 > peak_.load(std::memory_order_relaxed)) {  // delivery thread only
    peak_.store(outstanding + 1, std::memory_order_relaxed);      // statistics
  }
  accepted_.fetch_add(1, std::memory_order_relaxed);  // statistics
  return true;
}

void WorkerState::Release() {
  outstanding_.fetch_sub(1, std::memory_order_relaxed);  // see TryAccept
}

void WorkerState::Answered() {
  answered_.fetch_add(1, std::memory_order_relaxed);  // statistics
  holds_.Done();  // last: Leave may return once it is zero
}

RemoteWorkerStats WorkerState::Stats() const {
  RemoteWorkerStats stats;
  stats.accepted = accepted_.load(std::memory_order_relaxed);  // statistics, all
  stats.answered = answered_.load(std::memory_order_relaxed);
  stats.busy_rejections = busy_rejections_.load(std::memory_order_relaxed);
  stats.outstanding = outstanding_.load(std::memory_order_relaxed);
  stats.peak_outstanding = peak_.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace troupe::remote_internal
