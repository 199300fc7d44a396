// WorkerState: the untyped bookkeeping of one pool worker (RemoteNode::ServeWork,
// remote_pool.h) — its bound of outstanding work, its counters, and what Leave
// waits for.
//
// Outstanding work = requests the worker accepted (told its actor) and has not
// answered yet. The worker's queue subscription has one delivery thread, the only
// caller of TryAccept, which is therefore the only place the count grows: its
// check-then-add cannot overshoot the bound, because answers on other threads only
// lower the count meanwhile.
//
// Leaving: `holds_` counts the outstanding work plus one for the subscription while
// it can still deliver. The subscription's completion (after the handler's last
// call: a drain has handed it everything the server had routed here) drops that
// one; each answer drops its own. The count reaches zero exactly once, when nothing
// routed to this worker is left unanswered, and Leave waits for that.
#ifndef TROUPE_REMOTE_INTERNAL_WORKER_STATE_H_
#define TROUPE_REMOTE_INTERNAL_WORKER_STATE_H_

#include <atomic>
#include <cstdint>

#include "absl/status/status.h"
#include "troupe/remote/remote_options.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/wait_group.h"

namespace troupe::remote_internal {

class WorkerState {
 public:
  explicit WorkerState(int max_outstanding) : max_outstanding_(max_outstanding) {}
  WorkerState(const WorkerState&) = delete;
  WorkerState& operator=(const WorkerState&) = delete;

  // The subscription's delivery thread only. True: the request is taken (one more
  // outstanding; the caller must call Answered once for it). False: the worker is
  // at its bound (counted as a busy rejection).
  bool TryAccept();
  // Any thread, once per accepted request, just before its answer is published:
  // one less outstanding.
  void Release();
  // Any thread, once per accepted request, after Release and after its answer was
  // published (or dropped: the asker's deadline had passed).
  void Answered();
  // The subscription's completion: it will deliver nothing more.
  void SubscriptionEnded() { holds_.Done(); }

  // Any fiber (parks) or thread (blocks): OK once the subscription has ended and
  // every accepted request is answered, or `context`'s error first.
  absl::Status AwaitDrained(const Context& context) { return holds_.Wait(context); }

  RemoteWorkerStats Stats() const;

 private:
  const int64_t max_outstanding_;
  WaitGroup holds_{1};  // outstanding work + 1 while subscribed
  // Outstanding work: added by TryAccept (delivery thread), taken by Release (any
  // thread). relaxed: it orders nothing; the value alone enforces the bound.
  std::atomic<int64_t> outstanding_{0};
  // Statistics (relaxed). peak_ is written by the delivery thread only.
  std::atomic<int64_t> peak_{0};
  std::atomic<uint64_t> accepted_{0}, answered_{0}, busy_rejections_{0};
};

}  // namespace troupe::remote_internal

#endif  // TROUPE_REMOTE_INTERNAL_WORKER_STATE_H_
