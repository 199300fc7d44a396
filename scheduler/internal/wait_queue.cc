#include "scheduler/internal/wait_queue.h"

namespace troupe::scheduler_internal {

void WaitQueue::PushBack(Node* node) {
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

void WaitQueue::Unlink(Node* node) {
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

bool WaitQueue::PopFront(Waiter& out) {
  if (head_ == nullptr) return false;
  Node* node = head_;
  Unlink(node);
  out = node->waiter;
  return true;
}

bool WaitQueue::WakeOne(SpinLock& lock) {
  while (true) {
    Waiter waiter;
    {
      SpinLockHolder holder(lock);
      if (!PopFront(waiter)) return false;
    }
    // A failed wake means that waiter timed out meanwhile: try the next one, so the
    // wake-up the caller owes is not lost.
    if (Wake(waiter.fiber, waiter.token, WakeReason::kSignaled)) return true;
  }
}

int WaitQueue::WakeAll(SpinLock& lock) {
  constexpr int kBatch = 32;
  int woken = 0;
  while (true) {
    Waiter batch[kBatch];
    int count = 0;
    {
      SpinLockHolder holder(lock);
      while (count < kBatch && PopFront(batch[count])) ++count;
    }
    for (int i = 0; i < count; ++i) {
      if (Wake(batch[i].fiber, batch[i].token, WakeReason::kSignaled)) ++woken;
    }
    if (count < kBatch) return woken;
  }
}

}  // namespace troupe::scheduler_internal
