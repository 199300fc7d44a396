// PoolCore: submitting work to a pool of workers in other processes (see
// remote_pool.h for the API, worker_state.h for the worker's side).
//
// Backpressure, as the two sides' rules:
//   1. A worker holds at most max_outstanding requests (accepted, not answered).
//      One that arrives beyond that is answered "busy" at once, untaken — never
//      queued past the bound and never dropped.
//   2. A submitter that gets "busy" sends the same frame again after a pause
//      (jittered, doubling up to max_backoff); NATS picks a queue-group member at
//      random each time, so the retry usually lands on another worker. It stops at
//      the context's deadline with ResourceExhausted (also when the deadline
//      overtakes a retry's answer: every answer so far was "busy").
//   3. A pool handle holds at most max_in_flight submissions waiting for results;
//      the next Submit parks (Semaphore) until one finishes, so a producer faster
//      than the workers is slowed rather than flooding them with retries.
//   Every submission therefore ends in exactly one result or status: the worker's
//   answer, Unavailable (no worker at all: NATS's "no responders", at once),
//   ResourceExhausted (busy until the deadline), or the context's error.
//
// Rejected: credits announced by the workers (each advertises free slots, the
// submitter picks one with credit). It bounds work without retries, but needs a
// directory of workers per submitter, kept fresh as workers join and leave, and
// per-worker subjects — which throws away what the queue group gives for free
// (membership, the server's own load spreading, no stale view). With "busy"
// answers, a worker's bound is exact at the worker, joins and leaves need no
// protocol, and the cost (a retry round trip) is paid only when a worker is full.
// Rejected too: queueing excess work at the worker (a local queue past the
// bound): that is an unbounded bound, and a worker leaving would hold work that
// another could be doing.
#include "troupe/remote/internal/pool_core.h"

#include <algorithm>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "troupe/scheduler/this_fiber.h"

namespace troupe::remote_internal {

namespace {

constexpr int kMaxInFlight = 1 << 20;
constexpr absl::Duration kMaxBackoffAllowed = absl::Seconds(10);

// A pause drawn from [backoff / 2, backoff].
absl::Duration Jittered(absl::Duration backoff) {
  thread_local std::minstd_rand generator{std::random_device{}()};
  std::uniform_real_distribution<double> half_to_one(0.5, 1.0);
  return backoff * half_to_one(generator);
}

}  // namespace

absl::Status PoolCore::Validate(const RemotePoolOptions& options) {
  if (options.max_in_flight < 1 || options.max_in_flight > kMaxInFlight) {
    return absl::InvalidArgumentError(absl::StrCat("max_in_flight must be in [1, ", kMaxInFlight,
                                                   "]; got ", options.max_in_flight));
  }
  if (options.initial_backoff <= absl::ZeroDuration() ||
      options.initial_backoff > options.max_backoff ||
      options.max_backoff > kMaxBackoffAllowed) {
    return absl::InvalidArgumentError(absl::StrCat(
        "backoff must be 0 < initial_backoff <= max_backoff <= 10s; got initial_backoff ",
        absl::FormatDuration(options.initial_backoff), " and max_backoff ",
        absl::FormatDuration(options.max_backoff)));
  }
  return absl::OkStatus();
}

PoolCore::PoolCore(std::shared_ptr<NodeCore> node, const std::string& pool,
                   RemotePoolOptions options)
    : node_(std::move(node)),
      subject_(node_->WorkSubject(pool)),
      target_(absl::StrCat("worker pool \"", pool, "\"")),
      options_(options),
      in_flight_permits_(options.max_in_flight) {}

AskAnswer PoolCore::Submit(absl::string_view frame, const Context& context) {
  if (absl::Status room = in_flight_permits_.Acquire(context); !room.ok()) return room;
  submitted_.fetch_add(1, std::memory_order_relaxed);  // statistics, all three
  AskAnswer answer = SendUntilTaken(frame, context);
  (answer.ok() ? completed_ : failed_).fetch_add(1, std::memory_order_relaxed);
  in_flight_permits_.Release();
  return answer;
}

AskAnswer PoolCore::SendUntilTaken(absl::string_view frame, const Context& context) {
  absl::Duration backoff = options_.initial_backoff;
  // Busy until the deadline: every try answered was turned away. A retry whose
  // answer the deadline overtook counts as busy too (a busy worker answers at once,
  // so that try most likely met another full worker on a slow round trip): the
  // caller learns that the pool had no room, not that some worker was too slow.
  auto busy_until_deadline = [&](uint64_t answered_busy) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "every worker of ", target_, " that was tried was busy until the deadline (",
        answered_busy, answered_busy == 1 ? " try)" : " tries)"));
  };
  for (uint64_t attempt = 1;; ++attempt) {
    AskAnswer answer = node_->SendAsk(subject_, target_, /*host=*/0, frame, context);
    // (Our own deadline, not a DeadlineExceeded the worker's actor answered with.)
    if (attempt > 1 && answer.status().code() == absl::StatusCode::kDeadlineExceeded &&
        context.Err().code() == absl::StatusCode::kDeadlineExceeded) {
      return busy_until_deadline(attempt - 1);
    }
    if (answer.ok() || !IsWorkerBusy(answer.status())) return answer;
    busy_answers_.fetch_add(1, std::memory_order_relaxed);  // statistics
    absl::Status paused = this_fiber::SleepFor(Jittered(backoff), context);
    if (paused.ok()) paused = context.Err();  // (ended just as the pause did)
    if (!paused.ok()) {
      if (paused.code() != absl::StatusCode::kDeadlineExceeded) return paused;
      return busy_until_deadline(attempt);
    }
    backoff = std::min(2 * backoff, options_.max_backoff);
    retries_.fetch_add(1, std::memory_order_relaxed);  // statistics
  }
}

RemotePoolStats PoolCore::Stats() const {
  RemotePoolStats stats;
  // The ends before the starts (statistics, all relaxed), so that a submission
  // ending meanwhile is not counted as ended but not started.
  stats.completed = completed_.load(std::memory_order_relaxed);
  stats.failed = failed_.load(std::memory_order_relaxed);
  stats.submitted = submitted_.load(std::memory_order_relaxed);
  stats.busy_answers = busy_answers_.load(std::memory_order_relaxed);
  stats.retries = retries_.load(std::memory_order_relaxed);
  // Started and not yet ended; never below 0 (relaxed loads of three counters).
  stats.in_flight = std::max<int64_t>(
      0, static_cast<int64_t>(stats.submitted - stats.completed - stats.failed));
  return stats;
}

}  // namespace troupe::remote_internal
