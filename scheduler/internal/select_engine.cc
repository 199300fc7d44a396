// Select: design notes (after Go's runtime/select.go).
//
// A select runs in up to two passes over its cases, in a random order drawn afresh
// every time, so that when several cases are ready each is equally likely to win and
// none starves.
//
//  Pass 1 (no waiting): attempt each case in turn, under its channel's lock; the
//  first that can proceed is performed and wins. A context case wins if the context
//  is done. If none can, the default case wins if there is one, the timeout case if
//  its deadline has passed.
//
//  Pass 2 (waiting): BeginWait once, then for each case, under its channel's lock,
//  check readiness again and, if still not ready, queue a WaitNode carrying the same
//  (fiber, token) on the channel's sender or receiver queue (or the context's
//  waiters). Checking and queuing under the same lock means no event on that channel
//  can slip between them. Then park. Whoever claims the token (ClaimWait) first — a
//  sender or receiver that completes one of the cases, a cancelled context, the
//  timeout timer — wins; it marks its node's `outcome`, and the other parties that
//  try to claim through the other nodes fail and drop them. After waking, the select
//  removes its remaining nodes.
//
//  If pass 2 finds a case ready before parking (something happened since pass 1), it
//  withdraws: it claims its own token (unless a case queued earlier has already won
//  it, in which case it just parks, and returns at once), removes its nodes, and
//  starts over from pass 1.
//
// Locks are taken one at a time, never nested, so selects over overlapping channel
// sets cannot deadlock; Go takes all of them at once in address order instead, which
// this design does not need because the wait token, not the locks, makes the commit
// atomic.
#include "troupe/scheduler/internal/select_engine.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/internal/fatal.h"
#include "troupe/scheduler/internal/fiber.h"

