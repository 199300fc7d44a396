// A worker pool across processes: workers in any number of processes serve a
// named pool, and any node submits work to it and gets the result back. NATS
// spreads the submissions over the workers (a queue group: each submission goes to
// one member, picked at random); workers join and leave while it runs.
//
//   // In each worker process: an actor does the work, at most 8 requests at a time.
//   absl::StatusOr<troupe::RemoteWorker> worker = node->ServeWork<Image, Thumbnail>(
//       "resize", resizer,
//       [](Image image, troupe::Reply<Thumbnail> reply) {
//         return Resize{std::move(image), std::move(reply)};
//       },
//       {.max_outstanding = 8});
//   ...
//   absl::Status left = worker->Leave(ctx);  // finishes and answers what it took
//
//   // Anywhere: submit, parking the fiber until a worker answers.
//   absl::StatusOr<troupe::RemotePool<Image, Thumbnail>> pool =
//       node->Pool<Image, Thumbnail>("resize");
//   absl::StatusOr<Thumbnail> thumbnail = pool->Submit(image, ctx);
//
// Backpressure: a worker holds at most max_outstanding requests (accepted, not yet
// answered); one more is answered "busy" at once, not queued, and the submitter
// sends it again after a short, growing pause — NATS's random pick then usually
// lands on another worker — until the context's deadline. A pool handle holds at
// most max_in_flight submissions at once; more Submit calls park until one ends, so
// a fast producer is slowed instead of flooding the workers. The design and the
// alternative rejected (credits announced by workers) are in
// internal/pool_core.cc.
//
// Every Submit ends in exactly one result or status: the worker's answer (or the
// status its actor answered with; Aborted if the actor dropped the request),
// Unavailable at once when the pool has no worker (NATS: no responders),
// ResourceExhausted when every worker tried was busy until the deadline (the
// deadline overtaking a retry counts: every answer before it was "busy"), or the
// context's error (DeadlineExceeded when the answer did not come in time; the
// worker then drops the request if it has not started it, and sends no late
// answer), or Unavailable when the node of the worker that took it dies.
//
// A worker's death: a worker tells the submitter "taken" once its actor has a
// submission (a small message beside the answer), and from then on the
// submitter watches the worker's node by its heartbeats
// (RemoteNodeOptions::failure_detection), as it does for a remote actor it asks.
// When that node is declared dead (a kill -9, a hung process, a network
// partition) or leaves, the submissions it holds fail Unavailable within
// failure_detection + heartbeat_interval, not at their deadlines. They are not
// sent to another worker: the dead one may have started or finished the work
// (delivery is at most once; resubmitting is the caller's choice, for work that
// is safe to do twice). Counted in RemoteStats (submissions_taken,
// asks_failed_by_node_death). Still left to the deadline: a submission the server
// had routed to the worker's connection when it died, before the worker took it
// and said so — give Submit a deadline.
#ifndef TROUPE_REMOTE_REMOTE_POOL_H_
#define TROUPE_REMOTE_REMOTE_POOL_H_

#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "troupe/remote/codec.h"
#include "troupe/remote/internal/node_core.h"
#include "troupe/remote/internal/pool_core.h"
#include "troupe/remote/internal/wire.h"
#include "troupe/remote/internal/worker_state.h"
#include "troupe/remote/protobuf_codec.h"
#include "troupe/remote/remote_options.h"
#include "troupe/scheduler/context.h"

namespace troupe {

// The submitting side of a pool (RemoteNode::Pool). Copyable and cheap; copies
// share one in-flight bound and one set of counters. Valid while its RemoteNode is.
template <typename W, typename R>
class RemotePool {
  static_assert(kHasCodec<W> && kHasCodec<R>,
                "RemotePool<W, R>: the work type W and the result type R need codecs to "
                "cross the wire. Use protobuf messages, or specialise troupe::Codec "
                "(troupe/remote/codec.h).");

 public:
  RemotePool() = default;

  // Fiber context (parks the fiber) or a plain thread (blocks it). Sends `work` to
  // one of the pool's workers and waits for the result; see the header comment for
  // every way it ends. `context`'s deadline travels with the work.
  absl::StatusOr<R> Submit(const W& work, const Context& context = Context()) const {
    std::string frame;  // owned: a retry after a park sends it again
    remote_internal::AppendHeader(
        remote_internal::Header{remote_internal::Kind::kAsk, context.deadline(),
                                core_->node().id()},
        &frame);
    Codec<W>::Encode(work, &frame);
    return remote_internal::DecodeReceived<R>(core_->Submit(frame, context), "the worker's answer");
  }
  // As Submit, with a timeout instead of a context.
  absl::StatusOr<R> Submit(const W& work, absl::Duration timeout) const {
    auto [context, cancel] = WithTimeout(Context(), timeout);
    absl::StatusOr<R> result = Submit(work, context);
    cancel.Cancel();
    return result;
  }

  // Any thread. Counters of this handle and its copies.
  RemotePoolStats stats() const { return core_->Stats(); }
  explicit operator bool() const { return core_ != nullptr; }

  // For RemoteNode.
  explicit RemotePool(std::shared_ptr<remote_internal::PoolCore> core) : core_(std::move(core)) {}

 private:
  std::shared_ptr<remote_internal::PoolCore> core_;
};

// A worker's membership in a pool (RemoteNode::ServeWork). Move-only. Destroying
// it leaves the pool without waiting (what it took is still answered).
class RemoteWorker {
 public:
  RemoteWorker() = default;
  RemoteWorker(RemoteWorker&& other) noexcept { *this = std::move(other); }
  RemoteWorker& operator=(RemoteWorker&& other) noexcept {
    if (this != &other) {
      StartLeaving();
      core_ = std::move(other.core_);
      state_ = std::move(other.state_);
      subscription_ = other.subscription_;
    }
    return *this;
  }
  RemoteWorker(const RemoteWorker&) = delete;
  RemoteWorker& operator=(const RemoteWorker&) = delete;
  ~RemoteWorker() { StartLeaving(); }

  // Fiber context (parks the fiber) or a plain thread (blocks it). Stops taking new
  // work — the server routes no more here; what it had routed before is still
  // handled — and waits until every request this worker took has been answered.
  // OK then (and at once on a later call), or `context`'s error first (the leave
  // goes on regardless; call again to wait more).
  absl::Status Leave(const Context& context = Context()) {
    if (state_ == nullptr) return absl::FailedPreconditionError("not a worker (moved from)");
    StartLeaving();
    return state_->AwaitDrained(context);
  }

  // Any thread.
  RemoteWorkerStats stats() const {
    return state_ == nullptr ? RemoteWorkerStats() : state_->Stats();
  }

  // For RemoteNode.
  RemoteWorker(std::shared_ptr<remote_internal::NodeCore> core,
               std::shared_ptr<remote_internal::WorkerState> state,
               remote_internal::Transport::SubscriptionId subscription)
      : core_(std::move(core)), state_(std::move(state)), subscription_(subscription) {}

 private:
  void StartLeaving() {
    if (core_ != nullptr) core_->RemoveWorker(subscription_);  // idempotent
  }

  std::shared_ptr<remote_internal::NodeCore> core_;
  std::shared_ptr<remote_internal::WorkerState> state_;
  remote_internal::Transport::SubscriptionId subscription_ = 0;
};

}  // namespace troupe

#endif  // TROUPE_REMOTE_REMOTE_POOL_H_
