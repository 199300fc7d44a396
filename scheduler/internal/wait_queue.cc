#include "troupe/scheduler/internal/wait_queue.h"

#include "troupe/scheduler/internal/fiber.h"

namespace troupe::scheduler_internal {

void WaitQueue::PushBack(WaitNode* node) {
  node->prev = tail_;
  node->next = nullptr;
  if (tail_ != nullptr) {
    tail_->next = node;
  } else {
    head_ = node;
  }
  tail_ = node;
  node->linked = true;
}

void WaitQueue::Unlink(WaitNode* node) {
  if (node->prev != nullptr) {
    node->prev->next = node->next;
  } else {
    head_ = node->next;
  }
  if (node->next != nullptr) {
    node->next->prev = node->prev;
  } else {
    tail_ = node->prev;
  }
  node->linked = false;
}

void WaitQueue::Remove(WaitNode* node) {
  if (node->linked) Unlink(node);
}

WaitNode* WaitQueue::PopClaimed() {
  while (head_ != nullptr) {
    WaitNode* node = head_;
    Unlink(node);
    if (ClaimWait(node->fiber, node->token)) return node;
    // That wait ended (timed out, or another queue of a select won): drop the node.
  }
  return nullptr;
}

WaitNode* WaitQueue::PeekWaiting(const Fiber* except) {
  WaitNode* node = head_;
  while (node != nullptr) {
    WaitNode* next = node->next;
    // acquire: pairs with the claim's release; a claimed wait is over.
    if (node->fiber->wait_token.load(std::memory_order_acquire) != node->token) {
      Unlink(node);
    } else if (node->fiber != except) {
      return node;
    }
    node = next;
  }
  return nullptr;
}

bool WaitQueue::WakeOne(SpinLock& lock, int64_t* woken_wait_started_ns) {
  WaitNode* node;
  {
    SpinLockHolder holder(lock);
    node = PopClaimed();
  }
  if (node == nullptr) return false;
  // Claimed and not yet woken: the waiter cannot begin another wait (fiber.h).
  if (woken_wait_started_ns != nullptr && node->fiber->wait_profiled) {
    *woken_wait_started_ns = node->fiber->wait_started_ns.load(std::memory_order_relaxed);
  }
  FinishWake(node->fiber, WakeReason::kSignaled);
  return true;
}

}  // namespace troupe::scheduler_internal
