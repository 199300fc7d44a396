// PoolCore: the untyped submitting side of a worker pool (remote_pool.h): the
// in-flight bound, the retry loop after "busy" answers, and the counters. Shared by
// a RemotePool and its copies.
#ifndef TROUPE_REMOTE_INTERNAL_POOL_CORE_H_
#define TROUPE_REMOTE_INTERNAL_POOL_CORE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "troupe/remote/internal/node_core.h"
#include "troupe/remote/internal/pending_asks.h"
#include "troupe/remote/remote_options.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/semaphore.h"

namespace troupe::remote_internal {

class PoolCore {
 public:
  // InvalidArgument for options outside what RemotePoolOptions allows.
  static absl::Status Validate(const RemotePoolOptions& options);
  PoolCore(std::shared_ptr<NodeCore> node, const std::string& pool, RemotePoolOptions options);

  // Any fiber (parks) or thread (blocks). Parks while max_in_flight submissions are
  // in flight, then sends `frame` (an ask frame) to the pool until a worker takes
  // it: the answer's payload, or an error — the context's while parked for room;
  // Unavailable at once when no worker is in the pool; ResourceExhausted when
  // every try until the context's deadline was turned away busy; the worker's
  // answer otherwise (DeadlineExceeded if none came in time).
  AskAnswer Submit(absl::string_view frame, const Context& context);

  NodeCore& node() { return *node_; }
  RemotePoolStats Stats() const;

 private:
  // Sends until an answer that is not "busy", pausing between tries.
  AskAnswer SendUntilTaken(absl::string_view frame, const Context& context);

  const std::shared_ptr<NodeCore> node_;
  const std::string subject_;
  const std::string target_;  // `worker pool "<name>"`, for messages
  const RemotePoolOptions options_;
  Semaphore in_flight_permits_;
  // Statistics, all relaxed (read without ordering).
  std::atomic<uint64_t> submitted_{0}, completed_{0}, failed_{0}, busy_answers_{0}, retries_{0};
};

}  // namespace troupe::remote_internal

#endif  // TROUPE_REMOTE_INTERNAL_POOL_CORE_H_