namespace troupe::scheduler_internal {

namespace {

uint32_t NextRandom() {
  thread_local uint32_t state =
      static_cast<uint32_t>(reinterpret_cast<uintptr_t>(&state) >> 4) | 1u;
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}

// Join cases use the fiber's single joiner slot (fiber.h): the select registers its
// wait there, and the exiting fiber wakes it like any joiner. Such a wake marks no
// node, so after waking, a join case whose fiber has finished is taken to have fired.
bool JoinDone(const SelectCase& c) {
  // acquire; pairs with the exiting fiber's exchange.
  return c.fiber->joiner.load(std::memory_order_acquire) == kJoinDone;
}

// Performs `c` if it can proceed now. True if it did (c.outcome says how).
bool AttemptNow(SelectCase& c) {
  if (c.kind == SelectCase::Kind::kJoin) {
    if (!JoinDone(c)) return false;
    c.outcome = 1;
    return true;
  }
  if (c.kind == SelectCase::Kind::kContextDone) {
    if (c.context->Err().ok()) return false;
    c.outcome = 1;
    return true;
  }
  Fiber* wake = nullptr;
  ChannelResult result;
  {
    SpinLockHolder holder(c.channel->lock());
    result = c.kind == SelectCase::Kind::kSend ? c.channel->AttemptSendLocked(c.slot, &wake)
                                               : c.channel->AttemptRecvLocked(c.slot, &wake);
  }
  if (wake != nullptr) FinishWake(wake, WakeReason::kSignaled);
  if (result == ChannelResult::kWouldBlock) return false;
  c.outcome = result == ChannelResult::kDone ? kOutcomeDone : kOutcomeClosed;
  return true;
}

// Queues `node` for `c` unless `c` is ready now. True if queued.
bool QueueUnlessReady(SelectCase& c, WaitNode& node) {
  if (c.kind == SelectCase::Kind::kJoin) {
    c.fiber->joiner_token = node.token;
    Fiber* expected = nullptr;
    // acq_rel: release publishes joiner_token to the exiting fiber.
    if (c.fiber->joiner.compare_exchange_strong(expected, node.fiber,
                                                std::memory_order_acq_rel,
                                                std::memory_order_acquire)) {
      return true;
    }
    if (expected == kJoinDone) return false;
    Fatal("Select", "a fiber is joined twice at once");
  }
  if (c.kind == SelectCase::Kind::kContextDone) return c.context->AddWaiter(&node);
  SpinLockHolder holder(c.channel->lock());
  if (c.kind == SelectCase::Kind::kSend) {
    if (c.channel->SendReadyLocked(node.fiber)) return false;
    c.channel->senders().PushBack(&node);
  } else {
    if (c.channel->RecvReadyLocked(node.fiber)) return false;
    c.channel->receivers().PushBack(&node);
  }
  return true;
}

void Dequeue(SelectCase& c, WaitNode& node) {
  if (c.kind == SelectCase::Kind::kJoin) {
    Fiber* expected = node.fiber;
    // Withdraw as joiner; if the fiber finished meanwhile the slot says so instead.
    c.fiber->joiner.compare_exchange_strong(expected, nullptr, std::memory_order_acq_rel,
                                            std::memory_order_acquire);
    return;
  }
  if (c.kind == SelectCase::Kind::kContextDone) {
    c.context->RemoveWaiter(&node);
    return;
  }
  SpinLockHolder holder(c.channel->lock());
  if (c.kind == SelectCase::Kind::kSend) {
    c.channel->senders().Remove(&node);
  } else {
    c.channel->receivers().Remove(&node);
  }
}

}  // namespace

int RunSelect(SelectCase* cases, const SelectScratch& scratch, int count, bool has_default,
              int64_t deadline_ns) {
  WaitNode* const nodes = scratch.nodes;
  int* const order = scratch.order;
  bool* const queued = scratch.queued;
  // Nobody cancels a context when its deadline passes (contexts have no timer of
  // their own), so the wait is bounded by the earliest context deadline too; when it
  // ends for that one, the next pass finds the context done (Err() notices).
  int64_t wait_deadline_ns = deadline_ns;
  for (int i = 0; i < count; ++i) {
    if (cases[i].kind != SelectCase::Kind::kContextDone) continue;
    const int64_t context_deadline = cases[i].context->deadline_ns();
    if (context_deadline != 0 && (wait_deadline_ns == 0 || context_deadline < wait_deadline_ns)) {
      wait_deadline_ns = context_deadline;
    }
  }
  while (true) {
    for (int i = 0; i < count; ++i) order[i] = i;
    for (int i = count - 1; i > 0; --i) std::swap(order[i], order[NextRandom() % (i + 1)]);

    for (int k = 0; k < count; ++k) {
      if (AttemptNow(cases[order[k]])) return order[k];
    }
    if (has_default) return kSelectDefault;
    if (deadline_ns != 0 && MonotonicNanos() >= deadline_ns) return kSelectTimeout;

    Fiber* self = CurrentWaiter();
    const uint64_t token = BeginWait(self, "select");
    bool saw_ready = false;
    for (int i = 0; i < count; ++i) queued[i] = false;
    for (int k = 0; k < count && !saw_ready; ++k) {
      const int i = order[k];
      nodes[i] = WaitNode{};
      nodes[i].fiber = self;
      nodes[i].token = token;
      nodes[i].slot = cases[i].slot;
      nodes[i].case_index = i;
      queued[i] = QueueUnlessReady(cases[i], nodes[i]);
      saw_ready = !queued[i];
    }
    if (saw_ready && ClaimWait(self, token)) {
      // Withdraw and start over: end our own wait, take our nodes back.
      FinishWake(self, WakeReason::kSignaled);
      CommitWait(self, token, 0);
      for (int i = 0; i < count; ++i) {
        if (queued[i]) Dequeue(cases[i], nodes[i]);
      }
      continue;
    }
    const WakeReason reason = CommitWait(self, token, wait_deadline_ns);
    int fired = reason == WakeReason::kShutdown ? kSelectShutdown : -3;
    bool timed_out = reason == WakeReason::kTimedOut;
    for (int i = 0; i < count; ++i) {
      if (!queued[i]) continue;
      if (nodes[i].outcome != 0) {
        fired = i;
        cases[i].outcome = nodes[i].outcome;
      } else {
        Dequeue(cases[i], nodes[i]);
      }
    }
    if (fired == -3) {  // woken by a finishing fiber (see JoinDone)
      for (int i = 0; i < count && fired == -3; ++i) {
        if (queued[i] && cases[i].kind == SelectCase::Kind::kJoin && JoinDone(cases[i])) {
          fired = i;
          cases[i].outcome = 1;
        }
      }
    }
    if (fired == -3 && timed_out) {
      // A deadline passed (ours or a context's): one more pass decides, in which
      // ready cases win over an expired timeout, as in Go.
      continue;
    }
    if (fired == -3) {
      Fatal("RunSelect", "woken with no case fired");
    }
    return fired;
  }
}

}  // namespace troupe::scheduler_internal
